// Package reference recomputes the pipeline's outputs from the produced
// events in plain Go, with no Beam and none of the pipeline's transforms, so
// end-to-end tests compare the pipeline against an independent computation.
package reference

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// WindowKey names one event-type count: a sliding window and an event type.
type WindowKey struct {
	WindowStart int64 // Unix ms
	EventType   string
}

// Windows returns the starts (Unix ms) of the sliding windows of the given
// size and period that contain t, as Beam assigns them (offset 0): every
// start s with s ≤ t < s+size and s a multiple of period.
func Windows(tMillis int64, size, period time.Duration) []int64 {
	p, sz := period.Milliseconds(), size.Milliseconds()
	last := tMillis - mod(tMillis, p)
	var out []int64
	for s := last; s > tMillis-sz; s -= p {
		out = append(out, s)
	}
	return out
}

func mod(a, b int64) int64 { return ((a % b) + b) % b }

// EventTypeCounts counts events per sliding window and event type.
func EventTypeCounts(events []event.Event, size, period time.Duration) map[WindowKey]int64 {
	out := map[WindowKey]int64{}
	for _, e := range events {
		for _, w := range Windows(e.EventTimeMillis, size, period) {
			out[WindowKey{w, string(e.EventType)}]++
		}
	}
	return out
}

// ReadJSONLines decodes events with encoding/json (not the pipeline's
// decoder), one per line.
func ReadJSONLines(r io.Reader) ([]event.Event, error) {
	var out []event.Event
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	for line := 1; sc.Scan(); line++ {
		var e event.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// Diff lists the differences between want and got, sorted, at most limit.
func Diff(want, got map[WindowKey]int64, limit int) []string {
	var d []string
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			d = append(d, fmt.Sprintf("window %s %s: got %d (present=%v), want %d", time.UnixMilli(k.WindowStart).UTC().Format(time.RFC3339), k.EventType, g, ok, w))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			d = append(d, fmt.Sprintf("window %s %s: got %d, want no row", time.UnixMilli(k.WindowStart).UTC().Format(time.RFC3339), k.EventType, g))
		}
	}
	sort.Strings(d)
	if len(d) > limit {
		d = append(d[:limit], fmt.Sprintf("... and %d more", len(d)-limit))
	}
	return d
}

package bench

import (
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/deliverypipe/deliverypipe/internal/simulator"
	"github.com/deliverypipe/deliverypipe/testing/reference"
	"github.com/deliverypipe/deliverypipe/transforms/event"
	"github.com/deliverypipe/deliverypipe/transforms/parse"
)

// Long-run rules, the pipeline's defaults: orders expire 2 h after their
// first event, event ids are remembered 1 h after their order's latest
// event, a finished order is emitted 1 min after its end, and the watermark
// trails the latest event time by 10 min (the simulator's late events are
// 8 min late).
const (
	longHorizon = 2 * 60 * 60_000
	longDedup   = 60 * 60_000
	longGrace   = 60_000
	longBound   = 10 * 60_000
	sweepEvery  = 10_000
)

// LongResult is what LongRun measured: counts, and the largest amount of
// state held at once, to show that state expires instead of growing with
// the stream.
type LongResult struct {
	Events, Unique, Duplicates, Facts, Expired, Forgotten int64
	OrdersSeen                                            int64
	MaxOpenOrders, MaxOpenWindows                         int
	OpenOrdersAtEnd, OpenWindowsAtEnd                     int   // before the final flush at the end of the stream
	HeapAtEndMiB                                          int64 // live heap after a GC at the end, before the flush
}

type longOrder struct {
	first, last, end int64
	ids              []string
	emitted          bool
}

// LongRun streams orders simulated orders (Config, seed) through the
// plain-Go path with event-time expiry, as the pipeline does it but without
// Beam: each event is encoded to JSON and decoded and validated by parse,
// deduplicated in its order's state, joined per order (facts emitted when
// the watermark passes end + grace, expired after the horizon, forgotten
// after the horizon and the dedup horizon), and counted per event type in
// the sliding windows, a window dropped once the watermark passes its end.
// Unlike Plain it holds only open state, so it runs over streams far larger
// than memory.
func LongRun(orders int, seed int64, size, period time.Duration) (LongResult, error) {
	var r LongResult
	sim, err := simulator.New(Config(orders, seed))
	if err != nil {
		return r, err
	}
	now, limits := time.Now(), parse.DefaultLimits()
	open := map[string]*longOrder{}
	windows := map[reference.WindowKey]int64{}
	var maxTime int64
	sweep := func(watermark int64) {
		for id, o := range open {
			if !o.emitted {
				fire := o.first + longHorizon
				if o.end != 0 {
					fire = o.end + longGrace
				}
				if fire > watermark {
					continue
				}
				o.emitted = true
				r.Facts++
				if o.end == 0 {
					r.Expired++
				}
			}
			if max(o.first+longHorizon, o.last+longDedup) <= watermark {
				delete(open, id)
				r.Forgotten++
			}
		}
		for k := range windows {
			if k.WindowStart+size.Milliseconds() <= watermark {
				delete(windows, k)
			}
		}
		r.MaxOpenOrders = max(r.MaxOpenOrders, len(open))
		r.MaxOpenWindows = max(r.MaxOpenWindows, len(windows))
	}
	for e := range sim.Events() {
		line, err := json.Marshal(e)
		if err != nil {
			return r, fmt.Errorf("bench: encoding event %s: %w", e.EventID, err)
		}
		var v event.Event
		if err := parse.DecodeValidate(line, now, limits, &v); err != nil {
			return r, fmt.Errorf("bench: simulated event %s invalid: %w", e.EventID, err)
		}
		r.Events++
		o := open[v.OrderID]
		if o == nil {
			o = &longOrder{first: v.EventTimeMillis}
			open[v.OrderID] = o
			r.OrdersSeen++
		}
		if slices.Contains(o.ids, v.EventID) {
			r.Duplicates++
			continue
		}
		r.Unique++
		o.ids = append(o.ids, v.EventID)
		o.first, o.last = min(o.first, v.EventTimeMillis), max(o.last, v.EventTimeMillis)
		if v.EventType == event.Delivered || v.EventType == event.Cancelled {
			o.end = max(o.end, v.EventTimeMillis)
		}
		for _, start := range reference.Windows(v.EventTimeMillis, size, period) {
			windows[reference.WindowKey{WindowStart: start, EventType: string(v.EventType)}]++
		}
		maxTime = max(maxTime, v.EventTimeMillis)
		if r.Events%sweepEvery == 0 {
			sweep(maxTime - longBound)
		}
	}
	r.OpenOrdersAtEnd, r.OpenWindowsAtEnd = len(open), len(windows)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r.HeapAtEndMiB = int64(ms.HeapInuse >> 20)
	sweep(1 << 62) // end of the stream: the watermark goes to +inf
	return r, nil
}

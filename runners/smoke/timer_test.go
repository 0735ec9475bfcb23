//go:build flink

package smoke

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/mtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/state"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/timers"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/transforms/periodic"
)

func init() {
	register.Function1x2(keyOf)
	register.DoFn5x0[state.Provider, timers.Provider, string, int64, func(string, int64)](&countUntilFn{})
	register.Function2x1(formatCount64)
	register.Emitter2[string, int64]()
}

// timerKeys and timerEvents shape the stateful pipeline: event i belongs to key i%timerKeys.
const (
	timerKeys   = 3
	timerEvents = 30
)

// keyOf spreads sequence numbers over timerKeys keys, keeping the element's event time.
func keyOf(i int64) (string, int64) {
	return fmt.Sprintf("key%d", i%timerKeys), 1
}

// countUntilFn sums values per key in a value state and emits the sum from an event-time
// timer set at FlushAt, the shape the lifecycle stage uses (value state + event-time timer).
type countUntilFn struct {
	FlushAt int64 // event time in milliseconds since the epoch
	Count   state.Value[int64]
	Flush   timers.EventTime
}

// ProcessElement declares emit, unused here, because the Go SDK takes a DoFn's outputs from
// ProcessElement and OnTimer must emit to the same ones.
func (fn *countUntilFn) ProcessElement(sp state.Provider, tp timers.Provider, key string, v int64, _ func(string, int64)) {
	n, _, err := fn.Count.Read(sp)
	if err != nil {
		panic(fmt.Errorf("reading count of %q: %w", key, err))
	}
	if err := fn.Count.Write(sp, n+v); err != nil {
		panic(fmt.Errorf("writing count of %q: %w", key, err))
	}
	fn.Flush.Set(tp, mtime.Time(fn.FlushAt).ToTime())
}

func (fn *countUntilFn) OnTimer(ctx context.Context, ts beam.EventTime, sp state.Provider, tp timers.Provider, key string, timer timers.Context, emit func(string, int64)) {
	n, _, err := fn.Count.Read(sp)
	if err != nil {
		panic(fmt.Errorf("reading count of %q at timer: %w", key, err))
	}
	emit(key, n)
	if err := fn.Count.Clear(sp); err != nil {
		panic(fmt.Errorf("clearing count of %q: %w", key, err))
	}
}

// wantKeyCounts is the reference computation for the timer pipeline, sorted.
func wantKeyCounts(events int64) []string {
	counts := map[string]int64{}
	for i := int64(0); i < events; i++ {
		k, v := keyOf(i)
		counts[k] += v
	}
	var out []string
	for k, n := range counts {
		out = append(out, formatCount64(k, n))
	}
	sort.Strings(out)
	return out
}

// eventTimeTimerPipeline counts per key with state and an event-time timer and writes
// "key=count" lines to out. Its source is periodic.Sequence, an unbounded splittable DoFn, so
// Flink translates the job in streaming mode (the Go SDK cannot pass Flink's --streaming
// option). The sequence starts in the past so every element is due at once and the job ends
// when the sequence does. The result goes to a file, not passert: passert's side inputs make
// Flink 1.19 streaming checkpoints fail (see runners/README.md).
func eventTimeTimerPipeline(out string) *beam.Pipeline {
	p, s := beam.NewPipelineWithRoot()
	const interval = time.Second
	end := time.Now().Truncate(interval)
	start := end.Add(-timerEvents * interval)
	seq := periodic.Sequence(s, beam.Create(s, periodic.NewSequenceDefinition(start, end, interval)))
	keyed := beam.ParDo(s, keyOf, seq)
	counts := beam.ParDo(s, &countUntilFn{FlushAt: end.Add(time.Minute).UnixMilli()}, keyed)
	textio.Write(s, out, beam.ParDo(s, formatCount64, counts))
	return p
}

// formatCount64 is formatCount for int64 counts.
func formatCount64(k string, n int64) string {
	return formatCount(k, int(n))
}

// readSortedLines returns the non-empty lines of file, sorted.
func readSortedLines(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("reading pipeline output: %v", err)
	}
	lines := strings.Fields(string(b))
	sort.Strings(lines)
	return lines
}

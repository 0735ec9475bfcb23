//go:build flink

package smoke

import (
	"context"
	"flag"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/timers"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/transforms/periodic"
)

// The Fn API data-plane deadlock of Beam 2.62's Java runner (runners/README.md, "Known
// problems"): the runner drained a bundle's inbound data (a 100-message queue, filled by the
// one gRPC thread of the data stream) only after the bundle's response, and the Go SDK sends
// every timer as its own message, all before it responds. Each timer message carries the key,
// so a 64 KiB key makes a few hundred timers exceed the queue plus the HTTP/2 window (≤ 8 MiB)
// whatever the window does: 400 hung on the unpatched runner, 50 never did.
var (
	hangTimers   = flag.Int("flink.timers", 400, "tagged event-time timers the one element sets in one bundle")
	hangKeyBytes = flag.Int("flink.key_bytes", 64<<10, "size of the element's key, carried by every timer message")
	hangDeadline = flag.Duration("flink.hang_deadline", 120*time.Second, "a job not done by then is reported as hung")
)

func init() {
	register.Function1x2(toBigKey)
	register.DoFn5x0[beam.EventTime, timers.Provider, string, int64, func(string)](&manyTimersFn{})
}

// bigKey is the one key of the test; a global so that workers build it from the flag too.
func bigKey() string { return strings.Repeat("k", *hangKeyBytes) }

func toBigKey(v int64) (string, int64) { return bigKey(), v }

// manyTimersFn sets Timers tagged event-time timers for its element, a minute after it, and
// emits each timer's tag when it fires: the output tells which timers got lost.
type manyTimersFn struct {
	Timers int
	Fire   timers.EventTime
}

// ProcessElement declares emit, unused here, because the Go SDK takes a DoFn's outputs from
// ProcessElement and OnTimer must emit to the same ones.
func (fn *manyTimersFn) ProcessElement(ts beam.EventTime, tp timers.Provider, _ string, _ int64, _ func(string)) {
	at := ts.ToTime().Add(time.Minute)
	for i := 0; i < fn.Timers; i++ {
		fn.Fire.Set(tp, at, timers.WithTag(strconv.Itoa(i)))
	}
}

func (fn *manyTimersFn) OnTimer(_ context.Context, _ beam.EventTime, _ timers.Provider, _ string, timer timers.Context, emit func(string)) {
	emit(timer.Tag)
}

// manyTimersPipeline writes the tag of every fired timer to out. Batch: one element from
// beam.Create. Streaming: one element of periodic.Sequence, an unbounded source, which is how a
// Go job gets Flink's streaming translation (see eventTimeTimerPipeline).
func manyTimersPipeline(streaming bool, n int, out string) *beam.Pipeline {
	p, s := beam.NewPipelineWithRoot()
	var one beam.PCollection
	if streaming {
		const interval = time.Second
		end := time.Now().Truncate(interval)
		one = periodic.Sequence(s, beam.Create(s, periodic.NewSequenceDefinition(end.Add(-interval), end, interval)))
	} else {
		one = beam.Create(s, int64(0))
	}
	keyed := beam.ParDo(s, toBigKey, one)
	fired := beam.ParDo(s, &manyTimersFn{Timers: n, Fire: timers.InEventTime("fire")}, keyed)
	textio.Write(s, out, fired)
	return p
}

// TestFlinkManyTimersOneBundle is the reproduction of the deadlock: one bundle whose single
// element sets -flink.timers timers, in the batch and the streaming translation. On a runner
// without runners/jvm/patches/SdkHarnessClient-drain-while-waiting.patch (JOBSERVER_PATCHES=0)
// it hangs and fails after -flink.hang_deadline with a goroutine dump and a jstack.
// `make test-flink-hang` runs it 10 times on a job server of its own.
func TestFlinkManyTimersOneBundle(t *testing.T) {
	for _, mode := range []struct {
		name      string
		streaming bool
	}{{"batch", false}, {"streaming", true}} {
		t.Run(mode.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "fired.txt")
			runWithin(t, "flink", manyTimersPipeline(mode.streaming, *hangTimers, out), *hangDeadline)
			got := readSortedLines(t, out)
			seen := map[string]bool{}
			for _, tag := range got {
				seen[tag] = true
			}
			if len(got) != *hangTimers || len(seen) != *hangTimers {
				t.Fatalf("%d timers fired (%d distinct tags), want each of the %d set once", len(got), len(seen), *hangTimers)
			}
		})
	}
}

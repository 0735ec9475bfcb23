package dedup

import (
	"fmt"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/mtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func init() {
	register.Function1x2(withEventTime)
	register.Function1x2(keyByID)
	register.Function2x1(pickFirst)
	register.Function2x1(dropKey)
}

// Figures: in the doc comment of Dedup (measured with
// go test ./transforms/dedup -run - -bench . -benchtime 3x).

// benchEvents returns n events over 20 minutes of event time, every 20th a
// repeat of the one before it.
func benchEvents(n int) []event.Event {
	out := make([]event.Event, 0, n)
	for i := range n {
		id := i
		if i%20 == 19 {
			id = i - 1
		}
		out = append(out, ev(fmt.Sprintf("e-%06d", id), t0+int64(i)*60))
	}
	return out
}

func withEventTime(e event.Event) (beam.EventTime, event.Event) {
	return mtime.FromMilliseconds(e.EventTimeMillis), e
}

func keyByID(id string) (string, string) { return id, id }

func pickFirst(a, b string) string { return min(a, b) }

func dropKey(id, _ string) string { return id }

func BenchmarkDedup(b *testing.B) {
	const n = 20_000
	events := benchEvents(n)
	unique := n - n/20
	for _, c := range []struct {
		name  string
		build func(s beam.Scope, in beam.PCollection) beam.PCollection
	}{
		{"stateful", func(s beam.Scope, in beam.PCollection) beam.PCollection {
			return beam.ParDo(s, idOf, Dedup(s, in))
		}},
		// The alternative: a lifted combine per event_id in fixed windows of the horizon.
		{"combiner", func(s beam.Scope, in beam.PCollection) beam.PCollection {
			w := beam.WindowInto(s, window.NewFixedWindows(DefaultHorizon), beam.ParDo(s, idOf, in))
			kept := beam.CombinePerKey(s, pickFirst, beam.ParDo(s, keyByID, w))
			return beam.WindowInto(s, window.NewGlobalWindows(), beam.ParDo(s, dropKey, kept))
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				p, s := beam.NewPipelineWithRoot()
				in := beam.ParDo(s, withEventTime, beam.CreateList(s, events))
				passert.Count(s, c.build(s, in), "kept", unique)
				if _, err := ptest.RunWithMetrics(p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

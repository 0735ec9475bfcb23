//go:build stagebench

package bench

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/transforms/periodic"

	"github.com/deliverypipe/deliverypipe/transforms/dedup"
	"github.com/deliverypipe/deliverypipe/transforms/kpi"
	"github.com/deliverypipe/deliverypipe/transforms/lifecycle"
	"github.com/deliverypipe/deliverypipe/transforms/parse"
)

func init() { register.Function2x0(dropTick) }

// dropTick turns periodic ticks into nothing (of the events' type).
func dropTick(_ []byte, _ func(parse.Raw)) {}

// streamSource is the file source flattened with an empty unbounded
// PCollection (a one-tick periodic.Impulse), so Flink runs the job in
// streaming mode, as in production, where a bounded source gets its batch
// translation. Needs --experiments=shutdown_idle_sources on this repo's
// Flink job server for the job to end.
func streamSource(s beam.Scope, path string) beam.PCollection {
	s = s.Scope("bench.Stream")
	now := time.Now()
	ticks := periodic.Impulse(s, now, now.Add(time.Millisecond), time.Second, false)
	return beam.Flatten(s, ReadFile(s, path), beam.ParDo(s, dropTick, ticks))
}

// stage is a prefix of the delivery graph ending in counting sinks, and the
// counter values plain Go expects of it.
type stage struct {
	name  string
	build func(s beam.Scope, raw beam.PCollection)
	want  func(r Rows) map[string]int64
}

// stages are cumulative (each one is the one before plus a stage, except kpi
// and lifecycle, which both follow dedup as in delivery.Build), so a stage's
// own cost per event is the difference of consecutive cpu-ns/event figures
// (or of seconds per run at the same event count).
func stages() []stage {
	o := options()
	deduped := func(s beam.Scope, raw beam.PCollection) beam.PCollection {
		valid, _ := parse.Parse(s, raw)
		return dedup.Dedup(s, parse.WithEventTime(s, valid), dedup.WithHorizon(o.DedupHorizon))
	}
	count := func(s beam.Scope, name string, col beam.PCollection) {
		beam.ParDo0(s.Scope("bench.Count"), &countFn{Name: name}, col)
	}
	return []stage{
		{"parse", func(s beam.Scope, raw beam.PCollection) {
			valid, dead := parse.Parse(s, raw)
			count(s, "valid", valid) // duplicates included
			count(s, CountDeadLetters, dead)
		}, func(r Rows) map[string]int64 {
			return map[string]int64{"bench.valid": r.Valid, "bench." + CountDeadLetters: r.DeadLetters}
		}},
		{"dedup", func(s beam.Scope, raw beam.PCollection) {
			count(s, "unique", deduped(s, raw))
		}, func(r Rows) map[string]int64 {
			return map[string]int64{"bench.unique": r.Unique}
		}},
		{"lifecycle", func(s beam.Scope, raw beam.PCollection) {
			events := deduped(s, raw)
			// Also counted as in the full graph, where several stages read
			// dedup's output: on the in-process prism 2.62 a join fed by
			// dedup alone emitted no facts (seen with 500 orders).
			count(s, "unique", events)
			count(s, CountOrderFacts, lifecycle.Join(s, events, lifecycle.WithHorizon(o.OrderHorizon)))
		}, func(r Rows) map[string]int64 {
			return map[string]int64{"bench.unique": r.Unique, "bench." + CountOrderFacts: r.OrderFacts, "lifecycle.expired": r.ExpiredOrders}
		}},
		{"full", func(s beam.Scope, raw beam.PCollection) {
			FullGraph(s, raw, o)
		}, Expected},
		{"kpi", func(s beam.Scope, raw beam.PCollection) {
			w := kpi.SlidingWindows(s, deduped(s, raw), o.WindowSize, o.WindowPeriod, o.AllowedLateness, kpi.OnTimeOnly())
			count(s, CountEventTypeCounts, kpi.EventTypeCounts(s, w))
		}, func(r Rows) map[string]int64 {
			return map[string]int64{"bench." + CountEventTypeCounts: r.EventTypeCounts}
		}},
	}
}

// BenchmarkStage runs each stage prefix of the graph (parse; + dedup;
// + lifecycle join; the full graph; dedup + sliding-window event-type KPIs)
// on the workload with the runner of the flags (-runner=flink ... with
// -source=file for Flink's batch translation, -source=stream for its
// streaming one) and checks its counters against plain Go. Issue 4's
// per-stage figures (docs/benchmarks.md, "Flink"). Behind the stagebench
// tag: it is written against the stage APIs of commit 00c3b0f
// (dedup.Dedup, lifecycle.Join), which a pending change merges.
func BenchmarkStage(b *testing.B) {
	w := workload(b)
	o := options()
	want, err := Plain(context.Background(), w, o.WindowSize, o.WindowPeriod)
	if err != nil {
		b.Fatal(err)
	}
	in := filepath.Join(loadDir, "events.jsonl")
	if *source == "file" || *source == "stream" {
		if err := w.WriteJSONLines(in); err != nil {
			b.Fatal(err)
		}
	}
	for _, st := range stages() {
		b.Run(st.name, func(b *testing.B) {
			start := cpuTime(b)
			for b.Loop() {
				p, s := beam.NewPipelineWithRoot()
				var raw beam.PCollection
				switch *source {
				case "file":
					raw = ReadFile(s, in)
				case "stream":
					raw = streamSource(s, in)
				default:
					raw = Create(s, w)
				}
				st.build(s, raw)
				res, err := ptest.RunWithMetrics(p)
				if err != nil {
					b.Fatal(err)
				}
				got := Counters(res.Metrics().AllMetrics())
				for k, v := range st.want(want) {
					if got[k] != v {
						b.Errorf("%s: counter %s = %d, plain Go computed %d", st.name, k, got[k], v)
					}
				}
			}
			report(b, len(w.Lines), start)
		})
	}
}

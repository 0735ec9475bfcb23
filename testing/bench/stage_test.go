//go:build stagebench

package bench

import (
	"context"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/deliverypipe/deliverypipe/transforms/dedup"
	"github.com/deliverypipe/deliverypipe/transforms/kpi"
	"github.com/deliverypipe/deliverypipe/transforms/lifecycle"
	"github.com/deliverypipe/deliverypipe/transforms/parse"
)

// stage is a prefix of the delivery graph ending in counting sinks, and the
// counter values plain Go expects of it.
type stage struct {
	name  string
	build func(s beam.Scope, raw beam.PCollection)
	want  func(r Rows) map[string]int64
}

// stages are prefixes of delivery.Build (the full one writing its files
// under dir): parse; parse + the standalone
// dedup.Dedup; parse + lifecycle.Track (dedup and the order join in one
// stage, as the graph has it since 76c7f99); the full graph; parse + Track +
// sliding-window event-type KPIs. A stage's own cost per event is the
// difference to the prefix it extends (seconds per run at the same events).
func stages(dir string) []stage {
	o := options()
	deduped := func(s beam.Scope, raw beam.PCollection) beam.PCollection {
		valid, _ := parse.Parse(s, raw)
		return dedup.Dedup(s, parse.WithEventTime(s, valid), dedup.WithHorizon(o.DedupHorizon))
	}
	// tracked is delivery.Build's dedup + lifecycle stage.
	tracked := func(s beam.Scope, valid beam.PCollection) (unique, facts beam.PCollection) {
		return lifecycle.Track(s, valid,
			lifecycle.WithHorizon(o.OrderHorizon), lifecycle.WithDedupHorizon(o.DedupHorizon))
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
		{"track", func(s beam.Scope, raw beam.PCollection) {
			valid, _ := parse.Parse(s, raw)
			unique, facts := tracked(s, valid)
			count(s, "unique", unique)
			count(s, CountOrderFacts, facts)
		}, func(r Rows) map[string]int64 {
			return map[string]int64{"bench.unique": r.Unique, "bench." + CountOrderFacts: r.OrderFacts, "lifecycle.expired": r.ExpiredOrders}
		}},
		{"full", func(s beam.Scope, raw beam.PCollection) {
			FullGraph(s, raw, o, dir)
		}, Expected},
		{"kpi", func(s beam.Scope, raw beam.PCollection) {
			valid, _ := parse.Parse(s, raw)
			unique, _ := tracked(s, valid)
			w := kpi.Windows{Size: o.WindowSize, Period: o.WindowPeriod, AllowedLateness: o.AllowedLateness,
				Options: []kpi.WindowOption{kpi.OnTimeOnly()}}
			count(s, CountEventTypeCounts, kpi.EventTypeCounts(s, unique, w))
		}, func(r Rows) map[string]int64 {
			return map[string]int64{"bench." + CountEventTypeCounts: r.EventTypeCounts}
		}},
	}
}

// BenchmarkStage runs each stage prefix of the graph (parse; + dedup;
// + lifecycle.Track; the full graph; Track + sliding-window event-type KPIs)
// on the workload with the runner of the flags (-runner=flink ... with
// -source=file for Flink's batch translation, -source=stream for its
// streaming one) and checks its counters against plain Go. Issue 4's
// per-stage figures (docs/benchmarks.md, "Flink"). Behind the stagebench
// tag, as it takes minutes per run on Flink.
func BenchmarkStage(b *testing.B) {
	w := workload(b)
	o := options()
	want, err := Plain(context.Background(), w, o.WindowSize, o.WindowPeriod)
	if err != nil {
		b.Fatal(err)
	}
	in := sourceInput(b, w, loadDir)
	for _, st := range stages(b.TempDir()) {
		b.Run(st.name, func(b *testing.B) {
			start := cpuTime(b)
			for b.Loop() {
				p, s := beam.NewPipelineWithRoot()
				st.build(s, rawSource(b, s, in))
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

package bench

import (
	"context"
	"reflect"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/metrics"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/transforms/periodic"

	"github.com/deliverypipe/deliverypipe/pipelines/delivery"
	"github.com/deliverypipe/deliverypipe/transforms/parse"
)

func init() {
	register.DoFn2x0[context.Context, beam.X](&countFn{})
	register.Function1x1(lineToRaw)
	register.Function2x0(dropTick)
	beam.RegisterType(reflect.TypeFor[countFn]())
}

// Counter names (namespace "bench") under which FullGraph counts its outputs.
const (
	CountEventTypeCounts = "event_type_counts"
	CountRestaurantKPIs  = "restaurant_kpis"
	CountZoneKPIs        = "zone_kpis"
	CountOrderFacts      = "order_facts"
	CountEnriched        = "enriched"
	CountDeadLetters     = "dead_letters"
	CountStatuses        = "statuses"
)

// Create is the in-memory source: the workload's lines as parse.Raw.
func Create(s beam.Scope, w *Workload) beam.PCollection {
	raws := make([]parse.Raw, len(w.Lines))
	for i, l := range w.Lines {
		raws[i] = parse.Raw{Data: l, Shard: "bench", ArrivalMillis: 1}
	}
	return beam.CreateList(s.Scope("bench.Create"), raws)
}

// ReadFile is the file source (JSON Lines at path, as WriteJSONLines writes
// them), for runners where a pipeline carrying the events inline would be too
// large to submit.
func ReadFile(s beam.Scope, path string) beam.PCollection {
	s = s.Scope("bench.ReadFile")
	return beam.ParDo(s, lineToRaw, textio.Read(s, path))
}

// StreamFile is the file source flattened with an empty unbounded
// PCollection (a one-tick periodic.Impulse), so that Flink runs the job in
// streaming mode, as in production, where a bounded source gets its batch
// translation. Needs --experiments=shutdown_idle_sources on this repo's
// Flink job server for the job to end.
func StreamFile(s beam.Scope, path string) beam.PCollection {
	s = s.Scope("bench.Stream")
	now := time.Now()
	ticks := periodic.Impulse(s, now, now.Add(time.Millisecond), time.Second, false)
	return beam.Flatten(s, ReadFile(s, path), beam.ParDo(s, dropTick, ticks))
}

// dropTick turns periodic ticks into nothing (of the events' type).
func dropTick(_ []byte, _ func(parse.Raw)) {}

func lineToRaw(l string) parse.Raw {
	return parse.Raw{Data: []byte(l), Shard: "bench", ArrivalMillis: 1}
}

// FullGraph runs delivery.Build over raw with its outputs counted instead
// of written, so the sinks cost nothing and the counts can be checked.
func FullGraph(s beam.Scope, raw beam.PCollection, o delivery.Options) {
	out := delivery.Build(s, raw, o)
	s = s.Scope("bench.Count")
	for name, col := range map[string]beam.PCollection{
		CountEventTypeCounts: out.EventTypeCounts,
		CountRestaurantKPIs:  out.RestaurantKPIs,
		CountZoneKPIs:        out.ZoneKPIs,
		CountOrderFacts:      out.OrderFacts,
		CountEnriched:        out.Enriched,
		CountDeadLetters:     out.DeadLetters,
		CountStatuses:        out.Statuses,
	} {
		beam.ParDo0(s, &countFn{Name: name}, col)
	}
}

// countFn is a discarding sink that counts what it is given.
type countFn struct {
	Name string
	c    beam.Counter
}

func (f *countFn) Setup() { f.c = beam.NewCounter("bench", f.Name) }

func (f *countFn) ProcessElement(ctx context.Context, _ beam.X) { f.c.Inc(ctx, 1) }

// Counters reads the bench and transform counters (committed values) of a
// finished run.
func Counters(r metrics.QueryResults) map[string]int64 {
	out := map[string]int64{}
	for _, c := range r.Counters() {
		out[c.Key.Namespace+"."+c.Key.Name] += c.Result()
	}
	return out
}

// Expected is what the counters of FullGraph must read for a run whose plain
// result is r (enrichment ids unknown to the dimensions are flagged, not
// dropped, so Enriched equals Unique).
func Expected(r Rows) map[string]int64 {
	return map[string]int64{
		"bench." + CountEventTypeCounts: r.EventTypeCounts,
		"bench." + CountRestaurantKPIs:  r.RestaurantKPIs,
		"bench." + CountZoneKPIs:        r.ZoneKPIs,
		"bench." + CountOrderFacts:      r.OrderFacts,
		"bench." + CountEnriched:        r.Unique,
		"bench." + CountDeadLetters:     r.DeadLetters,
		"bench." + CountStatuses:        r.Unique,
		"lifecycle.expired":             r.ExpiredOrders,
	}
}

// Package delivery wires the deliverypipe graph: raw records in, KPIs and
// archives out. It builds from an Options struct and nothing else; the source
// and the sinks are separate steps, so tests can feed beam.Create or
// TestStream and inspect the outputs.
package delivery

import (
	"errors"
	"fmt"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	// s3:// dimension files (enrich.LoadDimensions): Beam's S3 file system,
	// on the AWS default configuration.
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/s3"

	"github.com/deliverypipe/deliverypipe/transforms/enrich"
	"github.com/deliverypipe/deliverypipe/transforms/kpi"
	"github.com/deliverypipe/deliverypipe/transforms/lifecycle"
	"github.com/deliverypipe/deliverypipe/transforms/parse"
)

// Options shapes the transforms of the graph.
type Options struct {
	WindowSize      time.Duration
	WindowPeriod    time.Duration
	AllowedLateness time.Duration
	// OnTimeOnly fires one ON_TIME pane per window and drops late events
	// (--on-time-only): fewer rows where late updates are not wanted.
	OnTimeOnly bool
	// NormalizePanes corrects the panes of a runner that fires them wrongly
	// (kpi.NormalizePanes); set it from presets.WorkaroundsFor, the one place
	// that knows which runner needs it.
	NormalizePanes bool
	// MaxSkew is how far in the future an event time may be before it is
	// dead-lettered; zero keeps parse's default.
	MaxSkew time.Duration
	// DedupHorizon is how long (event time) after its order's latest event
	// an event_id is remembered.
	DedupHorizon time.Duration
	// RestaurantsURI and DriversURI are the dimension CSVs (path or
	// s3://bucket/key, read through Beam's file systems: this package
	// registers the s3 one); empty means no dimensions (ids flagged unknown).
	RestaurantsURI, DriversURI string
	// OrderHorizon is when an incomplete order expires (event time).
	OrderHorizon time.Duration
}

// DefaultOptions returns the documented defaults: 5-minute windows every
// minute, 10 minutes of allowed lateness.
func DefaultOptions() Options {
	return Options{
		WindowSize: kpi.DefaultSize, WindowPeriod: kpi.DefaultPeriod, AllowedLateness: kpi.DefaultAllowedLateness,
		DedupHorizon: time.Hour, OrderHorizon: 2 * time.Hour,
	}
}

// Validate says what is wrong with o, in terms of the flags that set it.
func (o Options) Validate() error {
	var errs []error
	if o.WindowPeriod <= 0 || o.WindowSize <= 0 {
		errs = append(errs, fmt.Errorf("--window-size (%v) and --window-period (%v) must be positive", o.WindowSize, o.WindowPeriod))
	} else if o.WindowSize%o.WindowPeriod != 0 {
		errs = append(errs, fmt.Errorf("--window-size (%v) must be a multiple of --window-period (%v)", o.WindowSize, o.WindowPeriod))
	}
	if o.DedupHorizon <= 0 || o.OrderHorizon <= 0 {
		errs = append(errs, fmt.Errorf("--dedup-horizon (%v) and --order-horizon (%v) must be positive", o.DedupHorizon, o.OrderHorizon))
	}
	if o.AllowedLateness < 0 {
		errs = append(errs, fmt.Errorf("--allowed-lateness (%v) must not be negative", o.AllowedLateness))
	}
	return errors.Join(errs...)
}

// onTimeOnlyKPIBuckets is the entity groups of the restaurant and zone KPIs
// when windows fire on time only (1 and 2 measured no faster).
const onTimeOnlyKPIBuckets = 4

// Outputs are the graph's results, for sinks or assertions.
type Outputs struct {
	Enriched        beam.PCollection // PCollection<enrich.Batch>: valid, deduplicated, each event with its event time
	DeadLetters     beam.PCollection // PCollection<parse.DeadLetter>
	OrderFacts      beam.PCollection // PCollection<lifecycle.OrderFact>
	Statuses        beam.PCollection // PCollection<lifecycle.Status>
	EventTypeCounts beam.PCollection // PCollection<kpi.EventTypeCount>
	RestaurantKPIs  beam.PCollection // PCollection<kpi.RestaurantKPI>, the rows of RestaurantKPIBatches
	ZoneKPIs        beam.PCollection // PCollection<kpi.ZoneKPI>, the rows of ZoneKPIBatches
	// The KPI rows as the aggregations fire them, one element per firing of
	// a bucket of entities: what the Parquet sinks take (kpi/batch.go).
	RestaurantKPIBatches beam.PCollection // PCollection<kpi.RestaurantKPIBatch>
	ZoneKPIBatches       beam.PCollection // PCollection<kpi.ZoneKPIBatch>
}

// Build wires the transforms over raw, a PCollection<parse.Raw>:
// parse → dedup and the order lifecycle (one stateful stage), whose unique
// events, in batches, feed enrichment, the statuses and the sliding-window
// KPIs, and whose facts feed the delivery-time KPIs.
func Build(s beam.Scope, raw beam.PCollection, o Options) Outputs {
	var popts []parse.Option
	if o.MaxSkew > 0 {
		popts = append(popts, parse.WithMaxSkew(o.MaxSkew))
	}
	valid, dead := parse.Parse(s, raw, popts...)
	// Dedup and the order join share one stateful stage keyed by buckets of
	// orders (event ids belong to orders): docs/benchmarks.md has why.
	topts := []lifecycle.Option{lifecycle.WithHorizon(o.OrderHorizon), lifecycle.WithDedupHorizon(o.DedupHorizon)}
	// Track stamps its batches from each event's time, so valid events need
	// no event-time stamps of their own. Its unique events come as
	// event.Batches, which every stage after it takes whole (event.Batch).
	events, facts := lifecycle.Track(s, valid, topts...)
	enriched := enrich.Enrich(s, events, o.RestaurantsURI, o.DriversURI)

	w := kpi.Windows{Size: o.WindowSize, Period: o.WindowPeriod, AllowedLateness: o.AllowedLateness}
	var aopts []kpi.AggregateOption
	if o.NormalizePanes {
		w.Options = append(w.Options, kpi.NormalizePanes())
	}
	if o.OnTimeOnly {
		w.Options = append(w.Options, kpi.OnTimeOnly())
		// No LATE pane can re-emit a whole bucket of entities, so fewer,
		// larger groups are only cheaper: 15–20 % on prism and 10 % on
		// Flink against the default 16 (docs/benchmarks.md).
		aopts = append(aopts, kpi.WithBuckets(onTimeOnlyKPIBuckets))
	}
	delivered := deliveries(s, facts)
	restaurants := kpi.RestaurantKPIBatches(s, events, delivered, w, aopts...)
	zones := kpi.ZoneKPIBatches(s, events, delivered, w, aopts...)
	return Outputs{
		Enriched:        enriched,
		DeadLetters:     dead,
		OrderFacts:      facts,
		Statuses:        lifecycle.Statuses(s, events),
		EventTypeCounts: kpi.EventTypeCounts(s, events, w),
		RestaurantKPIs:  kpi.UnbatchRestaurantKPIs(s, restaurants),
		ZoneKPIs:        kpi.UnbatchZoneKPIs(s, zones),

		RestaurantKPIBatches: restaurants,
		ZoneKPIBatches:       zones,
	}
}

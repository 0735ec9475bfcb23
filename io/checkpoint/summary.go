package checkpoint

import (
	"reflect"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window/trigger"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/deliverypipe/deliverypipe/io/kinesisio"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*Summary)(nil)).Elem())
	register.Function1x2(recordSummary)
	register.Function3x1(bucketSummary)
	register.Combiner1[Summary](&mergeFn{})
}

// Bucket is the event-time span of one position summary.
const Bucket = time.Minute

// Summary is what the stage knows of the records of one shard whose element
// timestamps fall in one bucket: the first and last position read.
type Summary struct {
	Shard string
	// BucketEndMillis is the bucket's end (Unix ms); zero marks the compacted
	// summary of buckets that no longer matter, kept for its Max.
	BucketEndMillis int64
	Min, Max        kinesisio.Position
}

func recordSummary(r kinesisio.Record) (string, Summary) {
	p := r.Position()
	return r.ShardID, Summary{Shard: r.ShardID, Min: p, Max: p}
}

// merge folds b into a.
func merge(a, b Summary) Summary {
	if a.Min.IsZero() || (!b.Min.IsZero() && a.Min.After(b.Min)) {
		a.Min = b.Min
	}
	if b.Max.After(a.Max) {
		a.Max = b.Max
	}
	if a.Shard == "" {
		a.Shard = b.Shard
	}
	return a
}

// mergeFn is the lifted combiner: the runner merges per bundle before the
// shuffle, so positions cost no state access per record.
type mergeFn struct{}

// MergeAccumulators keeps the smallest and largest position.
func (mergeFn) MergeAccumulators(a, b Summary) Summary { return merge(a, b) }

func bucketSummary(w beam.Window, _ string, s Summary) Summary {
	s.BucketEndMillis = int64(w.MaxTimestamp()) + 1
	return s
}

// Positions summarises records, a PCollection<kinesisio.Record> stamped by
// the reader, per shard and one-minute bucket of element time:
// PCollection<Summary> with each summary stamped at its bucket's end. Late
// records still count while their bucket can matter (allowedLateness).
func Positions(s beam.Scope, records beam.PCollection, allowedLateness time.Duration) beam.PCollection {
	s = s.Scope("checkpoint.Positions")
	keyed := beam.ParDo(s, recordSummary, records)
	windowed := beam.WindowInto(s, window.NewFixedWindows(Bucket), keyed)
	if allowedLateness > 0 {
		// Same trigger shape as the KPI windows: Flink needs a OnceTrigger early.
		windowed = beam.WindowInto(s, window.NewFixedWindows(Bucket), keyed,
			beam.Trigger(trigger.AfterEndOfWindow().EarlyFiring(trigger.Never()).LateFiring(trigger.AfterCount(1))),
			beam.PanesDiscard(),
			beam.AllowedLateness(allowedLateness))
	}
	return beam.ParDo(s, bucketSummary, beam.CombinePerKey(s, &mergeFn{}, windowed))
}

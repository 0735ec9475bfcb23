package delivery

import (
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/deliverypipe/deliverypipe/io/checkpoint"
)

// ReplayHorizon is how far back in event time before the committed watermark
// a restarted run must replay: a window that is not final yet (the longest
// are the archive windows and the sliding KPI windows) holds orders whose
// facts depend on up to OrderHorizon of earlier events, and each of those
// events passed dedup, which remembers DedupHorizon. The horizons add up
// along that chain; the longest single one would be too short.
func ReplayHorizon(o Options, k Sinks) time.Duration {
	return max(o.WindowSize, k.archiveWindow()) + o.OrderHorizon + o.DedupHorizon
}

// Checkpoint keeps the checkpoints of stream in table: records is the
// PCollection<kinesisio.Record> as read, written what WriteAWS returned.
func Checkpoint(s beam.Scope, records beam.PCollection, written []beam.PCollection, o Options, k Sinks, table, stream string) beam.PCollection {
	return checkpoint.Commit(s, records, written, table, stream,
		checkpoint.WithAllowedLateness(o.AllowedLateness),
		checkpoint.WithHorizon(ReplayHorizon(o, k)),
		checkpoint.WithPeriod(o.WindowPeriod))
}

package delivery

import (
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"

	"github.com/deliverypipe/deliverypipe/io/checkpoint"
	"github.com/deliverypipe/deliverypipe/io/dynamodbio"
	"github.com/deliverypipe/deliverypipe/io/s3parquet"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery/tables"
	"github.com/deliverypipe/deliverypipe/transforms/enrich"
	"github.com/deliverypipe/deliverypipe/transforms/kpi"
	"github.com/deliverypipe/deliverypipe/transforms/lifecycle"
)

func init() {
	// The table rows cross the Parquet sinks' GroupByKeys in Beam's row
	// encoding and are written column by column (s3parquet.RegisterRowType).
	s3parquet.RegisterRowType[enrich.ArchiveRow]()
	s3parquet.RegisterRowType[lifecycle.OrderFact]()
	s3parquet.RegisterRowType[kpi.EventTypeCount]()
	s3parquet.RegisterRowType[kpi.RestaurantKPI]()
	s3parquet.RegisterRowType[kpi.ZoneKPI]()
}

// Sinks names where the outputs go on AWS.
type Sinks struct {
	Bucket      string // S3 bucket for the Parquet tables
	Prefix      string // key prefix inside the bucket
	KPITable    string // DynamoDB window KPI table
	StatusTable string // DynamoDB order status table; empty skips it
	KMSKeyID    string // SSE-KMS key; empty means SSE-S3
	// ArchiveWindow cuts the events and order-fact archives into event-time
	// windows; zero means one hour.
	ArchiveWindow time.Duration
	// FinalUntil drops the outputs of windows ending at or before it: a
	// previous run wrote them in full (the committed watermark of the
	// checkpoint table). Zero drops nothing.
	FinalUntil time.Time
}

// archiveWindow is ArchiveWindow with its default.
func (k Sinks) archiveWindow() time.Duration {
	if k.ArchiveWindow > 0 {
		return k.ArchiveWindow
	}
	return time.Hour
}

// Table names under the bucket prefix (Athena DDL in pipelines/delivery/tables/ddl).
const (
	EventsTableName          = "events"
	EventTypeCountsTableName = "kpis"
	RestaurantKPIsTableName  = "restaurant_kpis"
	ZoneKPIsTableName        = "zone_kpis"
	OrderFactsTableName      = "order_facts"
	DeadLetterTableName      = "dlq"
)

// WriteAWS writes every output: Parquet tables and dead letters (JSON Lines)
// to S3, pane-versioned KPI items and forward-only order statuses to DynamoDB.
// It returns the sinks' outputs, whose watermark passes a window only once it
// is written (for checkpoint.Commit).
func WriteAWS(s beam.Scope, out Outputs, k Sinks) []beam.PCollection {
	s = s.Scope("delivery.WriteAWS")
	opts := []s3parquet.Option{s3parquet.WithPrefix(k.Prefix)}
	if k.KMSKeyID != "" {
		opts = append(opts, s3parquet.WithKMSKey(k.KMSKeyID))
	}
	written, eventTypes, restaurants, zones := writeObjects(s, out, k, opts)
	written = append(written,
		dynamodbio.UpsertVersioned(s, tables.EventTypeItems(s, eventTypes), k.KPITable),
		dynamodbio.UpsertVersioned(s, tables.RestaurantItems(s, restaurants), k.KPITable),
		dynamodbio.UpsertVersioned(s, tables.ZoneItems(s, zones), k.KPITable),
	)
	if k.StatusTable != "" {
		written = append(written, dynamodbio.UpsertForward(s, out.Statuses, k.StatusTable))
	}
	return written
}

// WriteFiles writes what WriteAWS writes to S3, the Parquet tables and the
// dead letters, as files under dir/<k.Bucket>/<k.Prefix>/ with the same names
// and bytes, and nothing to DynamoDB: the sinks of runs on one machine
// (benchmarks, samples). It returns the sinks' outputs, as WriteAWS does.
func WriteFiles(s beam.Scope, out Outputs, dir string, k Sinks) []beam.PCollection {
	s = s.Scope("delivery.WriteFiles")
	written, _, _, _ := writeObjects(s, out, k, []s3parquet.Option{s3parquet.WithPrefix(k.Prefix), s3parquet.WithLocalDir(dir)})
	return written
}

// writeObjects writes the S3 objects of out with opts, and returns the sinks'
// outputs and the KPI collections as the object sinks saw them (after
// FinalUntil), for the DynamoDB sinks.
func writeObjects(s beam.Scope, out Outputs, k Sinks, opts []s3parquet.Option) (written []beam.PCollection, eventTypes, restaurants, zones beam.PCollection) {
	// A restarted run replays records from before FinalUntil only to rebuild
	// state; what it computes for windows ending by then is partial.
	final := func(col beam.PCollection) beam.PCollection {
		if k.FinalUntil.IsZero() {
			return col
		}
		return checkpoint.DropFinal(s, col, k.FinalUntil)
	}
	// Archives are cut into hourly event-time windows: one object set per hour
	// (and pane and shard), named deterministically, instead of one growing
	// global-window file. Their rows are packed per bundle before they are
	// windowed (s3parquet.WriteFixedWindows).
	then := func(s beam.Scope, col beam.PCollection) beam.PCollection { return final(col) }
	eventTypes, restaurants, zones = final(out.EventTypeCounts), final(out.RestaurantKPIs), final(out.ZoneKPIs)
	written = []beam.PCollection{
		s3parquet.WriteFixedWindowBatches(s, k.Bucket, EventsTableName, enrich.ArchiveRows(s, out.Enriched), enrich.ArchiveRow{}, k.archiveWindow(), then, opts...),
		s3parquet.Write(s, k.Bucket, EventTypeCountsTableName, eventTypes, opts...),
		s3parquet.WriteBatches(s, k.Bucket, RestaurantKPIsTableName, final(out.RestaurantKPIBatches), kpi.RestaurantKPI{}, opts...),
		s3parquet.WriteBatches(s, k.Bucket, ZoneKPIsTableName, final(out.ZoneKPIBatches), kpi.ZoneKPI{}, opts...),
		s3parquet.WriteFixedWindows(s, k.Bucket, OrderFactsTableName, out.OrderFacts, k.archiveWindow(), then, opts...),
		// Dead letters in one-minute windows: in the global window they would
		// only be written when a bounded run ends, never in a streaming job.
		s3parquet.WriteJSONLines(s, k.Bucket, DeadLetterTableName,
			final(beam.WindowInto(s, window.NewFixedWindows(time.Minute), out.DeadLetters)), opts...),
	}
	return written, eventTypes, restaurants, zones
}

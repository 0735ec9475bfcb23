package delivery

import (
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"

	"github.com/deliverypipe/deliverypipe/io/dynamodbio"
	"github.com/deliverypipe/deliverypipe/io/s3parquet"
	"github.com/deliverypipe/deliverypipe/transforms/enrich"
	"github.com/deliverypipe/deliverypipe/transforms/kpi"
)

// Sinks names where the outputs go on AWS.
type Sinks struct {
	Bucket      string // S3 bucket for the Parquet tables
	Prefix      string // key prefix inside the bucket
	KPITable    string // DynamoDB window KPI table
	StatusTable string // DynamoDB order status table; empty skips it
	KMSKeyID    string // SSE-KMS key; empty means SSE-S3
}

// Table names under the bucket prefix (Athena DDL in io/s3parquet/ddl).
const (
	EventsTableName          = "events"
	EventTypeCountsTableName = "kpis"
	RestaurantKPIsTableName  = "restaurant_kpis"
	ZoneKPIsTableName        = "zone_kpis"
	OrderFactsTableName      = "order_facts"
	DeadLetterTableName      = "dlq"
)

// KPITableName is the event-type KPI table's name (kept for the first
// graph's users).
const KPITableName = EventTypeCountsTableName

// WriteAWS writes every output: Parquet tables and dead letters (JSON Lines)
// to S3, pane-versioned KPI items and forward-only order statuses to DynamoDB.
func WriteAWS(s beam.Scope, out Outputs, k Sinks) {
	s = s.Scope("delivery.WriteAWS")
	opts := []s3parquet.Option{s3parquet.WithPrefix(k.Prefix)}
	if k.KMSKeyID != "" {
		opts = append(opts, s3parquet.WithKMSKey(k.KMSKeyID))
	}
	// Archives are cut into hourly event-time windows: one object set per hour
	// (and pane and shard), named deterministically, instead of one growing
	// global-window file.
	hourly := func(col beam.PCollection) beam.PCollection {
		return beam.WindowInto(s, window.NewFixedWindows(time.Hour), col)
	}
	s3parquet.Write(s, k.Bucket, EventsTableName, hourly(enrich.ArchiveRows(s, out.Enriched)), opts...)
	s3parquet.Write(s, k.Bucket, EventTypeCountsTableName, out.EventTypeCounts, opts...)
	s3parquet.Write(s, k.Bucket, RestaurantKPIsTableName, out.RestaurantKPIs, opts...)
	s3parquet.Write(s, k.Bucket, ZoneKPIsTableName, out.ZoneKPIs, opts...)
	s3parquet.Write(s, k.Bucket, OrderFactsTableName, hourly(out.OrderFacts), opts...)
	// Dead letters in one-minute windows: in the global window they would
	// only be written when a bounded run ends, never in a streaming job.
	s3parquet.WriteJSONLines(s, k.Bucket, DeadLetterTableName,
		beam.WindowInto(s, window.NewFixedWindows(time.Minute), out.DeadLetters), opts...)

	dynamodbio.UpsertVersioned(s, kpi.EventTypeItems(s, out.EventTypeCounts), k.KPITable)
	dynamodbio.UpsertVersioned(s, kpi.RestaurantItems(s, out.RestaurantKPIs), k.KPITable)
	dynamodbio.UpsertVersioned(s, kpi.ZoneItems(s, out.ZoneKPIs), k.KPITable)
	if k.StatusTable != "" {
		dynamodbio.UpsertForward(s, out.Statuses, k.StatusTable)
	}
}

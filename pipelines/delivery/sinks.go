package delivery

import (
	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/deliverypipe/deliverypipe/io/dynamodbio"
	"github.com/deliverypipe/deliverypipe/io/s3parquet"
	"github.com/deliverypipe/deliverypipe/transforms/kpi"
)

// Sinks names where the outputs go on AWS.
type Sinks struct {
	Bucket   string // S3 bucket for the Parquet tables
	Prefix   string // key prefix inside the bucket
	KPITable string // DynamoDB window KPI table
	KMSKeyID string // SSE-KMS key; empty means SSE-S3
}

// Table names under the bucket prefix.
const (
	KPITableName        = "kpis"
	DeadLetterTableName = "dlq"
)

// WriteAWS writes the window KPIs as Parquet to S3 and as pane-versioned
// items to DynamoDB, and the dead letters as JSON Lines to S3.
func WriteAWS(s beam.Scope, out Outputs, k Sinks) {
	s = s.Scope("delivery.WriteAWS")
	opts := []s3parquet.Option{s3parquet.WithPrefix(k.Prefix)}
	if k.KMSKeyID != "" {
		opts = append(opts, s3parquet.WithKMSKey(k.KMSKeyID))
	}
	s3parquet.Write(s, k.Bucket, KPITableName, out.EventTypeCounts, opts...)
	s3parquet.WriteJSONLines(s, k.Bucket, DeadLetterTableName, out.DeadLetters, opts...)
	dynamodbio.UpsertVersioned(s, kpi.EventTypeItems(s, out.EventTypeCounts), k.KPITable)
}

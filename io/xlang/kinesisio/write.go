package kinesisio

import (
	"fmt"
	"reflect"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*writePayload)(nil)).Elem())
}

// Aggregation defaults, as Beam Python sends them. Java's setters for these
// three fields do not accept null, so they are always sent.
const (
	defaultAggregationMaxBytes        = 51200
	defaultAggregationMaxBufferedTime = 100 * time.Millisecond
	defaultAggregationShardRefresh    = 2 * time.Minute
)

// writePayload is the configuration row Java's
// KinesisTransformRegistrar.WriteBuilder.Configuration is built from, field for
// field what Beam Python's WriteToKinesisSchema sends.
type writePayload struct {
	StreamName          string  `beam:"stream_name"`
	AWSAccessKey        string  `beam:"aws_access_key"`
	AWSSecretKey        string  `beam:"aws_secret_key"`
	Region              string  `beam:"region"`
	PartitionKey        string  `beam:"partition_key"`
	ServiceEndpoint     *string `beam:"service_endpoint"`
	VerifyCertificate   *bool   `beam:"verify_certificate"`
	AggregationEnabled  *bool   `beam:"aggregation_enabled"`
	AggregationMaxBytes *int64  `beam:"aggregation_max_bytes"`
	// Milliseconds.
	AggregationMaxBufferedTime *int64 `beam:"aggregation_max_buffered_time"`
	// Whole minutes: Java reads this one with Duration.standardMinutes.
	AggregationShardRefresh *int64 `beam:"aggregation_shard_refresh_interval"`
}

type writeConfig struct {
	client client
	pl     writePayload
}

// WriteOption configures Write. ClientOptions are WriteOptions too.
type WriteOption interface {
	applyWrite(*writeConfig)
}

type writeOption func(*writeConfig)

func (o writeOption) applyWrite(c *writeConfig) { o(c) }

// Write puts each []byte element of col into the Kinesis stream with Java's
// KinesisIO, all under partitionKey (Java's external write has one fixed
// partition key, so one write feeds one shard: use several keys through
// several writes, or io/kinesisio.Write, to spread load).
//
// addr is the expansion service (host:port). Write panics on an invalid
// configuration or a failed expansion.
func Write(s beam.Scope, addr, stream, partitionKey string, conn Connection, col beam.PCollection, opts ...WriteOption) {
	s = s.Scope("kinesisio.Write")
	pl := writePayloadFor(stream, partitionKey, conn, opts)
	beam.CrossLanguage(s, WriteURN, beam.CrossLanguagePayload(pl), addr, beam.UnnamedInput(col), nil)
}

// writePayloadFor validates the configuration and builds the payload.
func writePayloadFor(stream, partitionKey string, conn Connection, opts []WriteOption) writePayload {
	mustConnection(stream, conn)
	if partitionKey == "" {
		panic("kinesisio.Write: partition key is empty")
	}
	off := false
	c := writeConfig{pl: writePayload{
		StreamName:                 stream,
		AWSAccessKey:               conn.AccessKeyID,
		AWSSecretKey:               conn.SecretAccessKey,
		Region:                     conn.Region,
		PartitionKey:               partitionKey,
		AggregationEnabled:         &off,
		AggregationMaxBytes:        int64p(defaultAggregationMaxBytes),
		AggregationMaxBufferedTime: millis(defaultAggregationMaxBufferedTime),
		AggregationShardRefresh:    int64p(int64(defaultAggregationShardRefresh / time.Minute)),
	}}
	for _, o := range opts {
		o.applyWrite(&c)
	}
	c.pl.ServiceEndpoint, c.pl.VerifyCertificate = c.client.endpoint, c.client.verify
	return c.pl
}

func int64p(v int64) *int64 { return &v }

// Aggregation packs records into KPL aggregates of up to maxBytes, flushed
// after maxBuffered at the latest (Java's defaults when unset: 51200 bytes,
// 100 ms). io/kinesisio.Read de-aggregates them.
func Aggregation(maxBytes int64, maxBuffered time.Duration) WriteOption {
	if maxBytes <= 0 || maxBuffered <= 0 {
		panic(fmt.Sprintf("kinesisio.Aggregation: maxBytes %d and maxBuffered %v must be positive", maxBytes, maxBuffered))
	}
	return writeOption(func(c *writeConfig) {
		on := true
		c.pl.AggregationEnabled = &on
		c.pl.AggregationMaxBytes = &maxBytes
		c.pl.AggregationMaxBufferedTime = millis(maxBuffered)
	})
}

// AggregationShardRefresh sets how often an aggregating Write refreshes its
// view of the stream's shards (whole minutes; default 2).
func AggregationShardRefresh(d time.Duration) WriteOption {
	if d < time.Minute {
		panic(fmt.Sprintf("kinesisio.AggregationShardRefresh: %v is under a minute, Java's unit", d))
	}
	return writeOption(func(c *writeConfig) {
		c.pl.AggregationShardRefresh = int64p(int64(d / time.Minute))
	})
}

package kinesisio

import (
	"fmt"
	"reflect"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/typex"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/util/reflectx"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*readPayload)(nil)).Elem())
}

// Position is where Read starts in each shard when no checkpoint exists.
type Position string

const (
	// Latest starts after the newest record of each shard.
	Latest Position = "LATEST"
	// TrimHorizon starts at the oldest record still retained.
	TrimHorizon Position = "TRIM_HORIZON"
)

// Watermark policy names of Java's KinesisTransformRegistrar. (Beam Python's
// constant for the second one is misspelled PROCESSING_TYPE, which Java
// rejects.)
const (
	arrivalTime    = "ARRIVAL_TIME"
	processingTime = "PROCESSING_TIME"
)

// maxRequestRecords is Kinesis' GetRecords limit.
const maxRequestRecords = 10000

// readPayload is the configuration row runners/expansion's
// KinesisReadRegistrar.Configuration (the same fields as Beam's
// KinesisTransformRegistrar.ReadDataBuilder.Configuration) is built from, field
// for field what Beam Python's ReadFromKinesisSchema sends. Durations are
// milliseconds, timestamps milliseconds since the epoch.
type readPayload struct {
	StreamName                     string  `beam:"stream_name"`
	AWSAccessKey                   string  `beam:"aws_access_key"`
	AWSSecretKey                   string  `beam:"aws_secret_key"`
	Region                         string  `beam:"region"`
	ServiceEndpoint                *string `beam:"service_endpoint"`
	VerifyCertificate              *bool   `beam:"verify_certificate"`
	MaxNumRecords                  *int64  `beam:"max_num_records"`
	MaxReadTime                    *int64  `beam:"max_read_time"`
	InitialPositionInStream        *string `beam:"initial_position_in_stream"`
	InitialTimestampInStream       *int64  `beam:"initial_timestamp_in_stream"`
	RequestRecordsLimit            *int64  `beam:"request_records_limit"`
	UpToDateThreshold              *int64  `beam:"up_to_date_threshold"`
	MaxCapacityPerShard            *int64  `beam:"max_capacity_per_shard"`
	WatermarkPolicy                *string `beam:"watermark_policy"`
	WatermarkIdleDurationThreshold *int64  `beam:"watermark_idle_duration_threshold"`
	RateLimit                      *int64  `beam:"rate_limit"`
}

type readConfig struct {
	client client
	pl     readPayload
}

// ReadOption configures Read. ClientOptions are ReadOptions too.
type ReadOption interface {
	applyRead(*readConfig)
}

type readOption func(*readConfig)

func (o readOption) applyRead(c *readConfig) { o(c) }

// Read reads the records of a Kinesis stream with Java's KinesisIO and returns
// their data as a PCollection of []byte (Java's external read drops the
// partition key, sequence number and arrival time). Unbounded unless
// MaxNumRecords or MaxReadTime is given.
//
// addr is the expansion service (host:port). Read panics on an invalid
// configuration or a failed expansion, as Beam's Go transforms do at
// construction time.
func Read(s beam.Scope, addr, stream string, conn Connection, opts ...ReadOption) beam.PCollection {
	s = s.Scope("kinesisio.Read")
	pl := readPayloadFor(stream, conn, opts)
	outT := beam.UnnamedOutput(typex.New(reflectx.ByteSlice))
	out := beam.CrossLanguage(s, ReadURN, beam.CrossLanguagePayload(pl), addr, nil, outT)
	return out[beam.UnnamedOutputTag()]
}

// readPayloadFor validates the configuration and builds the payload.
func readPayloadFor(stream string, conn Connection, opts []ReadOption) readPayload {
	mustConnection(stream, conn)
	c := readConfig{pl: readPayload{
		StreamName:   stream,
		AWSAccessKey: conn.AccessKeyID,
		AWSSecretKey: conn.SecretAccessKey,
		Region:       conn.Region,
	}}
	for _, o := range opts {
		o.applyRead(&c)
	}
	c.pl.ServiceEndpoint, c.pl.VerifyCertificate = c.client.endpoint, c.client.verify
	if c.pl.WatermarkIdleDurationThreshold != nil && (c.pl.WatermarkPolicy == nil || *c.pl.WatermarkPolicy != arrivalTime) {
		panic("kinesisio.Read: a watermark idle threshold needs the arrival-time watermark policy")
	}
	return c.pl
}

// mustConnection panics when a field Java requires is empty: Java would only
// fail later, inside the expansion service, with a less clear message.
func mustConnection(stream string, conn Connection) {
	switch {
	case stream == "":
		panic("kinesisio: stream name is empty")
	case conn.Region == "":
		panic("kinesisio: Connection.Region is empty")
	case conn.AccessKeyID == "" || conn.SecretAccessKey == "":
		panic("kinesisio: Connection needs AccessKeyID and SecretAccessKey (Java's external KinesisIO takes static credentials only)")
	}
}

func millis(d time.Duration) *int64 {
	ms := d.Milliseconds()
	return &ms
}

// MaxNumRecords stops Read after n records, making its output bounded.
func MaxNumRecords(n int64) ReadOption {
	return readOption(func(c *readConfig) { c.pl.MaxNumRecords = &n })
}

// MaxReadTime stops Read after d, making its output bounded (millisecond
// precision).
func MaxReadTime(d time.Duration) ReadOption {
	return readOption(func(c *readConfig) { c.pl.MaxReadTime = millis(d) })
}

// InitialPosition sets where Read starts in each shard (Java's default:
// Latest).
func InitialPosition(p Position) ReadOption {
	if p != Latest && p != TrimHorizon {
		panic(fmt.Sprintf("kinesisio.InitialPosition: unknown position %q", p))
	}
	return readOption(func(c *readConfig) {
		s := string(p)
		c.pl.InitialPositionInStream = &s
	})
}

// StartAt starts Read at the first record that arrived at or after t, which
// must be in the past (Kinesis' AT_TIMESTAMP).
func StartAt(t time.Time) ReadOption {
	return readOption(func(c *readConfig) {
		ms := t.UnixMilli()
		c.pl.InitialTimestampInStream = &ms
	})
}

// RequestRecordsLimit caps the records one GetRecords call returns
// (1..10000).
func RequestRecordsLimit(n int64) ReadOption {
	if n < 1 || n > maxRequestRecords {
		panic(fmt.Sprintf("kinesisio.RequestRecordsLimit: %d is outside 1..%d", n, maxRequestRecords))
	}
	return readOption(func(c *readConfig) { c.pl.RequestRecordsLimit = &n })
}

// UpToDateThreshold sets how far behind the stream tip a shard may be and
// still count as up to date (Java's default: 0).
func UpToDateThreshold(d time.Duration) ReadOption {
	return readOption(func(c *readConfig) { c.pl.UpToDateThreshold = millis(d) })
}

// MaxCapacityPerShard caps the records Java buffers per shard (Java's default:
// 10000).
func MaxCapacityPerShard(n int64) ReadOption {
	return readOption(func(c *readConfig) { c.pl.MaxCapacityPerShard = &n })
}

// ArrivalTimeWatermark makes the watermark follow the records' arrival times
// (Java's default). With idle > 0 the watermark also advances after the stream
// has been idle that long.
func ArrivalTimeWatermark(idle time.Duration) ReadOption {
	return readOption(func(c *readConfig) {
		p := arrivalTime
		c.pl.WatermarkPolicy = &p
		if idle > 0 {
			c.pl.WatermarkIdleDurationThreshold = millis(idle)
		}
	})
}

// ProcessingTimeWatermark makes the watermark follow processing time.
func ProcessingTimeWatermark() ReadOption {
	return readOption(func(c *readConfig) {
		p := processingTime
		c.pl.WatermarkPolicy = &p
		c.pl.WatermarkIdleDurationThreshold = nil
	})
}

// RateLimit makes each shard reader wait d between GetRecords calls.
func RateLimit(d time.Duration) ReadOption {
	return readOption(func(c *readConfig) { c.pl.RateLimit = millis(d) })
}

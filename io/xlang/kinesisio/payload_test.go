package kinesisio

import (
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/runtime/xlangx"
	pipepb "github.com/apache/beam/sdks/v2/go/pkg/beam/model/pipeline_v1"
	"google.golang.org/protobuf/proto"
)

// javaSetters lists the setters of runners/expansion's
// KinesisReadRegistrar.Configuration (read) and of Beam 2.64.0's
// KinesisTransformRegistrar.WriteBuilder.Configuration (write, javap) with the
// schema type each takes: java.lang.String = STRING, Long = INT64,
// Boolean = BOOLEAN. The expansion service calls "set" + lowerCamel(field) with
// exactly that type and fails the expansion on any field without one.
var javaSetters = map[string]map[string]pipepb.AtomicType{
	"read": {
		"setStreamName": pipepb.AtomicType_STRING, "setAwsAccessKey": pipepb.AtomicType_STRING,
		"setAwsSecretKey": pipepb.AtomicType_STRING, "setRegion": pipepb.AtomicType_STRING,
		"setServiceEndpoint": pipepb.AtomicType_STRING, "setVerifyCertificate": pipepb.AtomicType_BOOLEAN,
		"setMaxNumRecords": pipepb.AtomicType_INT64, "setMaxReadTime": pipepb.AtomicType_INT64,
		"setInitialPositionInStream": pipepb.AtomicType_STRING, "setInitialTimestampInStream": pipepb.AtomicType_INT64,
		"setRequestRecordsLimit": pipepb.AtomicType_INT64, "setUpToDateThreshold": pipepb.AtomicType_INT64,
		"setMaxCapacityPerShard": pipepb.AtomicType_INT64, "setWatermarkPolicy": pipepb.AtomicType_STRING,
		"setWatermarkIdleDurationThreshold": pipepb.AtomicType_INT64, "setRateLimit": pipepb.AtomicType_INT64,
	},
	"write": {
		"setStreamName": pipepb.AtomicType_STRING, "setAwsAccessKey": pipepb.AtomicType_STRING,
		"setAwsSecretKey": pipepb.AtomicType_STRING, "setRegion": pipepb.AtomicType_STRING,
		"setPartitionKey":    pipepb.AtomicType_STRING,
		"setServiceEndpoint": pipepb.AtomicType_STRING, "setVerifyCertificate": pipepb.AtomicType_BOOLEAN,
		"setAggregationEnabled": pipepb.AtomicType_BOOLEAN, "setAggregationMaxBytes": pipepb.AtomicType_INT64,
		"setAggregationMaxBufferedTime": pipepb.AtomicType_INT64, "setAggregationShardRefreshInterval": pipepb.AtomicType_INT64,
	},
}

// javaSetter is the setter name Java's ExpansionService derives from a payload
// field: Guava's LOWER_UNDERSCORE to LOWER_CAMEL, then "set" + first letter up.
func javaSetter(field string) string {
	words := strings.Split(field, "_")
	var b strings.Builder
	b.WriteString("set")
	for _, w := range words {
		if w == "" {
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + strings.ToLower(w[1:]))
	}
	return b.String()
}

// decoded holds a payload as Java sees it: per field, its schema type and its
// decoded value (nil for a null).
type decoded map[string]any

// decode reads an encoded payload back with Beam Go's schema decoding,
// independently of the Go struct that produced it.
func decode(t *testing.T, kind string, encoded []byte) decoded {
	t.Helper()
	ecp := &pipepb.ExternalConfigurationPayload{}
	if err := proto.Unmarshal(encoded, ecp); err != nil {
		t.Fatalf("unmarshal payload: %v", err)
	}
	v, err := xlangx.DecodeStructPayload(encoded)
	if err != nil {
		t.Fatalf("DecodeStructPayload: %v", err)
	}
	row := reflectFields(v)
	out := decoded{}
	for _, f := range ecp.GetSchema().GetFields() {
		setter := javaSetter(f.GetName())
		want, ok := javaSetters[kind][setter]
		if !ok {
			t.Errorf("field %q: Java's %s configuration has no %s", f.GetName(), kind, setter)
			continue
		}
		if got := f.GetType().GetAtomicType(); got != want {
			t.Errorf("field %q has schema type %v, Java's %s takes %v", f.GetName(), got, setter, want)
		}
		val, ok := row[f.GetName()]
		if !ok {
			t.Fatalf("field %q missing from the decoded row %v", f.GetName(), row)
		}
		out[f.GetName()] = val
	}
	return out
}

func str(s string) *string { return &s }
func boolean(b bool) *bool { return &b }

var conn = Connection{Region: "eu-west-1", AccessKeyID: "AKID", SecretAccessKey: "SECRET"}

func TestReadPayload(t *testing.T) {
	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		opts []ReadOption
		want decoded
	}{
		{
			name: "required fields only, optional ones null",
			want: decoded{
				"stream_name": "orders", "aws_access_key": "AKID", "aws_secret_key": "SECRET", "region": "eu-west-1",
				"service_endpoint": nil, "verify_certificate": nil, "max_num_records": nil, "max_read_time": nil,
				"initial_position_in_stream": nil, "initial_timestamp_in_stream": nil, "request_records_limit": nil,
				"up_to_date_threshold": nil, "max_capacity_per_shard": nil, "watermark_policy": nil,
				"watermark_idle_duration_threshold": nil, "rate_limit": nil,
			},
		},
		{
			name: "every option",
			opts: []ReadOption{
				Endpoint("http://127.0.0.1:4567"), VerifyCertificate(false), MaxNumRecords(500),
				MaxReadTime(90 * time.Second), InitialPosition(TrimHorizon), StartAt(start),
				RequestRecordsLimit(1000), UpToDateThreshold(2 * time.Second), MaxCapacityPerShard(2000),
				ArrivalTimeWatermark(30 * time.Second), RateLimit(250 * time.Millisecond),
			},
			want: decoded{
				"stream_name": "orders", "aws_access_key": "AKID", "aws_secret_key": "SECRET", "region": "eu-west-1",
				"service_endpoint": "http://127.0.0.1:4567", "verify_certificate": false,
				"max_num_records": int64(500), "max_read_time": int64(90000),
				"initial_position_in_stream": "TRIM_HORIZON", "initial_timestamp_in_stream": start.UnixMilli(),
				"request_records_limit": int64(1000), "up_to_date_threshold": int64(2000),
				"max_capacity_per_shard": int64(2000), "watermark_policy": "ARRIVAL_TIME",
				"watermark_idle_duration_threshold": int64(30000), "rate_limit": int64(250),
			},
		},
		{
			name: "processing-time watermark uses Java's enum name",
			opts: []ReadOption{ArrivalTimeWatermark(time.Minute), ProcessingTimeWatermark(), InitialPosition(Latest)},
			want: decoded{
				"stream_name": "orders", "aws_access_key": "AKID", "aws_secret_key": "SECRET", "region": "eu-west-1",
				"service_endpoint": nil, "verify_certificate": nil, "max_num_records": nil, "max_read_time": nil,
				"initial_position_in_stream": "LATEST", "initial_timestamp_in_stream": nil, "request_records_limit": nil,
				"up_to_date_threshold": nil, "max_capacity_per_shard": nil, "watermark_policy": "PROCESSING_TIME",
				"watermark_idle_duration_threshold": nil, "rate_limit": nil,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pl := readPayloadFor("orders", conn, tc.opts)
			got := decode(t, "read", encode(t, pl))
			diffDecoded(t, tc.want, got)
		})
	}
}

func TestWritePayload(t *testing.T) {
	base := func(agg bool, bytes, bufferedMs, refreshMin int64) decoded {
		return decoded{
			"stream_name": "orders", "aws_access_key": "AKID", "aws_secret_key": "SECRET", "region": "eu-west-1",
			"partition_key": "pk-1", "service_endpoint": nil, "verify_certificate": nil,
			"aggregation_enabled": agg, "aggregation_max_bytes": bytes,
			"aggregation_max_buffered_time": bufferedMs, "aggregation_shard_refresh_interval": refreshMin,
		}
	}
	withEndpoint := base(false, 51200, 100, 2)
	withEndpoint["service_endpoint"], withEndpoint["verify_certificate"] = "http://127.0.0.1:4567", false
	tests := []struct {
		name string
		opts []WriteOption
		want decoded
	}{
		// Java's aggregation setters dereference their Long, so the defaults
		// Beam Python sends are always present.
		{name: "defaults", want: base(false, 51200, 100, 2)},
		{name: "endpoint", opts: []WriteOption{Endpoint("http://127.0.0.1:4567"), VerifyCertificate(false)}, want: withEndpoint},
		{
			name: "aggregation",
			opts: []WriteOption{Aggregation(25000, 250*time.Millisecond), AggregationShardRefresh(5 * time.Minute)},
			want: base(true, 25000, 250, 5),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pl := writePayloadFor("orders", "pk-1", conn, tc.opts)
			got := decode(t, "write", encode(t, pl))
			diffDecoded(t, tc.want, got)
		})
	}
}

func TestInvalidConfigurationPanics(t *testing.T) {
	tests := []struct {
		name string
		fn   func()
	}{
		{"empty stream", func() { readPayloadFor("", conn, nil) }},
		{"no region", func() { readPayloadFor("s", Connection{AccessKeyID: "a", SecretAccessKey: "b"}, nil) }},
		{"no credentials", func() { readPayloadFor("s", Connection{Region: "r"}, nil) }},
		{"idle threshold without arrival time", func() {
			readPayloadFor("s", conn, []ReadOption{ArrivalTimeWatermark(time.Second), ProcessingTimeWatermark(), readOption(func(c *readConfig) { c.pl.WatermarkIdleDurationThreshold = millis(time.Second) })})
		}},
		{"records limit above Kinesis' 10000", func() { RequestRecordsLimit(10001) }},
		{"unknown position", func() { InitialPosition("AT_SEQUENCE_NUMBER") }},
		{"empty partition key", func() { writePayloadFor("s", "", conn, nil) }},
		{"shard refresh under a minute", func() { AggregationShardRefresh(30 * time.Second) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tc.fn()
		})
	}
}

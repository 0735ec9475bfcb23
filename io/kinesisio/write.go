package kinesisio

import (
	"context"
	"encoding/hex"
	"fmt"
	"hash/fnv"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/typex"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/util/reflectx"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/deliverypipe/deliverypipe/io/awsconf"
)

func init() {
	register.DoFn1x2[[]byte, string, []byte](&putKeyFn{})
	register.DoFn3x1[context.Context, string, []byte, error](&putWriteFn{})
	register.Function1x1(HashPartitionKey)
}

// WithPartitionKey sets the function Write derives the partition key of a
// PCollection<[]byte> element with (default HashPartitionKey). Register it
// with register.Function1x1 so workers can find it. A Writer takes the key
// with each record and ignores it.
func WithPartitionKey(fn func([]byte) string) WriteOption {
	return func(c *writeConfig) { c.keyFn = fn }
}

// HashPartitionKey is the default partition key of a []byte element: the hex
// FNV-1a hash of the data, which spreads records over shards.
func HashPartitionKey(data []byte) string {
	h := fnv.New64a()
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// Write sends every element of col to the Kinesis stream (name or ARN) with
// batched PutRecords calls, retrying refused entries (see Writer). col is a
// PCollection<KV<string, []byte>>, whose key is the partition key, or a
// PCollection<[]byte>, keyed by WithPartitionKey (WithBackoff applies to a
// Writer only: Write's workers use the default backoff). Each bundle is
// flushed before it commits, so a committed bundle is in the stream; a
// retried bundle may write its records again (at-least-once).
//
// The AWS client comes from config.LoadDefaultConfig on the worker: region,
// credentials and endpoint (AWS_ENDPOINT_URL_KINESIS) from the standard
// environment and profile settings.
func Write(s beam.Scope, stream string, col beam.PCollection, opts ...WriteOption) {
	s = s.Scope("kinesisio.Write")
	cfg := newWriteConfig(opts)
	t := col.Type()
	switch {
	case typex.IsKV(t) && t.Components()[0].Type() == reflectx.String && t.Components()[1].Type() == reflectx.ByteSlice:
	case !typex.IsKV(t) && t.Type() == reflectx.ByteSlice:
		col = beam.ParDo(s, &putKeyFn{KeyFn: beam.EncodedFunc{Fn: reflectx.MakeFunc(cfg.keyFn)}}, col)
	default:
		panic(fmt.Sprintf("kinesisio.Write: want PCollection<[]byte> or PCollection<KV<string,[]byte>>, got %v", t))
	}
	beam.ParDo0(s, &putWriteFn{Stream: stream, MaxAttempts: cfg.maxAttempts}, col)
}

// putKeyFn pairs each record with its partition key.
type putKeyFn struct {
	KeyFn beam.EncodedFunc `json:"keyFn"`

	key reflectx.Func1x1
}

func (fn *putKeyFn) Setup() { fn.key = reflectx.ToFunc1x1(fn.KeyFn.Fn) }

func (fn *putKeyFn) ProcessElement(data []byte) (string, []byte) {
	return fn.key.Call1x1(data).(string), data
}

var (
	putRecordsCounter = beam.NewCounter("kinesisio.Write", "records")
	putBytesCounter   = beam.NewCounter("kinesisio.Write", "bytes")
	putCallsCounter   = beam.NewCounter("kinesisio.Write", "put_calls")
	putRetriedCounter = beam.NewCounter("kinesisio.Write", "retried_entries")
)

// putWriteFn buffers a bundle's records in a Writer and flushes it when the
// bundle finishes.
type putWriteFn struct {
	Stream      string `json:"stream"`
	MaxAttempts int    `json:"maxAttempts"`

	client *kinesis.Client
	w      *Writer
}

func (fn *putWriteFn) Setup(ctx context.Context) error {
	cfg, err := awsconf.Load(ctx)
	if err != nil {
		return fmt.Errorf("kinesisio.Write: load AWS config: %w", err)
	}
	fn.client = kinesis.NewFromConfig(cfg)
	return nil
}

// StartBundle starts from an empty buffer, so records of a failed bundle are
// not sent with the next one.
func (fn *putWriteFn) StartBundle(context.Context) {
	fn.w = NewWriter(fn.client, fn.Stream, WithMaxAttempts(fn.MaxAttempts))
}

func (fn *putWriteFn) ProcessElement(ctx context.Context, key string, data []byte) error {
	return fn.w.Put(ctx, key, data)
}

func (fn *putWriteFn) FinishBundle(ctx context.Context) error {
	err := fn.w.Flush(ctx)
	st := fn.w.Stats()
	putRecordsCounter.Inc(ctx, st.Records)
	putBytesCounter.Inc(ctx, st.Bytes)
	putCallsCounter.Inc(ctx, st.Calls)
	putRetriedCounter.Inc(ctx, st.RetriedEntries)
	return err
}

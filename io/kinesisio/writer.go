package kinesisio

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
)

// PutRecords limits of Kinesis Data Streams.
const (
	putMaxRecords      = 500     // records per call
	putMaxRequestBytes = 5 << 20 // data plus partition keys per call
	putMaxRecordBytes  = 1 << 20 // data plus partition key per record
	putMaxKeyRunes     = 256     // partition key length in Unicode characters
)

// ErrPutRecordTooLarge is returned by Put for a record whose data plus
// partition key exceed 1 MiB, the Kinesis limit.
var ErrPutRecordTooLarge = errors.New("kinesisio: record larger than 1 MiB (data plus partition key)")

// PutAPI is the subset of *kinesis.Client that Writer uses.
type PutAPI interface {
	PutRecords(ctx context.Context, in *kinesis.PutRecordsInput, optFns ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error)
}

// WriteOption configures Write and NewWriter: one family for both, as Read
// and ReadBounded share ReadOption.
type WriteOption func(*writeConfig)

type writeConfig struct {
	keyFn       func([]byte) string
	maxAttempts int
	backoff     retry.BackoffDelayer
}

func newWriteConfig(opts []WriteOption) writeConfig {
	cfg := writeConfig{keyFn: HashPartitionKey, maxAttempts: 10, backoff: putJitter{base: 100 * time.Millisecond, cap: 5 * time.Second}}
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// WithMaxAttempts bounds the PutRecords attempts per batch (default 10).
// Entries still failing after the last attempt make a Writer's Flush fail
// with a *PutError, and Write's bundle fail, so the runner retries it.
func WithMaxAttempts(n int) WriteOption {
	return func(c *writeConfig) { c.maxAttempts = max(1, n) }
}

// WithBackoff replaces a Writer's delay between attempts (any of the AWS
// SDK's retry.BackoffDelayer implementations fits). The default is
// exponential backoff with full jitter: uniform in
// [0, min(5 s, 100 ms × 2^(attempt-1))).
func WithBackoff(b retry.BackoffDelayer) WriteOption {
	return func(c *writeConfig) { c.backoff = b }
}

// WriterStats counts what a Writer has done.
type WriterStats struct {
	Records        int64 // records accepted by Kinesis
	Bytes          int64 // data plus partition key bytes of accepted records
	Calls          int64 // PutRecords calls, including failed ones
	RetriedEntries int64 // entries sent again after a per-entry or call failure
	Throttles      int64 // calls refused as a whole with a throttling error
}

// PutFailure is one record that Kinesis did not accept.
type PutFailure struct {
	PartitionKey string
	ErrorCode    string
	ErrorMessage string
}

// PutError reports the records of a batch that were still refused after the
// last attempt. Err is the call error of the last attempt, if the whole call
// failed.
type PutError struct {
	Stream   string
	Attempts int
	Failed   []PutFailure
	Err      error
}

// Error summarises the failures by error code.
func (e *PutError) Error() string {
	codes := map[string]int{}
	for _, f := range e.Failed {
		codes[f.ErrorCode]++
	}
	parts := make([]string, 0, len(codes))
	for c, n := range codes {
		parts = append(parts, fmt.Sprintf("%s x%d", c, n))
	}
	sort.Strings(parts)
	return fmt.Sprintf("kinesisio: PutRecords to %s: %d records still refused after %d attempts: %s",
		e.Stream, len(e.Failed), e.Attempts, strings.Join(parts, ", "))
}

// Unwrap returns the last call error, if any.
func (e *PutError) Unwrap() error { return e.Err }

// Writer batches records into PutRecords calls (at most 500 records and 5 MiB
// per call) and retries the entries Kinesis refuses, with backoff. It is not
// safe for concurrent use.
//
// Records of one partition key keep their order unless an entry is retried:
// then it lands after the entries of its batch that succeeded, as with the KPL.
type Writer struct {
	client   PutAPI
	stream   string
	cfg      writeConfig
	buf      []types.PutRecordsRequestEntry
	bufBytes int
	stats    WriterStats
}

// NewWriter returns a Writer for stream, a stream name or ARN.
func NewWriter(client PutAPI, stream string, opts ...WriteOption) *Writer {
	return &Writer{client: client, stream: stream, cfg: newWriteConfig(opts)}
}

// Stats returns the counters so far.
func (w *Writer) Stats() WriterStats { return w.stats }

// Put buffers one record (data is copied) and sends the buffer first if the
// record would not fit in the current batch.
func (w *Writer) Put(ctx context.Context, partitionKey string, data []byte) error {
	if n := utf8.RuneCountInString(partitionKey); n == 0 || n > putMaxKeyRunes {
		return fmt.Errorf("kinesisio: partition key must have 1 to %d characters, got %d", putMaxKeyRunes, n)
	}
	size := len(partitionKey) + len(data)
	if size > putMaxRecordBytes {
		return fmt.Errorf("%w: %d bytes for partition key %q", ErrPutRecordTooLarge, size, partitionKey)
	}
	if len(w.buf) == putMaxRecords || w.bufBytes+size > putMaxRequestBytes {
		if err := w.Flush(ctx); err != nil {
			return err
		}
	}
	w.buf = append(w.buf, types.PutRecordsRequestEntry{Data: slices.Clone(data), PartitionKey: aws.String(partitionKey)})
	w.bufBytes += size
	return nil
}

// Flush sends the buffered records. On error the batch is dropped from the
// buffer (its refused records are listed in the *PutError) and the Writer
// stays usable.
func (w *Writer) Flush(ctx context.Context) error {
	if len(w.buf) == 0 {
		return nil
	}
	batch := w.buf
	w.buf, w.bufBytes = nil, 0
	return w.send(ctx, batch)
}

// send puts batch, resending only the refused entries until all are accepted
// or the attempts run out.
func (w *Writer) send(ctx context.Context, batch []types.PutRecordsRequestEntry) error {
	in := &kinesis.PutRecordsInput{}
	if strings.HasPrefix(w.stream, "arn:") {
		in.StreamARN = aws.String(w.stream)
	} else {
		in.StreamName = aws.String(w.stream)
	}
	for attempt := 1; ; attempt++ {
		in.Records = batch
		out, err := w.client.PutRecords(ctx, in)
		w.stats.Calls++
		var refused []types.PutRecordsRequestEntry
		var failures []PutFailure
		switch {
		case err != nil && putThrottled(err):
			w.stats.Throttles++
			refused = batch
			code := putErrorCode(err)
			for _, e := range batch {
				failures = append(failures, PutFailure{PartitionKey: aws.ToString(e.PartitionKey), ErrorCode: code, ErrorMessage: err.Error()})
			}
		case err != nil:
			return fmt.Errorf("kinesisio: PutRecords to %s (%d records, attempt %d): %w", w.stream, len(batch), attempt, err)
		case len(out.Records) != len(batch):
			return fmt.Errorf("kinesisio: PutRecords to %s returned %d results for %d records", w.stream, len(out.Records), len(batch))
		default:
			for i, r := range out.Records {
				e := batch[i]
				if r.ErrorCode == nil {
					w.stats.Records++
					w.stats.Bytes += int64(len(e.Data) + len(aws.ToString(e.PartitionKey)))
					continue
				}
				refused = append(refused, e)
				failures = append(failures, PutFailure{PartitionKey: aws.ToString(e.PartitionKey), ErrorCode: *r.ErrorCode, ErrorMessage: aws.ToString(r.ErrorMessage)})
			}
		}
		if len(refused) == 0 {
			return nil
		}
		if attempt >= w.cfg.maxAttempts {
			return &PutError{Stream: w.stream, Attempts: attempt, Failed: failures, Err: err}
		}
		w.stats.RetriedEntries += int64(len(refused))
		if err := putSleep(ctx, w.cfg.backoff, attempt, err); err != nil {
			return fmt.Errorf("kinesisio: PutRecords to %s: waiting to retry %d records: %w", w.stream, len(refused), err)
		}
		batch = refused
	}
}

// putThrottled reports whether a whole PutRecords call was refused for a
// reason that a later attempt can overcome.
func putThrottled(err error) bool {
	var pt *types.ProvisionedThroughputExceededException
	var le *types.LimitExceededException
	var kt *types.KMSThrottlingException
	var inf *types.InternalFailureException
	return errors.As(err, &pt) || errors.As(err, &le) || errors.As(err, &kt) || errors.As(err, &inf)
}

func putErrorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return "Unknown"
}

// putJitter is exponential backoff with full jitter. The SDK's
// retry.ExponentialJitterBackoff does not fit: its exported form starts at 1 s
// (throttled shards recover within a second, so that wastes most of the
// wait) and stops jittering once capped, which lets writers that were
// throttled together retry together.
type putJitter struct{ base, cap time.Duration }

func (j putJitter) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	ceil := j.cap
	if attempt <= 30 { // beyond that the shift overflows; the cap applies anyway
		ceil = min(j.cap, j.base<<max(0, attempt-1))
	}
	return rand.N(ceil), nil
}

func putSleep(ctx context.Context, b retry.BackoffDelayer, attempt int, cause error) error {
	d, err := b.BackoffDelay(attempt, cause)
	if err != nil {
		return err
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

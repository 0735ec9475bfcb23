package kinesisio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// putFake is a PutAPI whose answer to each call comes from a script; it keeps
// every call's entries and every accepted record.
type putFake struct {
	script   func(call int, in []types.PutRecordsRequestEntry) (*kinesis.PutRecordsOutput, error)
	calls    [][]types.PutRecordsRequestEntry
	accepted []types.PutRecordsRequestEntry
}

func (f *putFake) PutRecords(_ context.Context, in *kinesis.PutRecordsInput, _ ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error) {
	f.calls = append(f.calls, in.Records)
	out, err := f.script(len(f.calls)-1, in.Records)
	if err != nil {
		return nil, err
	}
	for i, r := range out.Records {
		if r.ErrorCode == nil {
			f.accepted = append(f.accepted, in.Records[i])
		}
	}
	return out, nil
}

// putAnswer accepts every entry except those at the refused indexes.
func putAnswer(n int, refused map[int]string) *kinesis.PutRecordsOutput {
	out := &kinesis.PutRecordsOutput{Records: make([]types.PutRecordsResultEntry, n)}
	for i := range out.Records {
		if code, ok := refused[i]; ok {
			out.Records[i] = types.PutRecordsResultEntry{ErrorCode: aws.String(code), ErrorMessage: aws.String("refused by fake")}
		} else {
			out.Records[i] = types.PutRecordsResultEntry{SequenceNumber: aws.String(fmt.Sprint(i)), ShardId: aws.String("shardId-000000000000")}
		}
	}
	return out
}

func putAcceptAll(_ int, in []types.PutRecordsRequestEntry) (*kinesis.PutRecordsOutput, error) {
	return putAnswer(len(in), nil), nil
}

// putNoWait records backoff attempts without sleeping.
type putNoWait struct{ attempts []int }

func (b *putNoWait) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	b.attempts = append(b.attempts, attempt)
	return 0, nil
}

type putRecord struct {
	key  string
	data []byte
}

func putRecords(n, size int) []putRecord {
	rs := make([]putRecord, n)
	for i := range rs {
		data := bytes.Repeat([]byte{byte('a' + i%26)}, size)
		rs[i] = putRecord{key: fmt.Sprintf("k-%04d", i), data: data}
	}
	return rs
}

func TestWriter(t *testing.T) {
	throttle := &types.ProvisionedThroughputExceededException{Message: aws.String("slow down")}
	limit := &types.LimitExceededException{Message: aws.String("limit")}
	for _, tc := range []struct {
		name        string
		records     []putRecord
		maxAttempts int
		script      func(int, []types.PutRecordsRequestEntry) (*kinesis.PutRecordsOutput, error)
		wantCalls   []int // entries per call
		wantStats   WriterStats
		wantWaits   []int // attempt numbers passed to the backoff
		wantErr     func(error) bool
	}{
		{
			name:      "batches of at most 500 records",
			records:   putRecords(1201, 10),
			script:    putAcceptAll,
			wantCalls: []int{500, 500, 201},
			wantStats: WriterStats{Records: 1201, Bytes: 1201 * 16, Calls: 3},
		},
		{
			name:      "batches of at most 5 MiB",
			records:   putRecords(11, 1_000_000),
			script:    putAcceptAll,
			wantCalls: []int{5, 5, 1},
			wantStats: WriterStats{Records: 11, Bytes: 11 * 1_000_006, Calls: 3},
		},
		{
			name:      "a record of exactly 1 MiB with its key",
			records:   putRecords(2, 1<<20-6),
			script:    putAcceptAll,
			wantCalls: []int{2},
			wantStats: WriterStats{Records: 2, Bytes: 2 << 20, Calls: 1},
		},
		{
			name:    "only refused entries are retried",
			records: putRecords(5, 3),
			script: func(call int, in []types.PutRecordsRequestEntry) (*kinesis.PutRecordsOutput, error) {
				if call == 0 {
					return putAnswer(len(in), map[int]string{1: "ProvisionedThroughputExceededException", 3: "InternalFailure"}), nil
				}
				return putAnswer(len(in), nil), nil
			},
			wantCalls: []int{5, 2},
			wantStats: WriterStats{Records: 5, Bytes: 45, Calls: 2, RetriedEntries: 2},
			wantWaits: []int{1},
		},
		{
			name:    "throttled calls are retried whole",
			records: putRecords(4, 4),
			script: func(call int, in []types.PutRecordsRequestEntry) (*kinesis.PutRecordsOutput, error) {
				switch call {
				case 0:
					return nil, throttle
				case 1:
					return nil, fmt.Errorf("operation error: %w", limit)
				}
				return putAnswer(len(in), nil), nil
			},
			wantCalls: []int{4, 4, 4},
			wantStats: WriterStats{Records: 4, Bytes: 40, Calls: 3, RetriedEntries: 8, Throttles: 2},
			wantWaits: []int{1, 2},
		},
		{
			name:        "entries still refused after the last attempt",
			records:     putRecords(3, 1),
			maxAttempts: 3,
			script: func(_ int, in []types.PutRecordsRequestEntry) (*kinesis.PutRecordsOutput, error) {
				return putAnswer(len(in), map[int]string{0: "InternalFailure"}), nil
			},
			wantCalls: []int{3, 1, 1},
			wantStats: WriterStats{Records: 2, Bytes: 14, Calls: 3, RetriedEntries: 2},
			wantWaits: []int{1, 2},
			wantErr: func(err error) bool {
				var pe *PutError
				return errors.As(err, &pe) && pe.Attempts == 3 && len(pe.Failed) == 1 &&
					pe.Failed[0] == PutFailure{PartitionKey: "k-0000", ErrorCode: "InternalFailure", ErrorMessage: "refused by fake"} &&
					strings.Contains(err.Error(), "InternalFailure x1")
			},
		},
		{
			name:        "throttled on every attempt",
			records:     putRecords(2, 1),
			maxAttempts: 2,
			script: func(int, []types.PutRecordsRequestEntry) (*kinesis.PutRecordsOutput, error) {
				return nil, throttle
			},
			wantCalls: []int{2, 2},
			wantStats: WriterStats{Calls: 2, RetriedEntries: 2, Throttles: 2},
			wantWaits: []int{1},
			wantErr: func(err error) bool {
				var pe *PutError
				var pt *types.ProvisionedThroughputExceededException
				return errors.As(err, &pe) && len(pe.Failed) == 2 && errors.As(err, &pt) &&
					strings.Contains(err.Error(), "ProvisionedThroughputExceededException x2")
			},
		},
		{
			name:    "other call errors are not retried",
			records: putRecords(2, 1),
			script: func(int, []types.PutRecordsRequestEntry) (*kinesis.PutRecordsOutput, error) {
				return nil, &types.ResourceNotFoundException{Message: aws.String("no stream")}
			},
			wantCalls: []int{2},
			wantStats: WriterStats{Calls: 1},
			wantErr: func(err error) bool {
				var nf *types.ResourceNotFoundException
				return errors.As(err, &nf) && strings.Contains(err.Error(), "s1")
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			fake := &putFake{script: tc.script}
			backoff := &putNoWait{}
			opts := []WriteOption{WithBackoff(backoff)}
			if tc.maxAttempts > 0 {
				opts = append(opts, WithMaxAttempts(tc.maxAttempts))
			}
			w := NewWriter(fake, "s1", opts...)
			var err error
			for _, r := range tc.records {
				if err = w.Put(ctx, r.key, r.data); err != nil {
					break
				}
			}
			if err == nil {
				err = w.Flush(ctx)
			}
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !tc.wantErr(err) {
				t.Fatalf("error: %v", err)
			}
			var sizes []int
			for i, c := range fake.calls {
				sizes = append(sizes, len(c))
				size := 0
				for _, e := range c {
					size += len(e.Data) + len(aws.ToString(e.PartitionKey))
				}
				if len(c) > 500 || size > 5<<20 {
					t.Errorf("call %d: %d records, %d bytes: over the PutRecords limits", i, len(c), size)
				}
			}
			if fmt.Sprint(sizes) != fmt.Sprint(tc.wantCalls) {
				t.Errorf("records per call %v, want %v", sizes, tc.wantCalls)
			}
			if got := w.Stats(); got != tc.wantStats {
				t.Errorf("stats %+v, want %+v", got, tc.wantStats)
			}
			if fmt.Sprint(backoff.attempts) != fmt.Sprint(tc.wantWaits) {
				t.Errorf("backoff waits after attempts %v, want %v", backoff.attempts, tc.wantWaits)
			}
			if tc.wantErr == nil {
				// Everything put was accepted exactly once, with its key.
				got := map[string][]byte{}
				for _, e := range fake.accepted {
					k := aws.ToString(e.PartitionKey)
					if _, dup := got[k]; dup {
						t.Fatalf("record %s accepted twice", k)
					}
					got[k] = e.Data
				}
				for _, r := range tc.records {
					if !bytes.Equal(got[r.key], r.data) {
						t.Fatalf("record %s not delivered intact", r.key)
					}
				}
				if len(got) != len(tc.records) {
					t.Fatalf("%d records accepted, want %d", len(got), len(tc.records))
				}
			}
		})
	}
}

func TestWriterPutRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  string
		size int
		is   error
		msg  string
	}{
		{name: "empty key", key: "", size: 1, msg: "partition key must have 1 to 256 characters, got 0"},
		{name: "key too long", key: strings.Repeat("é", 257), size: 1, msg: "got 257"},
		{name: "record over 1 MiB", key: "k", size: 1 << 20, is: ErrPutRecordTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := &putFake{script: putAcceptAll}
			w := NewWriter(fake, "s1")
			err := w.Put(context.Background(), tc.key, make([]byte, tc.size))
			if err == nil || tc.is != nil && !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %v", err)
			}
			if err := w.Flush(context.Background()); err != nil || len(fake.calls) != 0 {
				t.Fatalf("a refused record was buffered: %v, %d calls", err, len(fake.calls))
			}
		})
	}
}

// TestWriterDefaultBackoff checks the default delays are exponential with
// full jitter: within [0, min(5 s, 100 ms × 2^(attempt-1))) and still spread
// once capped.
func TestWriterDefaultBackoff(t *testing.T) {
	w := NewWriter(&putFake{script: putAcceptAll}, "s1")
	for attempt := 1; attempt <= 40; attempt++ {
		ceil := 5 * time.Second
		if attempt < 7 {
			ceil = 100 * time.Millisecond << (attempt - 1)
		}
		seen := map[time.Duration]bool{}
		var top time.Duration
		for range 200 {
			d, err := w.cfg.backoff.BackoffDelay(attempt, nil)
			if err != nil || d < 0 || d >= ceil {
				t.Fatalf("attempt %d: delay %v, %v; want in [0, %v)", attempt, d, err, ceil)
			}
			seen[d] = true
			top = max(top, d)
		}
		if len(seen) < 100 || top < ceil/2 {
			t.Fatalf("attempt %d: %d distinct delays up to %v: not jittered over [0, %v)", attempt, len(seen), top, ceil)
		}
	}
}

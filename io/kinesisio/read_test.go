package kinesisio_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/deliverypipe/deliverypipe/io/kinesisio"
	"github.com/deliverypipe/deliverypipe/runners/presets/presetstest"
	"github.com/deliverypipe/deliverypipe/testing/localstack"
)

func TestMain(m *testing.M) {
	os.Exit(localstack.Finish(presetstest.MainRet(m, "prism")))
}

var streamSeq atomic.Int64

// newStream creates a stream on the shared local stack and returns a client.
func newStream(t testing.TB, shards int32) (string, *kinesis.Client) {
	t.Helper()
	st := localstack.Shared(t)
	st.SetEnv(t)
	ctx := context.Background()
	name := fmt.Sprintf("kio-%d-%d", time.Now().UnixNano()%1e6, streamSeq.Add(1))
	if err := st.CreateStream(ctx, name, shards); err != nil {
		t.Fatal(err)
	}
	cfg, err := st.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := kinesis.NewFromConfig(cfg)
	// Free the shards: the shared stack's account allows 50 in all.
	t.Cleanup(func() {
		_, err := c.DeleteStream(context.Background(), &kinesis.DeleteStreamInput{StreamName: aws.String(name)})
		if err != nil {
			t.Errorf("delete stream %s: %v", name, err)
		}
		w := kinesis.NewStreamNotExistsWaiter(c, func(o *kinesis.StreamNotExistsWaiterOptions) {
			o.MinDelay, o.MaxDelay = 20*time.Millisecond, 200*time.Millisecond
		})
		_ = w.Wait(context.Background(), &kinesis.DescribeStreamInput{StreamName: aws.String(name)}, 30*time.Second)
	})
	return name, c
}

// put writes payloads with PutRecords, partition key = payload, and fails
// the test on any failed entry.
func put(t *testing.T, c *kinesis.Client, stream string, payloads []string) {
	t.Helper()
	for len(payloads) > 0 {
		n := min(len(payloads), 500)
		var entries []types.PutRecordsRequestEntry
		for _, p := range payloads[:n] {
			entries = append(entries, types.PutRecordsRequestEntry{Data: []byte(p), PartitionKey: aws.String(p)})
		}
		out, err := c.PutRecords(context.Background(), &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToInt32(out.FailedRecordCount) > 0 {
			t.Fatalf("%d records failed", aws.ToInt32(out.FailedRecordCount))
		}
		payloads = payloads[n:]
	}
}

func payloads(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%05d", prefix, i)
	}
	return out
}

func dataOf(r kinesisio.Record) string { return string(r.Data) }

func init() { beam.RegisterFunction(dataOf) }

// readAll runs a bounded read to the tip on prism and asserts the payloads
// read are exactly want (each once).
func readAll(t *testing.T, stream string, want []string, opts ...kinesisio.ReadOption) {
	t.Helper()
	p, s := beam.NewPipelineWithRoot()
	recs := kinesisio.ReadBounded(s, stream, append([]kinesisio.ReadOption{kinesisio.StopAtTip()}, opts...)...)
	got := beam.ParDo(s, dataOf, recs)
	passert.Equals(s, got, toAny(want)...)
	if err := ptest.Run(p); err != nil {
		t.Fatal(err)
	}
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func TestReadBoundedMultiShard(t *testing.T) {
	tests := []struct {
		name   string
		shards int32
		groups int
		n      int
	}{
		{"one shard", 1, 1, 300},
		{"twelve shards one group", 12, 1, 2000},
		{"twelve shards three groups", 12, 3, 2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stream, c := newStream(t, tt.shards)
			want := payloads("r", tt.n)
			put(t, c, stream, want)
			readAll(t, stream, want, kinesisio.WithGroups(tt.groups))
		})
	}
}

func TestReadBoundedRecordLimit(t *testing.T) {
	stream, c := newStream(t, 1)
	all := payloads("lim", 50)
	put(t, c, stream, all)
	p, s := beam.NewPipelineWithRoot()
	got := beam.ParDo(s, dataOf, kinesisio.ReadBounded(s, stream, kinesisio.StopAfterRecords(20)))
	// One shard keeps order, so the first 20 are exactly the first 20 written.
	passert.Equals(s, got, toAny(all[:20])...)
	if err := ptest.Run(p); err != nil {
		t.Fatal(err)
	}
}

func TestReadBoundedAcrossSplitAndMerge(t *testing.T) {
	ctx := context.Background()
	stream, c := newStream(t, 2)
	before := payloads("before", 400)
	put(t, c, stream, before)

	shards, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	if err != nil {
		t.Fatal(err)
	}
	first := shards.Shards[0]
	// Split the first shard in the middle of its hash range.
	mid := midHashKey(t, aws.ToString(first.HashKeyRange.StartingHashKey), aws.ToString(first.HashKeyRange.EndingHashKey))
	if _, err := c.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: aws.String(stream), ShardToSplit: first.ShardId, NewStartingHashKey: aws.String(mid)}); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, stream)
	between := payloads("between", 400)
	put(t, c, stream, between)

	// Merge the upper child of the split with the second original shard.
	open := openShards(t, c, stream)
	if len(open) != 3 {
		t.Fatalf("after split: %d open shards, want 3", len(open))
	}
	if _, err := c.MergeShards(ctx, &kinesis.MergeShardsInput{StreamName: aws.String(stream), ShardToMerge: open[1].ShardId, AdjacentShardToMerge: open[2].ShardId}); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, stream)
	after := payloads("after", 400)
	put(t, c, stream, after)

	var want []string
	want = append(append(append(want, before...), between...), after...)
	readAll(t, stream, want)
}

func openShards(t *testing.T, c *kinesis.Client, stream string) []types.Shard {
	t.Helper()
	out, err := c.ListShards(context.Background(), &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	if err != nil {
		t.Fatal(err)
	}
	var open []types.Shard
	for _, s := range out.Shards {
		if s.SequenceNumberRange.EndingSequenceNumber == nil {
			open = append(open, s)
		}
	}
	// Sort by hash range start so neighbours are adjacent.
	for i := range open {
		for j := i + 1; j < len(open); j++ {
			if cmpBig(aws.ToString(open[j].HashKeyRange.StartingHashKey), aws.ToString(open[i].HashKeyRange.StartingHashKey)) < 0 {
				open[i], open[j] = open[j], open[i]
			}
		}
	}
	return open
}

func cmpBig(a, b string) int { return kinesisio.CompareSequence(a, b) }

func waitActive(t *testing.T, c *kinesis.Client, stream string) {
	t.Helper()
	w := kinesis.NewStreamExistsWaiter(c, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 200*time.Millisecond
	})
	if err := w.Wait(context.Background(), &kinesis.DescribeStreamInput{StreamName: aws.String(stream)}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
}

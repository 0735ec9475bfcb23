//go:build faults

package e2e

import (
	"context"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/deliverypipe/deliverypipe/internal/simulator"
	"github.com/deliverypipe/deliverypipe/io/kinesisio"
	"github.com/deliverypipe/deliverypipe/testing/localstack"
)

// TestReshardMidRun runs the unbounded pipeline (checkpoint table on) while
// the stream is resharded under it: a third of the events, then a split of
// the first shard, a third, a merge of two adjacent open shards, the last
// third. The run is then killed and a bounded run
// finishes from the checkpoint table. The outputs must equal the reference
// and every event must be archived exactly once.
func TestReshardMidRun(t *testing.T) {
	ctx := context.Background()
	st := localstack.Shared(t)
	st.SetEnv(t)
	r, table, sinkFlags := newCheckpointedResources(t, ctx, st, "rsh")
	cfg := simulator.DefaultConfig()
	cfg.Seed, cfg.Orders, cfg.OrdersPerMinute = 37, 3000, 48
	cfg.Start = time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	cfg.OutOfOrderBy, cfg.LateBy = time.Minute, 2*time.Minute
	evs, payloads, sent := encodeEvents(t, cfg)
	kc := kinesis.NewFromConfig(r.aws)
	w := kinesisio.NewWriter(kc, r.stream)
	putPart := func(part int) {
		n := len(evs)
		for i := part * n / 3; i < (part+1)*n/3; i++ {
			if err := w.Put(ctx, evs[i].OrderID, payloads[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	putPart(0)

	opts, graphFlags := killOpts()
	bin := pipelineBinary(t)
	args := append(sinkFlags, graphFlags...)
	logs := filepath.Join("..", "..", "out", "reshard")
	pr := startRun(t, bin, st.Env(), args, mkLog(t, logs, "unbounded.log"))
	// Reshard only once the run is writing: the first KPI item is in DynamoDB.
	for {
		out, err := r.ddb.Scan(ctx, &dynamodb.ScanInput{TableName: &r.table, Limit: aws.Int32(1)})
		if err == nil && len(out.Items) > 0 {
			break
		}
		select {
		case err := <-pr.done:
			pr.done <- err
			pr.kill()
			t.Fatalf("the run ended (%v) before any KPI item was written", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
	open := openShardsOf(t, ctx, kc, r.stream)
	first := open[0]
	lo, _ := new(big.Int).SetString(aws.ToString(first.HashKeyRange.StartingHashKey), 10)
	hi, _ := new(big.Int).SetString(aws.ToString(first.HashKeyRange.EndingHashKey), 10)
	mid := new(big.Int).Rsh(new(big.Int).Add(lo, hi), 1).String()
	if _, err := kc.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: aws.String(r.stream), ShardToSplit: first.ShardId, NewStartingHashKey: aws.String(mid)}); err != nil {
		t.Fatal(err)
	}
	waitStreamActive(t, ctx, kc, r.stream)
	t.Logf("split %s while the pipeline ran", aws.ToString(first.ShardId))
	putPart(1)
	open = openShardsOf(t, ctx, kc, r.stream)
	if _, err := kc.MergeShards(ctx, &kinesis.MergeShardsInput{StreamName: aws.String(r.stream), ShardToMerge: open[1].ShardId, AdjacentShardToMerge: open[2].ShardId}); err != nil {
		t.Fatal(err)
	}
	waitStreamActive(t, ctx, kc, r.stream)
	t.Logf("merged %s and %s while the pipeline ran", aws.ToString(open[1].ShardId), aws.ToString(open[2].ShardId))
	putPart(2)
	time.Sleep(20 * time.Second) // let the run read into the children
	pr.kill()

	final := startRun(t, bin, st.Env(), append(args, "--bounded"), mkLog(t, logs, "bounded.log"))
	select {
	case err := <-final.done:
		final.done <- err
		final.kill()
		if err != nil {
			t.Fatalf("final bounded run: %v", err)
		}
	case <-time.After(15 * time.Minute):
		final.kill()
		t.Fatal("final bounded run did not finish in 15 min")
	}

	lost, doubled := checkOutputs(t, ctx, r, sent, opts)
	entries, err := table.Load(ctx, r.stream)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("RESULT events=%d shards_in_table=%d lost=%d doubled=%d", len(sent), len(entries), lost, doubled)
	if lost != 0 || doubled != 0 {
		t.Errorf("events archive: %d lost, %d doubled", lost, doubled)
	}
}

func openShardsOf(t *testing.T, ctx context.Context, c *kinesis.Client, stream string) []types.Shard {
	t.Helper()
	out, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	if err != nil {
		t.Fatal(err)
	}
	var open []types.Shard
	for _, s := range out.Shards {
		if s.SequenceNumberRange.EndingSequenceNumber == nil {
			open = append(open, s)
		}
	}
	return open
}

func waitStreamActive(t *testing.T, ctx context.Context, c *kinesis.Client, stream string) {
	t.Helper()
	w := kinesis.NewStreamExistsWaiter(c, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 200*time.Millisecond
	})
	if err := w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(stream)}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
}

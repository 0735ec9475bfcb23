package kinesisio_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/deliverypipe/deliverypipe/io/kinesisio"
)

// BenchmarkReadVsRawLoop reads the same stream (4 shards, 50k records of
// ~15 bytes on kinesalite) three ways in each iteration, back to back: a plain
// GetRecords loop over the shards one after another (raw), the same loop with
// one goroutine per shard (rawpar), and ReadBounded(StopAtTip) on the
// in-process prism, timed from pipeline construction to the job's end. It
// reports records/s for each and reader/raw, reader/rawpar. Run: make
// bench-reader.
//
// The loops are the ceiling: same shards and records, the largest batches
// (10000), no pacing. The reader keeps the per-shard limits (a call at most
// every 200 ms, 2 MB/s), which cost little here because it counts the gap
// from each call's start and reads the shards concurrently. Its records go to
// a fused DoFn that emits nothing, whose empty output crosses a Reshuffle: a
// stage without data outputs makes prism (v2.62 and v2.77, stage.go) spin on
// a closed channel for as long as its bundle runs, taking a core from the
// reader and kinesalite; in a real pipeline the reader's stage has outputs.
func BenchmarkReadVsRawLoop(b *testing.B) {
	const shards, n = 4, 50_000
	stream, c := newStream(b, shards)
	next := map[string]int{}
	if err := putEntries(context.Background(), c, stream, keyedPayloads(next, 1000, n)); err != nil {
		b.Fatal(err)
	}
	var raw, rawPar, reader time.Duration
	for b.Loop() {
		for _, loop := range []struct {
			concurrent bool
			total      *time.Duration
		}{{false, &raw}, {true, &rawPar}} {
			start := time.Now()
			if got := rawRead(b, c, stream, loop.concurrent); got != n {
				b.Fatalf("raw loop (concurrent %v) read %d records, want %d", loop.concurrent, got, n)
			}
			*loop.total += time.Since(start)
		}

		start := time.Now()
		p, s := beam.NewPipelineWithRoot()
		// Count with the reader's own records metric rather than passert,
		// whose GroupByKey of every record would be timed as reading.
		recs := kinesisio.ReadBounded(s, stream, kinesisio.StopAtTip())
		beam.ParDo0(s, discardInt, beam.Reshuffle(s, beam.ParDo(s, discardRecord, recs)))
		res, err := ptest.RunWithMetrics(p)
		if err != nil {
			b.Fatal(err)
		}
		reader += time.Since(start)
		m := res.Metrics()
		if got := committed(&m, "records"); got != n {
			b.Fatalf("reader read %d records, want %d", got, n)
		}
	}
	rate := func(d time.Duration) float64 { return float64(n*b.N) / d.Seconds() }
	b.ReportMetric(rate(raw), "raw_rec/s")
	b.ReportMetric(rate(rawPar), "rawpar_rec/s")
	b.ReportMetric(rate(reader), "reader_rec/s")
	b.ReportMetric(rate(reader)/rate(raw), "reader/raw")
	b.ReportMetric(rate(reader)/rate(rawPar), "reader/rawpar")
}

func init() {
	register.Function2x0(discardRecord)
	register.Function1x0(discardInt)
	register.Emitter1[int]()
}

func discardRecord(kinesisio.Record, func(int)) {}
func discardInt(int)                            {}

// rawRead reads every shard from TRIM_HORIZON to its tip with the largest
// batches and no pacing, one shard after another or all at once.
func rawRead(b *testing.B, c *kinesis.Client, stream string, concurrent bool) int {
	ctx := context.Background()
	list, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	if err != nil {
		b.Fatal(err)
	}
	counts := make([]int, len(list.Shards))
	errs := make([]error, len(list.Shards))
	var wg sync.WaitGroup
	for i, sh := range list.Shards {
		read := func() { counts[i], errs[i] = rawReadShard(ctx, c, stream, sh.ShardId) }
		if !concurrent {
			read()
			continue
		}
		wg.Go(read)
	}
	wg.Wait()
	total := 0
	for i := range counts {
		if errs[i] != nil {
			b.Fatal(errs[i])
		}
		total += counts[i]
	}
	return total
}

func rawReadShard(ctx context.Context, c *kinesis.Client, stream string, shard *string) (int, error) {
	it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
		StreamName: aws.String(stream), ShardId: shard, ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		return 0, err
	}
	total := 0
	for iter := it.ShardIterator; iter != nil; {
		out, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(10000)})
		if err != nil {
			return total, err
		}
		total += len(out.Records)
		if len(out.Records) == 0 {
			break
		}
		iter = out.NextShardIterator
	}
	return total, nil
}

// BenchmarkReadEmptyStream measures what a bounded read costs with nothing to
// read: job submission, pipeline start and end on prism, shard listing. It is
// the fixed part of BenchmarkReadVsRawLoop's reader time.
func BenchmarkReadEmptyStream(b *testing.B) {
	stream, _ := newStream(b, 4)
	for b.Loop() {
		p, s := beam.NewPipelineWithRoot()
		kinesisio.ReadBounded(s, stream, kinesisio.StopAtTip())
		if err := ptest.Run(p); err != nil {
			b.Fatal(err)
		}
	}
}

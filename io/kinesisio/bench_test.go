package kinesisio_test

import (
	"context"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/deliverypipe/deliverypipe/io/kinesisio"
)

// BenchmarkReadVsRawLoop reads the same stream (4 shards, 50k records of
// ~40 bytes on kinesalite) with a plain GetRecords loop over the shards, the
// ceiling, and with ReadBounded(StopAtTip) on the in-process prism, and
// reports records/s for both and their ratio. Run: make bench-reader.
func BenchmarkReadVsRawLoop(b *testing.B) {
	const shards, n = 4, 50_000
	stream, c := newStream(b, shards)
	next := map[string]int{}
	if err := putEntries(context.Background(), c, stream, keyedPayloads(next, 1000, n)); err != nil {
		b.Fatal(err)
	}
	var raw, reader time.Duration
	for b.Loop() {
		start := time.Now()
		if got := rawRead(b, c, stream); got != n {
			b.Fatalf("raw loop read %d records, want %d", got, n)
		}
		raw += time.Since(start)

		start = time.Now()
		p, s := beam.NewPipelineWithRoot()
		// Count with the reader's own records metric rather than passert,
		// whose GroupByKey of every record would be timed as reading.
		kinesisio.ReadBounded(s, stream, kinesisio.StopAtTip())
		res, err := ptest.RunWithMetrics(p)
		if err != nil {
			b.Fatal(err)
		}
		reader += time.Since(start)
		m := res.Metrics()
		if got := committed(&m, "records/"); got != n {
			b.Fatalf("reader read %d records, want %d", got, n)
		}
	}
	rawRate := float64(n*b.N) / raw.Seconds()
	readerRate := float64(n*b.N) / reader.Seconds()
	b.ReportMetric(rawRate, "raw_rec/s")
	b.ReportMetric(readerRate, "reader_rec/s")
	b.ReportMetric(readerRate/rawRate, "reader/raw")
}

// rawRead reads every shard from TRIM_HORIZON to its tip, one shard after
// another, with the largest batches and no pacing.
func rawRead(b *testing.B, c *kinesis.Client, stream string) int {
	ctx := context.Background()
	list, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	if err != nil {
		b.Fatal(err)
	}
	total := 0
	for _, sh := range list.Shards {
		it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
			StreamName: aws.String(stream), ShardId: sh.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			b.Fatal(err)
		}
		for iter := it.ShardIterator; iter != nil; {
			out, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(10000)})
			if err != nil {
				b.Fatal(err)
			}
			total += len(out.Records)
			if len(out.Records) == 0 {
				break
			}
			iter = out.NextShardIterator
		}
	}
	return total
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

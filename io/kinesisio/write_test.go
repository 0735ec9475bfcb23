package kinesisio_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/deliverypipe/deliverypipe/io/kinesisio"
)

// putStored is a record as read back: partition key, data, shard.
type putStored struct {
	key, data, shard string
}

// putReadBack reads every shard from TRIM_HORIZON until a read comes back
// empty, in shard order then sequence order.
func putReadBack(t *testing.T, c *kinesis.Client, stream string) []putStored {
	t.Helper()
	ctx := context.Background()
	shards, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	if err != nil {
		t.Fatal(err)
	}
	var out []putStored
	for _, sh := range shards.Shards {
		it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
			StreamName: aws.String(stream), ShardId: sh.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			t.Fatal(err)
		}
		iter := it.ShardIterator
		for iter != nil {
			res, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res.Records {
				out = append(out, putStored{key: aws.ToString(r.PartitionKey), data: string(r.Data), shard: aws.ToString(sh.ShardId)})
			}
			if len(res.Records) == 0 {
				break
			}
			iter = res.NextShardIterator
		}
	}
	return out
}

// putCompare checks that got holds exactly want (as key/data pairs, each
// once) and that records of one key are stored in the order they were sent.
func putCompare(t *testing.T, got []putStored, want [][2]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("read back %d records, wrote %d", len(got), len(want))
	}
	count := map[[2]string]int{}
	for _, w := range want {
		count[w]++
	}
	for _, g := range got {
		k := [2]string{g.key, g.data}
		if count[k] == 0 {
			t.Fatalf("read back a record that was not written (or twice): key %q, %d bytes", g.key, len(g.data))
		}
		count[k]--
	}
}

func TestWriterKinesalite(t *testing.T) {
	stream, c := newStream(t, 3)
	w := kinesisio.NewWriter(c, stream)
	var want [][2]string
	// 2000 small records over 200 keys, then 60 records of 100 kB, which
	// need two calls by size.
	for i := range 2000 {
		want = append(want, [2]string{fmt.Sprintf("order-%03d", i%200), fmt.Sprintf(`{"seq":%d}`, i)})
	}
	for i := range 60 {
		want = append(want, [2]string{fmt.Sprintf("big-%d", i), strings.Repeat(string(rune('a'+i%26)), 100_000)})
	}
	ctx := context.Background()
	var size int64
	for _, r := range want {
		if err := w.Put(ctx, r[0], []byte(r[1])); err != nil {
			t.Fatal(err)
		}
		size += int64(len(r[0]) + len(r[1]))
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got := putReadBack(t, c, stream)
	putCompare(t, got, want)
	st := w.Stats()
	if st.Records != int64(len(want)) || st.Bytes != size || st.Calls < 6 {
		t.Fatalf("stats %+v for %d records, %d bytes", st, len(want), size)
	}
	// No entry was retried, so each key's records are in the order written.
	if st.RetriedEntries == 0 {
		last := map[string]int{}
		for _, g := range got {
			var seq int
			if _, err := fmt.Sscanf(g.data, `{"seq":%d}`, &seq); err != nil {
				continue
			}
			if prev, ok := last[g.key]; ok && seq < prev {
				t.Fatalf("key %s: seq %d stored after %d", g.key, seq, prev)
			}
			last[g.key] = seq
		}
	}
}

// putOrderKey keys a record by the text before its first '/'.
func putOrderKey(data []byte) string {
	k, _, _ := bytes.Cut(data, []byte("/"))
	return string(k)
}

// putKV pairs a record with a partition key for the KV form of Write.
func putKV(data []byte) (string, []byte) { return "kv-" + putOrderKey(data), data }

func init() {
	register.Function1x1(putOrderKey)
	register.Function1x2(putKV)
}

func TestWriteBeam(t *testing.T) {
	var payloads [][]byte
	for i := range 1500 {
		payloads = append(payloads, []byte(fmt.Sprintf("o-%03d/event-%04d", i%97, i)))
	}
	for _, tc := range []struct {
		name  string
		build func(s beam.Scope, stream string)
		key   func([]byte) string
	}{
		{
			name: "bytes with the default hash key",
			build: func(s beam.Scope, stream string) {
				kinesisio.Write(s, stream, beam.CreateList(s, payloads))
			},
			key: kinesisio.HashPartitionKey,
		},
		{
			name: "bytes with a key function",
			build: func(s beam.Scope, stream string) {
				kinesisio.Write(s, stream, beam.CreateList(s, payloads), kinesisio.WithPartitionKey(putOrderKey))
			},
			key: putOrderKey,
		},
		{
			name: "KV of partition key and bytes",
			build: func(s beam.Scope, stream string) {
				kvs := beam.ParDo(s, putKV, beam.CreateList(s, payloads))
				kinesisio.Write(s, stream, kvs)
			},
			key: func(b []byte) string { return "kv-" + putOrderKey(b) },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stream, c := newStream(t, 2)
			p, s := beam.NewPipelineWithRoot()
			tc.build(s, stream)
			res, err := ptest.RunWithMetrics(p)
			if err != nil {
				t.Fatal(err)
			}
			var want [][2]string
			for _, b := range payloads {
				want = append(want, [2]string{tc.key(b), string(b)})
			}
			putCompare(t, putReadBack(t, c, stream), want)
			var records int64
			for _, r := range res.Metrics().AllMetrics().Counters() {
				if r.Key.Namespace == "kinesisio.Write" && r.Key.Name == "records" {
					records += r.Committed
				}
			}
			if records != int64(len(payloads)) {
				t.Errorf("records counter %d, want %d", records, len(payloads))
			}
		})
	}
}

// TestWriteRejectsOtherTypes checks the construction-time type check.
func TestWriteRejectsOtherTypes(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "want PCollection<[]byte>") {
			t.Fatalf("panic %v", r)
		}
	}()
	_, s := beam.NewPipelineWithRoot()
	kinesisio.Write(s, "s", beam.Create(s, "a", "b"))
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/deliverypipe/deliverypipe/internal/simulator"
	"github.com/deliverypipe/deliverypipe/testing/localstack"
	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func TestMain(m *testing.M) { localstack.Main(m) }

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string // substring of the error; "" = valid
	}{
		{"file only", []string{"--to-file", "x.jsonl"}, ""},
		{"stream only", []string{"--stream", "s", "--create-stream", "--shards", "4", "--rate", "100"}, ""},
		{"no output", []string{"--count", "5"}, "nothing to write to: set --stream NAME and/or --to-file PATH"},
		{"negative rate", []string{"--to-file", "-", "--rate", "-1"}, "--rate must be >= 0"},
		{"NaN rate", []string{"--to-file", "-", "--rate", "NaN"}, "--rate must be >= 0"},
		{"negative count", []string{"--to-file", "-", "--count", "-3"}, "--count must be >= 0"},
		{"create without stream", []string{"--to-file", "-", "--create-stream"}, "--create-stream needs --stream NAME"},
		{"zero shards", []string{"--stream", "s", "--shards", "0"}, "--shards must be >= 1"},
		{"zero attempts", []string{"--stream", "s", "--max-attempts", "0"}, "--max-attempts must be >= 1"},
		{"share above one", []string{"--stream", "s", "--duplicate-share", "1.5"}, "--duplicate-share must be between 0 and 1"},
		{"bad start", []string{"--stream", "s", "--start", "yesterday"}, "--start must be an RFC 3339 time"},
		{"stray argument", []string{"--stream", "s", "extra"}, `unexpected argument "extra"`},
		{"unknown flag", []string{"--stream", "s", "--speed", "3"}, "flag provided but not defined: -speed"},
		{"simulator cross-check", []string{"--stream", "s", "--late-share", "0.7", "--out-of-order-share", "0.7"}, "OutOfOrderShare + LateShare must be <= 1"},
		{"zero restaurants", []string{"--stream", "s", "--restaurants", "0"}, "Restaurants must be in"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseFlags(tc.args, io.Discard)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestProduceKinesalite runs the producer against the local Kinesis with
// --create-stream, --to-file and --dims-dir, and checks every output against
// the simulator run directly with the same settings.
func TestProduceKinesalite(t *testing.T) {
	st := localstack.Shared(t)
	st.SetEnv(t)
	dir := t.TempDir()
	stream := fmt.Sprintf("producer-%d", time.Now().UnixNano()%1e9)
	const count = 3000
	o, err := parseFlags([]string{
		"--stream", stream, "--create-stream", "--shards", "3", "--count", fmt.Sprint(count), "--seed", "7",
		"--duplicate-share", "0.05", "--to-file", filepath.Join(dir, "events.jsonl"), "--dims-dir", dir,
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	ctx := context.Background()
	sum, err := produce(ctx, o, io.Discard, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if sum.Events != count || sum.Kinesis.Records != count || !strings.Contains(stderr.String(), fmt.Sprintf("done: %d events", count)) {
		t.Fatalf("summary %+v, stderr %q", sum, stderr.String())
	}

	// Reference: the simulator's first count events, as JSON lines.
	cfg := o.sim
	sim, err := simulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var want [][]byte
	var keys []string
	for e := range sim.Events() {
		if len(want) == count {
			break
		}
		b, err := e.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		want, keys = append(want, b), append(keys, e.OrderID)
	}

	// The file holds exactly the reference lines, in order.
	f, err := os.Open(filepath.Join(dir, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	i := 0
	for ; sc.Scan(); i++ {
		if i >= count || !bytes.Equal(sc.Bytes(), want[i]) {
			t.Fatalf("file line %d differs from the simulator's event", i+1)
		}
		var e event.Event
		if err := e.UnmarshalJSON(sc.Bytes()); err != nil {
			t.Fatalf("file line %d: %v", i+1, err)
		}
	}
	if i != count {
		t.Fatalf("file has %d lines, want %d", i, count)
	}

	// The stream holds the same events, each keyed by its order_id, and each
	// order's events in emission order.
	got := readStream(t, ctx, st, stream)
	if len(got) != count {
		t.Fatalf("stream holds %d records, want %d", len(got), count)
	}
	next := map[string][]int{} // order_id -> indexes of its events, in emission order
	for i, k := range keys {
		next[k] = append(next[k], i)
	}
	for _, r := range got {
		idx := next[r.key]
		if len(idx) == 0 || !bytes.Equal(r.data, want[idx[0]]) {
			t.Fatalf("record for order %s is not the next event of that order", r.key)
		}
		next[r.key] = idx[1:]
	}

	// Dimension files for the enrichment side input.
	rs, ds := sim.Dimensions()
	for name, rows := range map[string]int{"restaurants.csv": len(rs) + 1, "drivers.csv": len(ds) + 1} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil || len(recs) != rows {
			t.Fatalf("%s: %d rows, %v; want %d", name, len(recs), err, rows)
		}
	}
}

type streamRecord struct {
	key  string
	data []byte
}

// readStream reads every shard from TRIM_HORIZON until a read comes back empty.
func readStream(t *testing.T, ctx context.Context, st *localstack.Stack, stream string) []streamRecord {
	t.Helper()
	cfg, err := st.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := kinesis.NewFromConfig(cfg)
	shards, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	if err != nil {
		t.Fatal(err)
	}
	var out []streamRecord
	for _, sh := range shards.Shards {
		it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
			StreamName: aws.String(stream), ShardId: sh.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			t.Fatal(err)
		}
		for iter := it.ShardIterator; iter != nil; {
			res, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res.Records {
				out = append(out, streamRecord{key: aws.ToString(r.PartitionKey), data: r.Data})
			}
			if len(res.Records) == 0 {
				break
			}
			iter = res.NextShardIterator
		}
	}
	return out
}

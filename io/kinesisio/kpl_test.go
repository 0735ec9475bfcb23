package kinesisio_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/deliverypipe/deliverypipe/io/kinesisio"
)

// kplRecord is a record in kpl_aggregate.js's JSON (data is base64 there).
type kplRecord struct {
	PartitionKey string `json:"partitionKey"`
	Data         []byte `json:"data"`
}

// awsAggregate aggregates recs with AWS's aws-kinesis-agg through
// testing/stack/kpl_aggregate.js and returns the Kinesis records it built.
func awsAggregate(t *testing.T, recs []kplRecord) []kplRecord {
	t.Helper()
	stack := filepath.Join("..", "..", "testing", "stack")
	if _, err := os.Stat(filepath.Join(stack, "node_modules", "aws-kinesis-agg")); err != nil {
		if out, err := exec.Command("bash", filepath.Join(stack, "deps.sh")).CombinedOutput(); err != nil {
			t.Fatalf("installing testing/stack: %v\n%s", err, out)
		}
	}
	in, err := json.Marshal(map[string][]kplRecord{"records": recs})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join(stack, "kpl_aggregate.js"))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kpl_aggregate.js: %v\n%s", err, stderr.String())
	}
	var res struct{ Records []kplRecord }
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("kpl_aggregate.js output %q: %v", out, err)
	}
	return res.Records
}

// userRecords makes n user records with payloads and keys named by prefix;
// keyMod > 0 reuses keys so the partition key table has repeats.
func userRecords(prefix string, n, size, keyMod int) []kplRecord {
	out := make([]kplRecord, n)
	for i := range out {
		k := i
		if keyMod > 0 {
			k = i % keyMod
		}
		data := []byte(fmt.Sprintf("%s-%05d|", prefix, i))
		data = append(data, bytes.Repeat([]byte{byte(i)}, max(0, size-len(data)))...)
		out[i] = kplRecord{PartitionKey: fmt.Sprintf("%s-key-%d", prefix, k), Data: data}
	}
	return out
}

// TestParseAWSAggregates: the de-aggregator returns, for records aggregated
// by AWS's library, exactly the user records given to it, in order, with
// sub-sequence numbers 0..n-1 inside each aggregate.
func TestParseAWSAggregates(t *testing.T) {
	tests := []struct {
		name           string
		recs           []kplRecord
		wantAggregates int
	}{
		{"one record", userRecords("one", 1, 10, 0), 1},
		{"distinct keys", userRecords("dk", 50, 40, 0), 1},
		{"repeated keys", userRecords("rk", 200, 30, 7), 1},
		{"binary payloads", userRecords("bin", 20, 3000, 3), 1},
		// 300 × 5000 bytes exceeds the 1 MiB record limit: the library splits.
		{"split over the size limit", userRecords("big", 300, 5000, 11), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			aggs := awsAggregate(t, tt.recs)
			if len(aggs) != tt.wantAggregates {
				t.Fatalf("library built %d aggregates, want %d", len(aggs), tt.wantAggregates)
			}
			var got []kplRecord
			for _, a := range aggs {
				users, err := kinesisio.ParseAggregate(a.Data)
				if err != nil {
					t.Fatalf("ParseAggregate: %v", err)
				}
				for i, u := range users {
					if u.Sub != int64(i) {
						t.Fatalf("user record %d has sub-sequence %d", i, u.Sub)
					}
					got = append(got, kplRecord{PartitionKey: u.PartitionKey, Data: u.Data})
				}
			}
			if len(got) != len(tt.recs) {
				t.Fatalf("got %d user records, want %d", len(got), len(tt.recs))
			}
			for i := range got {
				if got[i].PartitionKey != tt.recs[i].PartitionKey || !bytes.Equal(got[i].Data, tt.recs[i].Data) {
					t.Fatalf("user record %d = (%q, %d bytes), want (%q, %d bytes)", i,
						got[i].PartitionKey, len(got[i].Data), tt.recs[i].PartitionKey, len(tt.recs[i].Data))
				}
			}
		})
	}
}

// putItem is one user record as it was put: where it landed and its
// expected place (sub-sequence -1 for a plain record).
type putItem struct {
	shard, data, key string
	pos              kinesisio.Position
}

func (p putItem) String() string {
	return fmt.Sprintf("%s|%s|%s|%d", p.shard, p.key, p.data, p.pos.SubSequence)
}

func recordString(r kinesisio.Record) string {
	return fmt.Sprintf("%s|%s|%s|%d", r.ShardID, r.PartitionKey, r.Data, r.SubSequence)
}

func init() { beam.RegisterFunction(recordString) }

// putKPLStream writes, with PutRecord, plain records and aggregates built by
// AWS's library (each group of user records becomes one aggregate) and
// returns every user record with the position Kinesis gave it.
func putKPLStream(t *testing.T, c *kinesis.Client, stream string, groups [][]kplRecord) []putItem {
	t.Helper()
	var items []putItem
	for gi, g := range groups {
		rec := g[0]
		if len(g) > 1 {
			aggs := awsAggregate(t, g)
			if len(aggs) != 1 {
				t.Fatalf("group %d: %d aggregates, want 1", gi, len(aggs))
			}
			rec = aggs[0]
		}
		out, err := c.PutRecord(context.Background(), &kinesis.PutRecordInput{
			StreamName: aws.String(stream), PartitionKey: aws.String(rec.PartitionKey), Data: rec.Data,
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, u := range g {
			sub := int64(i)
			if len(g) == 1 {
				sub = -1
			}
			items = append(items, putItem{
				shard: aws.ToString(out.ShardId), data: string(u.Data), key: u.PartitionKey,
				pos: kinesisio.Position{Sequence: aws.ToString(out.SequenceNumber), SubSequence: sub},
			})
		}
	}
	return items
}

// TestReadBoundedKPL reads aggregates built by AWS's library from kinesalite:
// every user record comes out once with its partition key and sub-sequence,
// plain records pass unchanged, and a checkpoint anywhere (between records,
// inside an aggregate, at an aggregate's last user record) resumes right
// after it: no skip, no repeat.
func TestReadBoundedKPL(t *testing.T) {
	stream, c := newStream(t, 2)
	var groups [][]kplRecord
	for i := range 8 {
		groups = append(groups, userRecords(fmt.Sprintf("plain%d", i), 1, 12, 0))
		groups = append(groups, userRecords(fmt.Sprintf("agg%d", i), 3+i, 20, 2))
	}
	items := putKPLStream(t, c, stream, groups)
	perShard := map[string][]putItem{}
	for _, it := range items {
		perShard[it.shard] = append(perShard[it.shard], it)
	}
	// Checkpoints in the shard holding the most records, at each kind of place.
	var shard string
	for s, its := range perShard {
		if len(its) > len(perShard[shard]) {
			shard = s
		}
	}
	its := perShard[shard]
	var inside, lastOfAgg, plain kinesisio.Position
	for i, it := range its {
		next := i+1 < len(its) && its[i+1].pos.Sequence == it.pos.Sequence
		switch {
		case it.pos.SubSequence == 1 && next && inside.IsZero():
			inside = it.pos
		case it.pos.SubSequence > 0 && !next && lastOfAgg.IsZero():
			lastOfAgg = it.pos
		case it.pos.SubSequence == -1 && i > 0 && plain.IsZero():
			plain = it.pos
		}
	}
	tests := []struct {
		name string
		cp   map[string]kinesisio.Position
	}{
		{"from trim horizon", nil},
		{"inside an aggregate", map[string]kinesisio.Position{shard: inside}},
		{"at an aggregate's last user record", map[string]kinesisio.Position{shard: lastOfAgg}},
		{"after a plain record", map[string]kinesisio.Position{shard: plain}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			for _, it := range items {
				if cp, ok := tt.cp[it.shard]; ok && (cp.IsZero() || !it.pos.After(cp)) {
					if cp.IsZero() {
						t.Fatal("no checkpoint position of this kind in the stream")
					}
					continue
				}
				want = append(want, it.String())
			}
			p, s := beam.NewPipelineWithRoot()
			opts := []kinesisio.ReadOption{kinesisio.StopAtTip()}
			if tt.cp != nil {
				opts = append(opts, kinesisio.WithCheckpoint(tt.cp))
			}
			got := beam.ParDo(s, recordString, kinesisio.ReadBounded(s, stream, opts...))
			passert.Equals(s, got, toAny(want)...)
			if err := ptest.Run(p); err != nil {
				t.Fatal(err)
			}
		})
	}
}

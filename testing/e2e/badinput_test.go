package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/metrics"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/deliverypipe/deliverypipe/internal/simulator"
	"github.com/deliverypipe/deliverypipe/io/checkpoint"
	"github.com/deliverypipe/deliverypipe/io/kinesisio"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery"
	"github.com/deliverypipe/deliverypipe/testing/e2e/compare"
	"github.com/deliverypipe/deliverypipe/testing/fixtures/bad"
	"github.com/deliverypipe/deliverypipe/testing/localstack"
	"github.com/deliverypipe/deliverypipe/testing/reference"
	"github.com/deliverypipe/deliverypipe/transforms/parse"
)

// largeName is the generated 1 MiB record; largeBytes makes it the largest
// record Kinesis takes (data plus its partition key "bad-"+largeName).
const (
	largeName  = "generated/1MiB"
	largeBytes = 1<<20 - len("bad-"+largeName)
)

// TestBadInput mixes the bad-input corpus (testing/fixtures/bad) and a 1 MiB
// payload into simulator events on a 4-shard stream, runs the full graph on
// prism with its AWS sinks, and checks that every bad record is in the
// dead-letter table with its reason, every duplicate copy is dropped, and the
// counters add up: read = valid + dead-lettered + duplicates.
func TestBadInput(t *testing.T) {
	ctx := context.Background()
	st := localstack.Shared(t)
	st.SetEnv(t)
	r := newResources(t, ctx, st, "bad")
	awsCfg := r.aws
	stream, bucket, table, statusTable := r.stream, r.bucket, r.table, r.statusTable

	corpus, err := bad.Corpus()
	if err != nil {
		t.Fatal(err)
	}
	corpus = append(corpus, bad.Record{Name: largeName, Want: string(parse.TooLarge), Data: bad.Large(largeBytes)})
	cfg := simulator.DefaultConfig()
	cfg.Seed, cfg.Orders = 11, 200
	cfg.Start = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) // the corpus's event times
	sim, err := simulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := sim.Generate()
	if err != nil {
		t.Fatal(err)
	}
	w := kinesisio.NewWriter(kinesis.NewFromConfig(awsCfg), stream)
	put := func(key string, b []byte) {
		t.Helper()
		if err := w.Put(ctx, key, b); err != nil {
			t.Fatal(err)
		}
	}
	const copies = 3 // of each duplicate fixture: one kept, two dropped
	var wantDead []bad.Record
	var lines bytes.Buffer
	read, corpusDups := 0, 0
	// Duplicate fixtures go first, since their event times are the start of
	// the simulated hour; the other bad records are spread over the stream.
	for _, r := range corpus {
		if r.Want != bad.Duplicate {
			wantDead = append(wantDead, r)
			continue
		}
		for range copies {
			put("dup-"+r.Name, r.Data)
			lines.Write(append(r.Data, '\n'))
			read++
		}
		corpusDups += copies - 1
	}
	every := len(evs) / (len(wantDead) + 1)
	next := 0
	for i, e := range evs {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		put(e.OrderID, b)
		lines.Write(append(b, '\n'))
		read++
		if (i+1)%every == 0 && next < len(wantDead) {
			put("bad-"+wantDead[next].Name, wantDead[next].Data)
			next++
			read++
		}
	}
	for ; next < len(wantDead); next++ {
		put("bad-"+wantDead[next].Name, wantDead[next].Data)
		read++
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	sent, err := reference.ReadJSONLines(&lines)
	if err != nil {
		t.Fatal(err)
	}
	// sent holds the duplicate fixtures' copies too.
	simDups := len(sent) - len(reference.Dedup(sent)) - corpusDups
	if simDups == 0 {
		t.Fatal("the simulator sent no duplicates: dedup of mixed traffic would go untested")
	}

	opts := graphOptions()
	p, s := beam.NewPipelineWithRoot()
	sinks := delivery.Sinks{Bucket: bucket, Prefix: "lake", KPITable: table, StatusTable: statusTable}
	boundedJob(stream, opts, sinks).Assemble(s, checkpoint.Resume{})
	res, err := ptest.RunWithMetrics(p)
	if err != nil {
		t.Fatalf("pipeline: %v", err)
	}

	counters := map[string]int64{}
	for _, c := range res.Metrics().Query(func(r metrics.SingleResult) bool {
		return r.Namespace() == "parse" || r.Namespace() == "dedup"
	}).Counters() {
		counters[c.Namespace()+"."+c.Name()] += c.Result()
	}
	got := func(name string) int { return int(counters[name]) }
	t.Logf("sent %d records: %d valid (%d simulator repeats, %d repeated fixture copies), %d bad; counters %v",
		read, len(sent), simDups, corpusDups, len(wantDead), counters)
	for name, want := range map[string]int{
		"parse.read":        read,
		"parse.dead_letter": len(wantDead),
		"parse.valid":       len(sent),
		"dedup.duplicates":  simDups + corpusDups,
	} {
		if got(name) != want {
			t.Errorf("counter %s = %d, want %d", name, got(name), want)
		}
	}
	if r, v, d, u := got("parse.read"), got("parse.valid"), got("parse.dead_letter"), got("dedup.duplicates"); r != v+d {
		t.Errorf("read %d != valid %d + dead-lettered %d", r, v, d)
	} else if v-u != len(reference.Dedup(sent)) {
		t.Errorf("valid %d - duplicates %d: %d distinct events passed dedup, want %d", v, u, v-u, len(reference.Dedup(sent)))
	}

	// Bad records mixed into the stream must not disturb the valid events'
	// results: a record without a usable event time must not move the
	// watermark, or the events after it on its shard turn late.
	want := compare.Expect(sent, opts, len(wantDead))
	gotOut, err := compare.Read(ctx, awsCfg, compare.Sinks{Bucket: bucket, Prefix: "lake", KPITable: table, StatusTable: statusTable})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range compare.Compare(want, gotOut) {
		for _, d := range c.Diffs {
			t.Errorf("%s: %s", c.Name, d)
		}
	}

	dead := readDeadLetters(t, ctx, s3.NewFromConfig(awsCfg), bucket, "lake/"+delivery.DeadLetterTableName+"/")
	if len(dead) != len(wantDead) {
		t.Errorf("%d dead letters in S3, want %d", len(dead), len(wantDead))
	}
	byRaw := map[string]parse.DeadLetter{}
	for _, d := range dead {
		byRaw[string(d.Raw)] = d
	}
	for _, r := range wantDead {
		d, ok := byRaw[string(r.Data)]
		switch {
		case !ok:
			t.Errorf("%s: not in the dead-letter table", r.Name)
		case d.Reason != r.Want:
			t.Errorf("%s: dead-lettered as %s (%s), want %s", r.Name, d.Reason, d.Detail, r.Want)
		case d.Shard == "" || d.Sequence == "" || d.IngestMillis == 0:
			t.Errorf("%s: dead letter without its origin: shard %q, sequence %q, ingest %d", r.Name, d.Shard, d.Sequence, d.IngestMillis)
		}
	}
}

// readDeadLetters decodes every JSON line under prefix.
func readDeadLetters(t *testing.T, ctx context.Context, c *s3.Client, bucket, prefix string) []parse.DeadLetter {
	t.Helper()
	var out []parse.DeadLetter
	pages := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			if !strings.HasSuffix(aws.ToString(o.Key), ".jsonl") {
				continue
			}
			obj, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: o.Key})
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(obj.Body)
			sc.Buffer(nil, 8<<20) // a 1 MiB payload is ~1.4 MiB of base64
			for sc.Scan() {
				var d parse.DeadLetter
				if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
					t.Fatalf("s3://%s/%s: %v", bucket, aws.ToString(o.Key), err)
				}
				out = append(out, d)
			}
			obj.Body.Close()
			if err := sc.Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

package e2e

import (
	"context"
	"flag"
	"fmt"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/deliverypipe/deliverypipe/internal/simulator"
	"github.com/deliverypipe/deliverypipe/io/kinesisio"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery"
	"github.com/deliverypipe/deliverypipe/testing/e2e/compare"
	"github.com/deliverypipe/deliverypipe/testing/localstack"
	"github.com/deliverypipe/deliverypipe/testing/reference"
	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// make test runs TestExact with its defaults; make test-exact with 20,000
// orders, ten runs, two at a time.
var (
	exactOrders = flag.Int("exact.orders", 1000, "TestExact: orders to simulate (≈ 4.5 events each)")
	exactSeed   = flag.Int64("exact.seed", 11, "TestExact: simulator seed")
)

// TestExact is the exactness test of the default runner (the one
// bin/pipeline uses without flags: in-process prism, with the experiments
// and workarounds of runners/presets): events keyed by driver_id over 4
// shards, so an order's events cross shards and reach the reader out of
// order; 3.5 % of events re-sent with the same event_id up to a minute later;
// 5 % delayed by up to 45 s; malformed records mixed in. Every KPI item and
// row, status, archived event and dead letter must equal the independent
// reference, and every window has exactly one pane, ON_TIME.
func TestExact(t *testing.T) {
	ctx := context.Background()
	st := localstack.Shared(t)
	st.SetEnv(t)
	r := newResources(t, ctx, st, "exact")

	cfg := simulator.DefaultConfig()
	cfg.Seed, cfg.Orders = *exactSeed, *exactOrders
	cfg.Start = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	cfg.DuplicateShare = 0.035
	cfg.OutOfOrderShare, cfg.OutOfOrderBy = 0.05, 45*time.Second
	cfg.ResendShare = *resendShare
	evs, payloads, sent := encodeEvents(t, cfg)

	// Partition key driver_id (order_id for events without a driver), and
	// one malformed record after every 97th event.
	w := kinesisio.NewWriter(kinesis.NewFromConfig(r.aws), r.stream)
	malformed := 0
	for i, e := range evs {
		key := e.DriverID
		if key == "" {
			key = e.OrderID
		}
		if err := w.Put(ctx, key, payloads[i]); err != nil {
			t.Fatal(err)
		}
		if i%97 == 96 {
			bad := badRecords[malformed%len(badRecords)]
			if err := w.Put(ctx, fmt.Sprintf("bad-%d", malformed), []byte(bad)); err != nil {
				t.Fatal(err)
			}
			malformed++
		}
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	distinct := reference.Dedup(sent)
	dupShare := float64(len(sent)-len(distinct)) / float64(len(sent))
	if dupShare < 0.03 {
		t.Fatalf("only %.1f %% of the events were re-sent: the test wants ≥ 3 %%", 100*dupShare)
	}
	t.Logf("%d events (%d distinct, %.1f %% re-sent), %d malformed records", len(sent), len(distinct), 100*dupShare, malformed)

	opts := graphOptions()
	opts.MaxSkew = 100 * 365 * 24 * time.Hour
	sinks := delivery.Sinks{Bucket: r.bucket, Prefix: "lake", KPITable: r.table, StatusTable: r.statusTable}
	// bin/pipeline's job, preflight included.
	job := boundedJob(r.stream, opts, sinks)
	resume, err := job.Prepare(ctx, r.aws)
	if err != nil {
		t.Fatal(err)
	}
	p, s := beam.NewPipelineWithRoot()
	job.Assemble(s, resume)
	if err := ptest.Run(p); err != nil {
		t.Fatalf("pipeline: %v", err)
	}

	want := compare.Expect(sent, opts, malformed)
	got, err := compare.Read(ctx, r.aws, compare.Sinks{Bucket: r.bucket, Prefix: "lake", KPITable: r.table, StatusTable: r.statusTable})
	if err != nil {
		t.Fatal(err)
	}
	checkOnePane(t, got, 5*time.Minute)
	checkObjectPanes(t, ctx, r.aws, r.bucket, "lake")
	for _, c := range compare.Compare(want, got) {
		t.Run(c.Name, func(t *testing.T) {
			for _, d := range c.Diffs {
				t.Error(d)
			}
		})
	}
	archived, err := compare.ArchivedEvents(ctx, r.aws, compare.Sinks{Bucket: r.bucket, Prefix: "lake"})
	if err != nil {
		t.Fatal(err)
	}
	checkArchive(t, archived, distinct)
}

// checkArchive checks that the events archive holds every distinct event
// once and nothing else.
func checkArchive(t *testing.T, archived map[string]int, distinct []event.Event) {
	t.Helper()
	bad := 0
	for _, e := range distinct {
		if n := archived[e.EventID]; n != 1 {
			if bad++; bad <= 5 {
				t.Errorf("events archive: %s (%s of order %s) %d times, want once", e.EventID, e.EventType, e.OrderID, n)
			}
		}
	}
	if len(archived) != len(distinct) {
		t.Errorf("events archive: %d distinct event ids, want %d", len(archived), len(distinct))
	}
	if bad > 5 {
		t.Errorf("events archive: %d events not archived exactly once", bad)
	}
}

// checkObjectPanes checks that a bounded run, where no event is late, wrote
// only pane-0 objects of the KPI tables (a -p1 object of the same rows is
// what a reader would count twice).
func checkObjectPanes(t *testing.T, ctx context.Context, cfg aws.Config, bucket, prefix string) {
	t.Helper()
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	for _, table := range []string{delivery.EventTypeCountsTableName, delivery.RestaurantKPIsTableName, delivery.ZoneKPIsTableName} {
		n := 0
		pages := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix + "/" + table + "/")})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range page.Contents {
				n++
				if key := aws.ToString(o.Key); !strings.Contains(path.Base(key), "-p0-") {
					t.Errorf("%s: a pane other than 0 in a run without late data", key)
				}
			}
		}
		if n == 0 {
			t.Errorf("%s: no objects", table)
		}
	}
}

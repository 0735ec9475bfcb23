// Package e2e runs the deliverypipe graph end to end on the local AWS stack:
// simulated events into Kinesis, the pipeline on prism, then the KPI items in
// DynamoDB and the Parquet objects in S3 compared with the independent
// reference computed from the produced events.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/deliverypipe/deliverypipe/internal/simulator"
	"github.com/deliverypipe/deliverypipe/io/checkpoint"
	"github.com/deliverypipe/deliverypipe/io/kinesisio"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery/tables"
	"github.com/deliverypipe/deliverypipe/runners/presets/presetstest"
	"github.com/deliverypipe/deliverypipe/testing/e2e/compare"
	"github.com/deliverypipe/deliverypipe/testing/localstack"
	"github.com/deliverypipe/deliverypipe/testing/reference"
	"github.com/deliverypipe/deliverypipe/transforms/event"
	"github.com/deliverypipe/deliverypipe/transforms/kpi"
)

func TestMain(m *testing.M) {
	os.Exit(localstack.Finish(presetstest.MainRet(m, "prism")))
}

// produce generates events with the simulator, writes them to the stream as
// the producer does (partition key order_id), then the bad records, and
// returns the events as decoded by encoding/json from the exact bytes sent.
func produce(t *testing.T, ctx context.Context, c *kinesis.Client, stream string, cfg simulator.Config, bad []string) []event.Event {
	t.Helper()
	evs, payloads, sent := encodeEvents(t, cfg)
	putEvents(t, ctx, c, stream, evs, payloads, bad)
	return sent
}

// putEvents writes the payloads of evs to the stream in order (partition
// key order_id), then the bad records (partition key "bad").
func putEvents(t *testing.T, ctx context.Context, c *kinesis.Client, stream string, evs []event.Event, payloads [][]byte, bad []string) {
	t.Helper()
	w := kinesisio.NewWriter(c, stream)
	for i, e := range evs {
		if err := w.Put(ctx, e.OrderID, payloads[i]); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range bad {
		if err := w.Put(ctx, "bad", []byte(b)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

// encodeEvents generates cfg's events in arrival order with their JSON
// payloads, and the events as the reference reads those payloads back.
func encodeEvents(t *testing.T, cfg simulator.Config) (evs []event.Event, payloads [][]byte, sent []event.Event) {
	t.Helper()
	sim, err := simulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if evs, err = sim.Generate(); err != nil {
		t.Fatal(err)
	}
	var lines bytes.Buffer
	for _, e := range evs {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		payloads = append(payloads, b)
		lines.Write(append(b, '\n'))
	}
	if sent, err = reference.ReadJSONLines(&lines); err != nil {
		t.Fatal(err)
	}
	return evs, payloads, sent
}

// graphOptions are the graph's defaults with the workarounds of the runner
// the tests run on, as cmd/pipeline sets them.
func graphOptions() delivery.Options {
	o := delivery.DefaultOptions()
	o.NormalizePanes = presetstest.Workarounds().NormalizePanes
	return o
}

// boundedJob is the job bin/pipeline runs with --bounded and its source
// defaults (one shard group, a watermark a minute behind), over stream and
// into sinks: the tests assemble the graph with the same function.
func boundedJob(stream string, opts delivery.Options, sinks delivery.Sinks) delivery.Job {
	src := delivery.DefaultSource(stream)
	src.Bounded = true
	return delivery.Job{Source: src, Graph: opts, Sinks: sinks}
}

// checkOnePane checks the pane rule of a bounded run, where no event is
// late: every KPI item and row is pane 0, ON_TIME, of a window of the given
// size.
func checkOnePane(t *testing.T, got compare.Got, size time.Duration) {
	t.Helper()
	bad := 0
	for _, it := range got.EventTypeItems {
		if it.WindowEnd-it.SK != size.Milliseconds() || it.Pane != 0 || it.Timing != kpi.OnTime {
			if bad++; bad <= 5 {
				t.Errorf("event-type item %+v: want pane 0 ON_TIME of a %v window", it, size)
			}
		}
	}
	check := func(table string, pane int64, timing string, row any) {
		if pane != 0 || timing != kpi.OnTime {
			if bad++; bad <= 5 {
				t.Errorf("%s %+v: want pane 0 ON_TIME", table, row)
			}
		}
	}
	for _, r := range got.EventTypeRows {
		check("event-type row", r.Pane, r.Timing, r)
	}
	for _, r := range got.RestaurantRows {
		check("restaurant row", r.Pane, r.Timing, r)
	}
	for _, r := range got.ZoneRows {
		check("zone row", r.Pane, r.Timing, r)
	}
	for _, it := range got.RestaurantItems {
		check("restaurant item", it.Pane, it.Timing, it)
	}
	for _, it := range got.ZoneItems {
		check("zone item", it.Pane, it.Timing, it)
	}
	if bad > 5 {
		t.Errorf("%d items and rows with a wrong pane in all", bad)
	}
}

// badRecords are sent after the events; each must end in the dead-letter table.
var badRecords = []string{
	`{"event_type":"order_created"`,
	`{"event_id":"x1","event_type":"teleported","order_id":"o","timestamp":"2026-11-25T12:00:00Z"}`,
	"\xff\xfe not utf-8",
}

// resources are the stream, bucket and tables of one end-to-end run.
type resources struct {
	aws                                aws.Config
	ddb                                *dynamodb.Client
	stream, bucket, table, statusTable string
}

// newResources creates, on st, a 4-shard stream, a bucket, and the KPI and
// order-status tables, named after prefix and the time.
func newResources(t *testing.T, ctx context.Context, st *localstack.Stack, prefix string) resources {
	t.Helper()
	awsCfg, err := st.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("%s%d", prefix, time.Now().UnixNano()%1e9)
	r := resources{aws: awsCfg, ddb: dynamodb.NewFromConfig(awsCfg),
		stream: id + "-events", bucket: id + "-lake", table: id + "-kpis", statusTable: id + "-status"}
	if err := st.CreateStream(ctx, r.stream, 4); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateBucket(ctx, r.bucket); err != nil {
		t.Fatal(err)
	}
	if err := tables.EnsureKPITable(ctx, r.ddb, r.table); err != nil {
		t.Fatal(err)
	}
	if err := tables.EnsureStatusTable(ctx, r.ddb, r.statusTable); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	st := localstack.Shared(t)
	st.SetEnv(t)
	r := newResources(t, ctx, st, "e2e")
	awsCfg := r.aws
	stream, bucket, table, statusTable := r.stream, r.bucket, r.table, r.statusTable

	cfg := simulator.DefaultConfig()
	cfg.Seed, cfg.Orders = 7, 400
	if cfg.DuplicateShare == 0 {
		t.Fatal("the default simulator config sends no duplicates: dedup would go untested")
	}
	cfg.Start = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	cfg.ResendShare = *resendShare
	sent := produce(t, ctx, kinesis.NewFromConfig(awsCfg), stream, cfg, badRecords)

	opts := graphOptions()
	opts.MaxSkew = 100 * 365 * 24 * time.Hour
	p, s := beam.NewPipelineWithRoot()
	boundedJob(stream, opts, delivery.Sinks{Bucket: bucket, Prefix: "lake", KPITable: table, StatusTable: statusTable}).
		Assemble(s, checkpoint.Resume{})
	if err := ptest.Run(p); err != nil {
		t.Fatalf("pipeline: %v", err)
	}

	if len(reference.Dedup(sent)) == len(sent) {
		t.Fatal("no duplicates were produced: dedup would go untested")
	}
	want := compare.Expect(sent, opts, len(badRecords))
	if len(want.EventTypes) == 0 {
		t.Fatal("reference is empty: the test would prove nothing")
	}
	got, err := compare.Read(ctx, awsCfg, compare.Sinks{Bucket: bucket, Prefix: "lake", KPITable: table, StatusTable: statusTable})
	if err != nil {
		t.Fatal(err)
	}
	checkOnePane(t, got, 5*time.Minute)
	for _, c := range compare.Compare(want, got) {
		t.Run(c.Name, func(t *testing.T) {
			for _, d := range c.Diffs {
				t.Error(d)
			}
		})
	}
}

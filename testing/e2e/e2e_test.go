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
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/parquet-go/parquet-go"

	"github.com/deliverypipe/deliverypipe/io/dynamodbio"
	"github.com/deliverypipe/deliverypipe/io/kinesisio"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery"
	"github.com/deliverypipe/deliverypipe/testing/localstack"
	"github.com/deliverypipe/deliverypipe/testing/reference"
	"github.com/deliverypipe/deliverypipe/testing/simulator"
	"github.com/deliverypipe/deliverypipe/transforms/event"
	"github.com/deliverypipe/deliverypipe/transforms/kpi"
	"github.com/deliverypipe/deliverypipe/transforms/lifecycle"
)

func TestMain(m *testing.M) {
	os.Exit(localstack.Finish(ptest.MainRetWithDefault(m, "prism")))
}

// produce generates events with the simulator, writes them to the stream as
// the producer does (partition key order_id) and returns them as decoded by
// encoding/json from the exact bytes sent.
func produce(t *testing.T, ctx context.Context, c *kinesis.Client, stream string, cfg simulator.Config) []event.Event {
	t.Helper()
	sim, err := simulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := sim.Generate()
	if err != nil {
		t.Fatal(err)
	}
	w := kinesisio.NewWriter(c, stream)
	var lines bytes.Buffer
	for _, e := range evs {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Put(ctx, e.OrderID, b); err != nil {
			t.Fatal(err)
		}
		lines.Write(append(b, '\n'))
	}
	for _, bad := range badRecords {
		if err := w.Put(ctx, "bad", []byte(bad)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	sent, err := reference.ReadJSONLines(&lines)
	if err != nil {
		t.Fatal(err)
	}
	return sent
}

// badRecords are sent after the events; each must end in the dead-letter table.
var badRecords = []string{
	`{"event_type":"order_created"`,
	`{"event_id":"x1","event_type":"teleported","order_id":"o","timestamp":"2026-11-25T12:00:00Z"}`,
	"\xff\xfe not utf-8",
}

func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	st := localstack.Shared(t)
	st.SetEnv(t)
	awsCfg, err := st.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("e2e%d", time.Now().UnixNano()%1e9)
	stream, bucket, table, statusTable := id+"-events", id+"-lake", id+"-kpis", id+"-status"
	if err := st.CreateStream(ctx, stream, 4); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateBucket(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	ddb := dynamodb.NewFromConfig(awsCfg)
	if err := dynamodbio.EnsureKPITable(ctx, ddb, table); err != nil {
		t.Fatal(err)
	}
	if err := dynamodbio.EnsureStatusTable(ctx, ddb, statusTable); err != nil {
		t.Fatal(err)
	}

	cfg := simulator.DefaultConfig()
	cfg.Seed, cfg.Orders = 7, 400
	if cfg.DuplicateShare == 0 {
		t.Fatal("the default simulator config sends no duplicates: dedup would go untested")
	}
	cfg.Start = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	sent := produce(t, ctx, kinesis.NewFromConfig(awsCfg), stream, cfg)

	opts := delivery.DefaultOptions()
	opts.OnTimeOnly = true // the in-process prism of v2.62 refuses late firings
	opts.MaxSkew = 100 * 365 * 24 * time.Hour
	p, s := beam.NewPipelineWithRoot()
	// One shard group: with two, the in-process prism of v2.62 advanced the
	// watermark of the lifecycle stage past an order's delivered time while
	// that order's picked_up event was still queued, so one delivery was lost
	// (measured: 1 of 400 orders). See the closing notes of issue 3.
	records := kinesisio.ReadBounded(s, stream, kinesisio.StopAtTip(), kinesisio.WithGroups(1),
		kinesisio.WithWatermarkPolicy(kinesisio.EventTimePolicy(delivery.EventTimeFn, time.Minute)))
	out := delivery.Build(s, delivery.FromKinesis(s, records), opts)
	delivery.WriteAWS(s, out, delivery.Sinks{Bucket: bucket, Prefix: "lake", KPITable: table, StatusTable: statusTable})
	if err := ptest.Run(p); err != nil {
		t.Fatalf("pipeline: %v", err)
	}

	events := reference.Dedup(sent)
	if len(events) == len(sent) {
		t.Fatal("no duplicates were produced: dedup would go untested")
	}
	want := reference.EventTypeCounts(events, opts.WindowSize, opts.WindowPeriod)
	if len(want) == 0 {
		t.Fatal("reference is empty: the test would prove nothing")
	}
	orders := reference.Orders(events)
	wantRestaurants := reference.RestaurantKPIs(events, orders, opts.WindowSize, opts.WindowPeriod)
	wantZones := reference.ZoneKPIs(events, orders, opts.WindowSize, opts.WindowPeriod)
	items := scanKPIItems(t, ctx, ddb, table)
	s3c := s3.NewFromConfig(awsCfg, func(o *s3.Options) { o.UsePathStyle = true })

	t.Run("dynamodb", func(t *testing.T) {
		got := map[reference.WindowKey]int64{}
		for _, it := range unmarshalItems[kpi.EventTypeItem](t, items[kpi.EventTypePrefix]) {
			k := reference.WindowKey{WindowStart: it.SK, EventType: it.EventType}
			if _, dup := got[k]; dup {
				t.Errorf("two items for %+v", k)
			}
			got[k] = it.Count
			// prism v2.62 does not pass the pane's timing through a lifted
			// combine, so it reads UNKNOWN there; never EARLY or LATE.
			if it.WindowEnd-it.SK != opts.WindowSize.Milliseconds() || it.Pane != 0 || (it.Timing != kpi.OnTime && it.Timing != kpi.Unknown) {
				t.Errorf("item %+v: wrong window end or timing", it)
			}
		}
		if d := reference.Diff(want, got, 20); len(d) > 0 {
			t.Errorf("DynamoDB KPIs differ from the reference (%d windows×types expected):\n%s", len(want), strings.Join(d, "\n"))
		}
	})

	t.Run("parquet", func(t *testing.T) {
		got := map[reference.WindowKey]int64{}
		for _, r := range readParquet[kpi.EventTypeCount](t, ctx, s3c, bucket, "lake/"+delivery.EventTypeCountsTableName+"/") {
			got[reference.WindowKey{WindowStart: r.WindowStart, EventType: r.EventType}] += r.Count
		}
		if d := reference.Diff(want, got, 20); len(d) > 0 {
			t.Errorf("Parquet KPIs differ from the reference:\n%s", strings.Join(d, "\n"))
		}
	})

	t.Run("restaurant KPIs", func(t *testing.T) {
		fromDynamo := map[reference.GroupKey]groupRow{}
		for _, it := range unmarshalItems[kpi.RestaurantItem](t, items[kpi.RestaurantPrefix]) {
			fromDynamo[reference.GroupKey{WindowStart: it.SK, Key: it.RestaurantID}] = restaurantRow(it.RestaurantKPI)
		}
		fromParquet := map[reference.GroupKey]groupRow{}
		for _, r := range readParquet[kpi.RestaurantKPI](t, ctx, s3c, bucket, "lake/"+delivery.RestaurantKPIsTableName+"/") {
			fromParquet[reference.GroupKey{WindowStart: r.WindowStart, Key: r.RestaurantID}] = restaurantRow(r)
		}
		compareGroups(t, "DynamoDB", wantRestaurants, fromDynamo, false)
		compareGroups(t, "Parquet", wantRestaurants, fromParquet, false)
	})

	t.Run("zone KPIs", func(t *testing.T) {
		fromDynamo := map[reference.GroupKey]groupRow{}
		for _, it := range unmarshalItems[kpi.ZoneItem](t, items[kpi.ZonePrefix]) {
			fromDynamo[reference.GroupKey{WindowStart: it.SK, Key: it.Zone}] = zoneRow(it.ZoneKPI)
		}
		fromParquet := map[reference.GroupKey]groupRow{}
		for _, r := range readParquet[kpi.ZoneKPI](t, ctx, s3c, bucket, "lake/"+delivery.ZoneKPIsTableName+"/") {
			fromParquet[reference.GroupKey{WindowStart: r.WindowStart, Key: r.Zone}] = zoneRow(r)
		}
		compareGroups(t, "DynamoDB", wantZones, fromDynamo, true)
		compareGroups(t, "Parquet", wantZones, fromParquet, true)
	})

	t.Run("order status", func(t *testing.T) {
		want := map[string]event.Type{}
		best := map[string][2]int64{}
		for _, e := range events {
			k := [2]int64{int64(e.EventType.Rank()), e.EventTimeMillis}
			if b, ok := best[e.OrderID]; !ok || k[0] > b[0] || (k[0] == b[0] && k[1] > b[1]) {
				best[e.OrderID], want[e.OrderID] = k, e.EventType
			}
		}
		got := map[string]event.Type{}
		for _, st := range unmarshalItems[lifecycle.Status](t, scanAll(t, ctx, ddb, statusTable)) {
			got[st.OrderID] = event.Type(st.Status)
		}
		if len(got) != len(want) {
			t.Errorf("%d orders in the status table, want %d", len(got), len(want))
		}
		for id, w := range want {
			if got[id] != w {
				t.Errorf("order %s: status %q, want %q", id, got[id], w)
			}
		}
	})

	t.Run("dead letters", func(t *testing.T) {
		lines := 0
		for _, body := range readObjects(t, ctx, s3c, bucket, "lake/"+delivery.DeadLetterTableName+"/") {
			lines += bytes.Count(body, []byte("\n"))
		}
		if lines != len(badRecords) {
			t.Errorf("%d dead letters, want %d", lines, len(badRecords))
		}
	})
}

// groupRow is the comparable part of a restaurant or zone KPI row.
type groupRow struct {
	created, delivered, cancelled, gmvCents, n, drivers int64
	mean, p50, p90                                      float64
}

func restaurantRow(k kpi.RestaurantKPI) groupRow {
	return groupRow{k.OrdersCreated, k.OrdersDelivered, k.OrdersCancelled, int64(math.Round(k.GMV * 100)), k.DeliveryCount, 0, k.DeliveryMinMean, k.DeliveryMinP50, k.DeliveryMinP90}
}

func zoneRow(k kpi.ZoneKPI) groupRow {
	return groupRow{k.OrdersCreated, k.OrdersDelivered, k.OrdersCancelled, int64(math.Round(k.GMV * 100)), k.DeliveryCount, k.ActiveDrivers, k.DeliveryMinMean, k.DeliveryMinP50, k.DeliveryMinP90}
}

func compareGroups(t *testing.T, where string, want map[reference.GroupKey]*reference.GroupKPI, got map[reference.GroupKey]groupRow, withDrivers bool) {
	t.Helper()
	if len(want) == 0 {
		t.Fatal("reference is empty")
	}
	bad := 0
	for k, w := range want {
		n, mean, p50, p90 := w.DeliveryStats()
		exp := groupRow{w.Created, w.Delivered, w.Cancelled, w.GMVCents, n, 0, mean, p50, p90}
		if withDrivers {
			exp.drivers = int64(len(w.Drivers))
		}
		g, ok := got[k]
		if !ok || !sameRow(g, exp) {
			if bad++; bad <= 10 {
				t.Errorf("%s %v: got %+v (present=%v), want %+v", where, k, g, ok, exp)
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d", where, len(got), len(want))
	}
}

func sameRow(a, b groupRow) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) < 1e-9 }
	return a.created == b.created && a.delivered == b.delivered && a.cancelled == b.cancelled &&
		a.gmvCents == b.gmvCents && a.n == b.n && a.drivers == b.drivers &&
		near(a.mean, b.mean) && near(a.p50, b.p50) && near(a.p90, b.p90)
}

// scanKPIItems reads the whole KPI table, grouped by partition-key prefix.
func scanKPIItems(t *testing.T, ctx context.Context, c *dynamodb.Client, table string) map[string][]map[string]types.AttributeValue {
	t.Helper()
	out := map[string][]map[string]types.AttributeValue{}
	for _, item := range scanAll(t, ctx, c, table) {
		pk, _ := item["pk"].(*types.AttributeValueMemberS)
		if pk == nil {
			t.Fatalf("item without pk: %v", item)
		}
		prefix := pk.Value[:strings.Index(pk.Value, "#")+1]
		out[prefix] = append(out[prefix], item)
	}
	return out
}

func scanAll(t *testing.T, ctx context.Context, c *dynamodb.Client, table string) []map[string]types.AttributeValue {
	t.Helper()
	var out []map[string]types.AttributeValue
	pages := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String(table)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Items...)
	}
	return out
}

func unmarshalItems[T any](t *testing.T, items []map[string]types.AttributeValue) []T {
	t.Helper()
	var out []T
	if err := attributevalue.UnmarshalListOfMaps(items, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func readObjects(t *testing.T, ctx context.Context, c *s3.Client, bucket, prefix string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	pages := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			obj, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: o.Key})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			_, err = buf.ReadFrom(obj.Body)
			obj.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			out[aws.ToString(o.Key)] = buf.Bytes()
		}
	}
	return out
}

func readParquet[T any](t *testing.T, ctx context.Context, c *s3.Client, bucket, prefix string) []T {
	t.Helper()
	objs := readObjects(t, ctx, c, bucket, prefix)
	if len(objs) == 0 {
		t.Fatalf("no objects under s3://%s/%s", bucket, prefix)
	}
	var out []T
	for key, body := range objs {
		rows, err := parquet.Read[T](bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		out = append(out, rows...)
	}
	return out
}

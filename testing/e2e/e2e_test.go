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
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
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
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	sent, err := reference.ReadJSONLines(&lines)
	if err != nil {
		t.Fatal(err)
	}
	return sent
}

func TestEndToEndEventTypeCounts(t *testing.T) {
	ctx := context.Background()
	st := localstack.Shared(t)
	st.SetEnv(t)
	awsCfg, err := st.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("e2e%d", time.Now().UnixNano()%1e9)
	stream, bucket, table := id+"-events", id+"-lake", id+"-kpis"
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

	cfg := simulator.DefaultConfig()
	cfg.Seed, cfg.Orders = 7, 600
	cfg.Start = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	sent := produce(t, ctx, kinesis.NewFromConfig(awsCfg), stream, cfg)

	opts := delivery.DefaultOptions()
	opts.OnTimeOnly = true // the in-process prism of v2.62 refuses late firings
	opts.MaxSkew = 100 * 365 * 24 * time.Hour
	p, s := beam.NewPipelineWithRoot()
	records := kinesisio.ReadBounded(s, stream, kinesisio.StopAtTip(), kinesisio.WithGroups(2),
		kinesisio.WithWatermarkPolicy(kinesisio.EventTimePolicy(delivery.EventTimeFn, time.Minute)))
	out := delivery.Build(s, delivery.FromKinesis(s, records), opts)
	delivery.WriteAWS(s, out, delivery.Sinks{Bucket: bucket, Prefix: "lake", KPITable: table})
	if err := ptest.Run(p); err != nil {
		t.Fatalf("pipeline: %v", err)
	}

	want := reference.EventTypeCounts(sent, opts.WindowSize, opts.WindowPeriod)
	if len(want) == 0 {
		t.Fatal("reference is empty: the test would prove nothing")
	}

	t.Run("dynamodb", func(t *testing.T) {
		got := map[reference.WindowKey]int64{}
		pages := dynamodb.NewScanPaginator(ddb, &dynamodb.ScanInput{TableName: aws.String(table)})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var items []kpi.EventTypeItem
			if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
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
		}
		if d := reference.Diff(want, got, 20); len(d) > 0 {
			t.Errorf("DynamoDB KPIs differ from the reference (%d windows×types expected):\n%s", len(want), strings.Join(d, "\n"))
		}
	})

	t.Run("parquet", func(t *testing.T) {
		s3c := s3.NewFromConfig(awsCfg, func(o *s3.Options) { o.UsePathStyle = true })
		got := map[reference.WindowKey]int64{}
		pages := s3.NewListObjectsV2Paginator(s3c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("lake/" + delivery.KPITableName + "/")})
		objects := 0
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range page.Contents {
				objects++
				obj, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: o.Key})
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				_, err = buf.ReadFrom(obj.Body)
				obj.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				rows, err := parquet.Read[kpi.EventTypeCount](bytes.NewReader(buf.Bytes()), int64(buf.Len()))
				if err != nil {
					t.Fatalf("%s: %v", aws.ToString(o.Key), err)
				}
				for _, r := range rows {
					got[reference.WindowKey{WindowStart: r.WindowStart, EventType: r.EventType}] += r.Count
				}
			}
		}
		if objects == 0 {
			t.Fatal("no Parquet objects written")
		}
		if d := reference.Diff(want, got, 20); len(d) > 0 {
			t.Errorf("Parquet KPIs differ from the reference:\n%s", strings.Join(d, "\n"))
		}
	})
}

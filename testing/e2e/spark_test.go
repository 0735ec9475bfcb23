//go:build spark

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/spark"

	"github.com/deliverypipe/deliverypipe/io/checkpoint"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery"
	"github.com/deliverypipe/deliverypipe/testing/e2e/compare"
)

// sparkOrders sizes the backfill: small, with every lifecycle path,
// duplicates and out-of-order events (simulator defaults).
const sparkOrders = 300

// TestSparkBackfill runs the backfill graph on the Spark job server of
// runners/spark/jobserver.sh: a bounded Kinesis read up to the tip present at
// start (Spark's portable runner runs bounded pipelines only), the same
// transforms, both sinks; then compares the outputs with the reference.
// Batch fires each window once at the end of input, so the late-pane window
// strategy yields one ON_TIME pane per window.
func TestSparkBackfill(t *testing.T) {
	ctx := context.Background()
	id := fmt.Sprintf("spark%d", time.Now().UnixNano()%1e9)
	useJobServer(t, "spark", "deliverypipe"+id)

	run := newRunnerRun(t, ctx, id, 2)
	cfg := runnerSimConfig(sparkOrders)
	bad := append(timedBadRecords(t, cfg.Start.Add(time.Minute)), badRecords...)
	sent := produce(t, ctx, kinesisClient(run), run.stream, cfg, bad)

	opts := delivery.DefaultOptions()
	want := compare.Expect(sent, opts, len(bad))

	p, s := beam.NewPipelineWithRoot()
	boundedJob(run.stream, opts, delivery.Sinks{Bucket: run.sinks.Bucket, Prefix: run.sinks.Prefix,
		KPITable: run.sinks.KPITable, StatusTable: run.sinks.StatusTable}).Assemble(s, checkpoint.Resume{})
	start := time.Now()
	if _, err := beam.Run(ctx, "spark", p); err != nil {
		t.Fatalf("backfill on Spark: %v", err)
	}
	t.Logf("backfill of %d records took %v on Spark", len(sent)+len(bad), time.Since(start).Round(time.Second))

	got, err := compare.Read(ctx, run.awsCfg, run.sinks)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range compare.Compare(want, got) {
		t.Run(c.Name, func(t *testing.T) {
			for _, d := range c.Diffs {
				t.Error(d)
			}
		})
	}
}

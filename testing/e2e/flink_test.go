//go:build flink

package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/flink"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/deliverypipe/deliverypipe/io/checkpoint"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery"
	"github.com/deliverypipe/deliverypipe/runners/jobcontrol"
	"github.com/deliverypipe/deliverypipe/testing/e2e/compare"
)

// flinkOrders sizes the Flink run: every lifecycle path, duplicates and
// out-of-order events (simulator defaults) even at make test-flink-ci's 100.
var flinkOrders = flag.Int("flink.orders", 300, "orders simulated by TestFlinkStreaming")

const (
	// flinkOutOfOrder is the event-time watermark's delay behind the largest
	// event time read.
	flinkOutOfOrder = 10 * time.Second
	// flinkResultWait bounds the wait for the outputs: the reader's idle
	// advancement moves the watermark at wall-clock speed, and it has to
	// cover flinkOutOfOrder plus the last window and the lifecycle grace
	// (one minute each here) after the stream is read.
	flinkResultWait = 6 * time.Minute
)

// TestFlinkStreaming runs the full streaming graph (unbounded Kinesis read,
// every transform, both sinks, the checkpoint stage) on the Flink job server
// of runners/flink/jobserver.sh with the late-pane window strategy, polls the
// sinks until they equal the reference, waits for the checkpoint table to
// commit up to the last event, cancels the job through the job
// service and checks in the job server's log that Flink completed
// checkpoints of it (runners/flink/conf/config.yaml turns them on).
//
// The stream is finite and read at once, so only the reader's idle
// advancement (a caught-up shard's event-time watermark moves with the wall
// clock) can close the last windows: the test cannot pass without it.
func TestFlinkStreaming(t *testing.T) {
	ctx := context.Background()
	id := fmt.Sprintf("flink%d", time.Now().UnixNano()%1e9)
	jobName := "deliverypipe" + id // letters and digits: Beam rewrites other characters in Flink's job name
	endpoint := useJobServer(t, "flink", jobName)
	logFile := filepath.Join(runnerStackDir("flink"), "jobserver.log")
	logStart := fileSize(t, logFile)

	// One shard: the group watermark is the minimum over its shards, so with
	// several the idle wait grows by the spread of their last event times.
	run := newRunnerRun(t, ctx, id, 1)
	cfg := runnerSimConfig(*flinkOrders)
	bad := timedBadRecords(t, cfg.Start.Add(time.Minute))
	sent := produce(t, ctx, kinesisClient(run), run.stream, cfg, bad)

	opts := delivery.DefaultOptions() // late panes, accumulating, allowed lateness
	opts.WindowSize, opts.WindowPeriod = time.Minute, 30*time.Second
	want := compare.Expect(sent, opts, len(bad))

	p, s := beam.NewPipelineWithRoot()
	sinks := delivery.Sinks{Bucket: run.sinks.Bucket, Prefix: run.sinks.Prefix,
		KPITable: run.sinks.KPITable, StatusTable: run.sinks.StatusTable}
	// The checkpoint stage runs here too: it must work on Flink (event-time
	// timers and value/bag state only).
	cpTable := checkpoint.NewTable(dynamodb.NewFromConfig(run.awsCfg), id+"-cp")
	if err := cpTable.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	src := delivery.DefaultSource(run.stream)
	src.MaxOutOfOrder = flinkOutOfOrder
	delivery.Job{Source: src, Graph: opts, Sinks: sinks, CheckpointTable: id + "-cp"}.Assemble(s, checkpoint.Resume{})

	// Registered first, so that it runs after the cancel below.
	t.Cleanup(func() { removeCheckpoints(t, logFile, logStart, jobName) })
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		_, err := beam.Run(ctx, "flink", p)
		done <- err
	}()
	finished := false
	cancelJob := func() error {
		if finished {
			return nil
		}
		if n, err := jobcontrol.Cancel(ctx, endpoint, jobName); err != nil || n != 1 {
			return fmt.Errorf("Cancel(%s) = %d, %v; want 1 job cancelled", jobName, n, err)
		}
		select {
		case err := <-done:
			finished = true
			return err
		case <-time.After(2 * time.Minute):
			return fmt.Errorf("job %s not stopped 2 min after Cancel", jobName)
		}
	}
	t.Cleanup(func() {
		if err := cancelJob(); err != nil {
			t.Errorf("cancelling %s: %v", jobName, err)
		}
	})

	var checks []compare.Check
	for {
		select {
		case err := <-done:
			finished = true
			t.Fatalf("the streaming job ended by itself (err=%v) before its outputs equalled the reference:\n%s", err, compare.Summary(checks))
		case <-time.After(5 * time.Second):
		}
		got, err := compare.Read(ctx, run.awsCfg, run.sinks)
		if err != nil {
			t.Fatal(err)
		}
		if checks = compare.Compare(want, got); compare.Equal(checks) {
			break
		}
		if time.Since(start) > flinkResultWait {
			t.Fatalf("outputs still differ from the reference %v after submission:\n%s", flinkResultWait, compare.Summary(checks))
		}
	}
	t.Logf("outputs equal the reference %v after submission (%d events, %d windows×types)",
		time.Since(start).Round(time.Second), len(sent), len(want.EventTypes))

	// Cancelling fails the tasks whose SDK harness calls it cuts, and Flink may
	// log a restart before the job reaches CANCELED: restarts count up to here.
	// Once the watermark passes the last event, the stage commits up to it:
	// the windows ending by then (less the allowed lateness) are final.
	lastEvent := int64(0)
	for _, e := range sent {
		lastEvent = max(lastEvent, e.EventTimeMillis)
	}
	wantFinal := lastEvent - opts.AllowedLateness.Milliseconds()
	for {
		entries, err := cpTable.Load(ctx, run.stream)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) == 1 && checkpoint.ResumeFrom(entries).FinalUntil >= wantFinal {
			t.Logf("checkpoint committed until %s %v after submission",
				time.UnixMilli(checkpoint.ResumeFrom(entries).FinalUntil).UTC().Format(time.TimeOnly), time.Since(start).Round(time.Second))
			break
		}
		if time.Since(start) > flinkResultWait+3*time.Minute {
			t.Fatalf("checkpoint table %v: want the one shard committed until at least %s (last event less the allowed lateness)",
				entries, time.UnixMilli(wantFinal).UTC().Format(time.TimeOnly))
		}
		time.Sleep(5 * time.Second)
	}

	logCancel := fileSize(t, logFile)
	if err := cancelJob(); err != nil {
		t.Fatalf("cancelling %s: %v (want it CANCELLED)", jobName, err)
	}
	t.Logf("job cancelled %v after submission", time.Since(start).Round(time.Second))

	completed, restarts := checkpointsAndRestarts(t, logFile, logStart, logCancel, jobName)
	if completed < 1 {
		t.Errorf("no completed Flink checkpoint of %s in %s", jobName, logFile)
	}
	// A restart replays the stream from the last checkpoint (or the start):
	// the outputs may still match, but the job was not healthy.
	if restarts > 0 {
		t.Errorf("Flink restarted %s %d times (see %s)", jobName, restarts, logFile)
	}
	t.Logf("Flink completed %d checkpoints of the job, %d restarts", completed, restarts)
}

func fileSize(t *testing.T, file string) int64 {
	t.Helper()
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatalf("job server log: %v", err)
	}
	return fi.Size()
}

// checkpointsAndRestarts counts Flink's "Completed checkpoint N for job
// <id>" and "switched from state RUNNING to RESTARTING" lines, written
// between offsets from and to, for the Flink job that Beam named after
// jobName ("<jobName>-<user>-<time>-<hex>").
func checkpointsAndRestarts(t *testing.T, file string, from, to int64, jobName string) (completed, restarted int) {
	t.Helper()
	log := readFrom(t, file, from)
	if int64(len(log)) < to-from {
		t.Fatalf("%s shrank during the test: the job server was restarted", file)
	}
	log = log[:to-from]
	id := flinkJobID(log, jobName)
	if id == "" {
		t.Fatalf("the job server log has no Flink job for %s", jobName)
	}
	completed = len(regexp.MustCompile(`Completed checkpoint \d+ for job `+id).FindAll(log, -1))
	return completed, restarts(log, id)
}

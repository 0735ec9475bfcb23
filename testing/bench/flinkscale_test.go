package bench

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/deliverypipe/deliverypipe/pipelines/delivery"
	"github.com/deliverypipe/deliverypipe/runners/jobcontrol"
)

// scaleDeadline bounds TestFullGraphScale's job: past it, the job counts
// as hung.
var scaleDeadline = flag.Duration("scale.deadline", 20*time.Minute, "TestFullGraphScale: a job not done by then is reported as hung, with a goroutine dump and a jstack of the job server")

// TestFullGraphScale is the completion test of issue 16, section 1, that
// make test-flink-scale runs at ≈ 1M events (-orders=250000) once with
// -source=file (Flink's batch translation) and once with -source=stream
// (the streaming translation, every window and order held until the file
// is read, then fired at once: the shape that hung on the data-plane
// deadlock): the full graph over the flags' workload on the Flink job
// server must finish within -scale.deadline, and every table's sink counter
// and files must hold what plain Go computes, with every order's state
// dropped at the end. A job still running at the deadline fails the test
// with this process's goroutines (the LOOPBACK SDK harness) and a jstack of
// the job server, written next to its log as make test-flink-hang does.
// make bench-scale measures the same graph; this test only asserts that it
// completes and is right.
func TestFullGraphScale(t *testing.T) {
	if r := flag.Lookup("runner").Value.String(); r != "flink" {
		t.Skipf("runner %q: make test-flink-scale runs this test on the Flink job server", r)
	}
	if *source != "file" && *source != "stream" && *source != "replay" {
		t.Fatalf("-source=%s: want file (batch), stream or replay (streaming)", *source)
	}
	if *source != "file" {
		// The streaming sources end: this repo's Flink job server keeps
		// sources running unless the job asks it not to (runners/README.md).
		exp := flag.Lookup("experiments").Value.String()
		if !slices.Contains(strings.Split(exp, ","), "shutdown_idle_sources") {
			if err := flag.Set("experiments", strings.TrimPrefix(exp+",shutdown_idle_sources", ",")); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := flag.Set("experiments", exp); err != nil {
					t.Error(err)
				}
			})
		}
	}
	dir := t.TempDir()
	w, err := NewWorkload(dir, *orders, *seed)
	if err != nil {
		t.Fatal(err)
	}
	o := options()
	o.RestaurantsURI, o.DriversURI = w.RestaurantsCSV, w.DriversCSV
	want, err := Plain(context.Background(), w, o.WindowSize, o.WindowPeriod)
	if err != nil {
		t.Fatal(err)
	}
	events := len(w.Lines)
	in := sourceInput(t, w, dir)
	w = nil // the pipeline reads the file; the in-memory copy would only take RAM from it

	out := t.TempDir()
	p, s := beam.NewPipelineWithRoot()
	FullGraph(s, rawSource(t, s, in), o, out)
	start := time.Now()
	done := make(chan error, 1)
	var res beam.PipelineResult
	go func() {
		var err error
		res, err = ptest.RunWithMetrics(p)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the full graph over %d events (-source=%s) failed: %v", events, *source, err)
		}
	case <-time.After(*scaleDeadline):
		// Dump before anything is cancelled, so the stacks show the hang.
		evidence := jobcontrol.DumpHang(jobServerDir(), t.Name()+"-"+*source)
		t.Fatalf("the full graph over %d events (-source=%s) not done after %v: hung (runners/README.md, Known problems). %s",
			events, *source, *scaleDeadline, evidence)
	}
	took := time.Since(start)
	got := checkCounters(t, res, want)
	if facts, forgotten := got[rowsCounter(delivery.OrderFactsTableName)], got["lifecycle.forgotten"]; forgotten != facts {
		t.Errorf("lifecycle.forgotten = %d, want every order (%d facts): state left behind", forgotten, facts)
	}
	checkFiles(t, out, want)
	t.Logf("-source=%s: %d events in %v (%.0f events/s), outputs equal plain Go", *source, events, took.Round(time.Second), float64(events)/took.Seconds())
}

// jobServerDir is the Flink job server's state directory, where its pid
// and log are: JOBSERVER_STACK_DIR, as runners/jobserver.sh reads it, or
// .stack/flink.
func jobServerDir() string {
	if d := os.Getenv("JOBSERVER_STACK_DIR"); d != "" {
		return d
	}
	return filepath.Join("..", "..", ".stack", "flink")
}

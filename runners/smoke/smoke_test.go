//go:build flink || spark

// Package smoke runs small Beam Go pipelines against a local Flink or Spark job server
// (runners/<runner>/jobserver.sh start). It only builds with -tags flink or -tags spark, so a
// plain go test never needs a JVM.
package smoke

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/transforms/stats"

	"github.com/deliverypipe/deliverypipe/runners/jobcontrol"
)

func init() {
	register.Function2x0(splitWords)
	register.Function2x1(formatCount)
	register.Emitter1[string]()
}

func TestMain(m *testing.M) {
	ptest.Main(m)
}

// lines is the input of the word-count pipeline; wantWordCounts derives the expectation from it.
var lines = []string{
	"order placed order paid",
	"courier assigned order picked",
	"order delivered courier idle",
}

// splitWords emits the lower-cased words of a line.
func splitWords(line string, emit func(string)) {
	for _, w := range strings.Fields(line) {
		emit(strings.ToLower(w))
	}
}

// formatCount renders a (word, count) pair, so passert can compare plain strings.
func formatCount(w string, n int) string {
	return fmt.Sprintf("%s=%d", w, n)
}

// wantWordCounts is the reference computation for the word-count pipeline.
func wantWordCounts(in []string) []any {
	counts := map[string]int{}
	for _, l := range in {
		splitWords(l, func(w string) { counts[w]++ })
	}
	var out []any
	for w, n := range counts {
		out = append(out, formatCount(w, n))
	}
	return out
}

// runOn submits p to the job server of runner in LOOPBACK mode (the SDK harness runs inside
// this test process, so no SDK container is needed) and waits for the job to finish.
func runOn(t *testing.T, runner string, p *beam.Pipeline) {
	t.Helper()
	runWithin(t, runner, p, 5*time.Minute)
}

// runWithin is runOn with a deadline. A job still running then is reported as hung, with what
// a diagnosis needs: this process's goroutines (the Go SDK harness) and a jstack of the job
// server, both written next to the job server's log.
func runWithin(t *testing.T, runner string, p *beam.Pipeline, deadline time.Duration) {
	t.Helper()
	endpoint := jobEndpoint(t, runner)
	for name, value := range map[string]string{
		"endpoint":         endpoint,
		"environment_type": "LOOPBACK",
		"job_name":         strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")),
		// These jobs end when their sources do: runners/jvm/LoopbackJobServer.java
		// keeps Flink sources running unless asked to shut them down.
		"experiments": "shutdown_idle_sources",
	} {
		if err := flag.Set(name, value); err != nil {
			t.Fatalf("setting --%s: %v", name, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		_, err := beam.Run(ctx, runner, p)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("pipeline failed on %s at %s: %v", runner, endpoint, err)
		}
	case <-time.After(deadline):
		// Dump before cancelling, so the stacks show the hang rather than its teardown.
		evidence := dumpHang(t, runner)
		t.Fatalf("%s: job on %s (%s) not done after %v: hung (the Fn API data-plane deadlock "+
			"looks like this: runners/README.md, Known problems). %s", t.Name(), runner, endpoint, deadline, evidence)
	}
	t.Logf("%s on %s (%s) took %v", t.Name(), runner, endpoint, time.Since(start).Round(time.Millisecond))
}

// dumpHang writes this process's goroutines and a jstack of the job server into the job
// server's state directory and says where they are (or why one is missing).
func dumpHang(t *testing.T, runner string) string {
	t.Helper()
	return jobcontrol.DumpHang(stackDir(runner), t.Name())
}

// stackDir is the job server's state directory: JOBSERVER_STACK_DIR, as jobserver.sh reads it,
// or .stack/<runner>.
func stackDir(runner string) string {
	if d := os.Getenv("JOBSERVER_STACK_DIR"); d != "" {
		return d
	}
	return filepath.Join("..", "..", ".stack", runner)
}

// jobEndpoint returns <RUNNER>_ENDPOINT, or the endpoint jobserver.sh recorded in stackDir.
func jobEndpoint(t *testing.T, runner string) string {
	t.Helper()
	if e := os.Getenv(strings.ToUpper(runner) + "_ENDPOINT"); e != "" {
		return e
	}
	file := filepath.Join(stackDir(runner), "endpoint")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("no %s job server: set %s_ENDPOINT or run runners/%s/jobserver.sh start (%v)",
			runner, strings.ToUpper(runner), runner, err)
	}
	return strings.TrimSpace(string(b))
}

// wordCountPipeline is beam.Create → ParDo → stats.Count → passert against the reference.
func wordCountPipeline() *beam.Pipeline {
	p, s := beam.NewPipelineWithRoot()
	words := beam.ParDo(s, splitWords, beam.CreateList(s, lines))
	counts := beam.ParDo(s, formatCount, stats.Count(s, words))
	passert.Equals(s, counts, wantWordCounts(lines)...)
	return p
}

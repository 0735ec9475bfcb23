//go:build faults

package e2e

import (
	"context"
	"fmt"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/deliverypipe/deliverypipe/internal/simulator"
	"github.com/deliverypipe/deliverypipe/io/checkpoint"
	"github.com/deliverypipe/deliverypipe/io/kinesisio"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery"
	"github.com/deliverypipe/deliverypipe/testing/e2e/compare"
	"github.com/deliverypipe/deliverypipe/testing/localstack"
	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// killOpts are the graph options of the kill test: small horizons, so the
// replay horizon (archive window + order horizon + dedup horizon = 90 min)
// is well short of the stream's 9 hours of event time; 10-minute windows
// every 5 minutes, so each minute of event time costs the DynamoDB emulator
// few KPI items; and an out-of-order bound above the simulator's lateness,
// so no event is ever late and every window has one pane in every run.
func killOpts() (delivery.Options, []string) {
	o := delivery.DefaultOptions()
	o.WindowSize, o.WindowPeriod = 10*time.Minute, 5*time.Minute
	o.AllowedLateness, o.DedupHorizon, o.OrderHorizon = 2*time.Minute, 10*time.Minute, 70*time.Minute
	flags := []string{"--window-size=10m", "--window-period=5m", "--allowed-lateness=2m", "--dedup-horizon=10m",
		"--order-horizon=70m", "--archive-window=10m", "--max-out-of-order=3m"}
	return o, flags
}

// produceLive puts the payloads in order while the pipeline runs, paced so
// that the stream's event time advances evenly over d (a catch-up of
// history: faster than the wall clock, never past it). A restarted run then
// finds what was produced while it was down, not the whole stream at once.
func produceLive(ctx context.Context, c *kinesis.Client, stream string, evs []event.Event, payloads [][]byte, d time.Duration) <-chan error {
	done := make(chan error, 1)
	go func() {
		w := kinesisio.NewWriter(c, stream)
		first, last := evs[0].EventTimeMillis, evs[0].EventTimeMillis
		for _, e := range evs {
			last = max(last, e.EventTimeMillis)
		}
		start, seen := time.Now(), first
		for i, e := range evs {
			seen = max(seen, e.EventTimeMillis)
			due := start.Add(time.Duration(float64(d) * float64(seen-first) / float64(max(1, last-first))))
			if wait := time.Until(due); wait > 200*time.Millisecond {
				if err := w.Flush(ctx); err != nil {
					done <- err
					return
				}
				time.Sleep(time.Until(due))
			}
			if err := w.Put(ctx, e.OrderID, payloads[i]); err != nil {
				done <- err
				return
			}
		}
		done <- w.Flush(ctx)
	}()
	return done
}

// pipelineBinary builds cmd/pipeline (or takes PIPELINE_BIN).
func pipelineBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PIPELINE_BIN"); p != "" {
		return p
	}
	bin := filepath.Join(t.TempDir(), "pipeline")
	out, err := exec.Command("go", "build", "-o", bin, "../../cmd/pipeline").CombinedOutput()
	if err != nil {
		t.Fatalf("go build cmd/pipeline: %v\n%s", err, out)
	}
	return bin
}

// pipelineRun is one pipeline process group: a prism v2.77 job server and
// the pipeline binary (its LOOPBACK workers inside), killed together.
type pipelineRun struct {
	prism, pipe *exec.Cmd
	done        chan error
	log         *os.File
}

// startRun starts prism and the pipeline in a new process group.
func startRun(t *testing.T, bin string, env []string, args []string, logPath string) *pipelineRun {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	r := &pipelineRun{log: logf, done: make(chan error, 1)}
	r.prism = exec.Command(filepath.Join(root, "bin/prism-2.77"), fmt.Sprintf("--job_port=%d", port), "--serve_http=false")
	r.prism.Stdout, r.prism.Stderr = logf, logf
	r.prism.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := r.prism.Start(); err != nil {
		t.Fatalf("start prism (runners/prism/build.sh builds it): %v", err)
	}
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The prism-server preset: prism's experiments and workarounds (runners/presets), as a user gets them.
	r.pipe = exec.Command(bin, append(args, "--preset=prism-server", fmt.Sprintf("--endpoint=127.0.0.1:%d", port))...)
	r.pipe.Env = append(os.Environ(), env...)
	r.pipe.Stdout, r.pipe.Stderr = logf, logf
	r.pipe.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pgid: r.prism.Process.Pid}
	if err := r.pipe.Start(); err != nil {
		r.kill()
		t.Fatal(err)
	}
	go func() { r.done <- r.pipe.Wait() }()
	return r
}

// kill sends SIGKILL to the whole process group and reaps both processes.
func (r *pipelineRun) kill() {
	syscall.Kill(-r.prism.Process.Pid, syscall.SIGKILL)
	r.prism.Wait()
	if r.pipe != nil && r.pipe.Process != nil {
		<-r.done
	}
	r.log.Close()
}

// shardRecords lists every record of the stream by shard, in order.
func shardRecords(t *testing.T, ctx context.Context, c *kinesis.Client, stream string) map[string][]kinesisio.Position {
	t.Helper()
	shards, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]kinesisio.Position{}
	for _, sh := range shards.Shards {
		it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(stream), ShardId: sh.ShardId, ShardIteratorType: "TRIM_HORIZON"})
		if err != nil {
			t.Fatal(err)
		}
		iter := it.ShardIterator
		for iter != nil {
			got, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range got.Records {
				out[*sh.ShardId] = append(out[*sh.ShardId], kinesisio.Position{Sequence: *r.SequenceNumber, SubSequence: -1})
			}
			if len(got.Records) == 0 && aws.ToInt64(got.MillisBehindLatest) == 0 {
				break
			}
			iter = got.NextShardIterator
		}
	}
	return out
}

// checkOutputs compares the run's KPI items, statuses and Parquet rows with
// the reference over sent, reporting each difference, and counts the events
// lost and doubled in the events archive.
func checkOutputs(t *testing.T, ctx context.Context, r resources, sent []event.Event, opts delivery.Options) (lost, doubled int) {
	t.Helper()
	k := compare.Sinks{Bucket: r.bucket, Prefix: "lake", KPITable: r.table, StatusTable: r.statusTable}
	got, err := compare.Read(ctx, r.aws, k)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range compare.Compare(compare.Expect(sent, opts, 0), got) {
		for _, d := range c.Diffs {
			t.Errorf("%s: %s", c.Name, d)
		}
	}
	archived, err := compare.ArchivedEvents(ctx, r.aws, k)
	if err != nil {
		t.Fatal(err)
	}
	return countLostDoubled(sent, archived)
}

// countLostDoubled compares the archive's rows per event_id with the
// distinct events sent; an archived id never sent counts as doubled.
func countLostDoubled(sent []event.Event, archived map[string]int) (lost, doubled int) {
	distinct := map[string]bool{}
	for _, e := range sent {
		distinct[e.EventID] = true
	}
	for id := range distinct {
		switch n := archived[id]; {
		case n == 0:
			lost++
		case n > 1:
			doubled += n - 1
		}
	}
	for id, n := range archived {
		if !distinct[id] {
			doubled += n
		}
	}
	return lost, doubled
}

// envInt reads a positive integer from the environment, or returns def.
func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// mkLog returns the path of a log file under dir, creating dir.
func mkLog(t *testing.T, dir, name string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

// countAfter counts the records of a shard strictly after p (all when p is
// zero) and up to q (all when q is zero).
func countAfter(recs []kinesisio.Position, p, q kinesisio.Position) int {
	n := 0
	for _, r := range recs {
		if (p.IsZero() || r.After(p)) && (q.IsZero() || !r.After(q)) {
			n++
		}
	}
	return n
}

// newCheckpointedResources creates the resources of a run with a checkpoint
// table, and returns them with the table and the pipeline flags naming them.
func newCheckpointedResources(t *testing.T, ctx context.Context, st *localstack.Stack, prefix string) (resources, *checkpoint.Table, []string) {
	t.Helper()
	r := newResources(t, ctx, st, prefix)
	name := r.stream + "-cp"
	table := checkpoint.NewTable(r.ddb, name)
	if err := table.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	return r, table, []string{"--stream=" + r.stream, "--bucket=" + r.bucket, "--prefix=lake", "--kpi-table=" + r.table,
		"--status-table=" + r.statusTable, "--checkpoint-table=" + name}
}

// TestKill9 produces ≥ 50k events while the unbounded pipeline, with a
// checkpoint table, runs and is SIGKILLed (its process group: prism +
// pipeline) at random moments 10 times, restarting each time from the
// table; a last bounded run finishes at the stream's tip. The final KPI
// items, Parquet rows and statuses must equal the reference, every event
// must be in the archive exactly once, and the checkpoints must have
// advanced between restarts: most restarts skip records, and the committed
// watermark moves forward.
func TestKill9(t *testing.T) {
	ctx := context.Background()
	st := localstack.Shared(t)
	st.SetEnv(t)
	r, table, sinkFlags := newCheckpointedResources(t, ctx, st, "kill")
	cfg := simulator.DefaultConfig()
	// 24 orders a minute: 9 h of event time. 20 restaurants, 100 drivers
	// and a 2 km city keep the KPI items per window few: the DynamoDB
	// emulator's conditional puts are what bounds a run here.
	cfg.Seed, cfg.Orders, cfg.OrdersPerMinute = 29, 13000, 24
	cfg.Restaurants, cfg.Drivers, cfg.City.SizeKm = 20, 100, 2
	// Event time ending two days ago: parse dead-letters events too far
	// ahead of the wall clock.
	cfg.Start = time.Now().UTC().Truncate(time.Hour).Add(-60 * time.Hour)
	cfg.OutOfOrderBy, cfg.LateBy = time.Minute, 2*time.Minute
	evs, payloads, sent := encodeEvents(t, cfg)
	if len(sent) < 50_000 {
		t.Fatalf("%d events generated, want at least 50000", len(sent))
	}

	opts, graphFlags := killOpts()
	bin := pipelineBinary(t)
	args := append(sinkFlags, graphFlags...)
	logs := filepath.Join("..", "..", "out", "kill9")
	os.MkdirAll(logs, 0o755)

	// KILL9_KILLS and KILL9_SECONDS (the shortest run before a kill; runs
	// last up to 120 s more) shorten or lengthen the test. A restart first
	// replays about 160 min of event time (the replay horizon, then the
	// order horizon during which lifecycle holds its watermark) before it
	// commits past where the last run stopped.
	kills, minRun := envInt(t, "KILL9_KILLS", 10), envInt(t, "KILL9_SECONDS", 120)
	rng := rand.New(rand.NewSource(31))
	waits := make([]time.Duration, kills)
	var total time.Duration
	for i := range waits {
		waits[i] = time.Duration(minRun+rng.Intn(120)) * time.Second
		total += waits[i]
	}
	// The stream is produced over the first three quarters of the killed
	// runs' time, so the last runs also catch up with its end.
	produced := produceLive(ctx, kinesis.NewFromConfig(r.aws), r.stream, evs, payloads, total*3/4)
	started := make([]map[string]checkpoint.Entry, 0, kills+1)
	for run := 0; run <= kills; run++ {
		entries, err := table.Load(ctx, r.stream)
		if err != nil {
			t.Fatal(err)
		}
		started = append(started, entries)
		final := run == kills
		a := args
		if final {
			if err := <-produced; err != nil {
				t.Fatalf("producer: %v", err)
			}
			a = append(append([]string{}, args...), "--bounded")
		}
		logPath := filepath.Join(logs, fmt.Sprintf("run%02d.log", run))
		pr := startRun(t, bin, st.Env(), a, logPath)
		if final {
			select {
			case err := <-pr.done:
				pr.done <- err
				pr.kill()
				if err != nil {
					t.Fatalf("final bounded run: %v (log %s)", err, logPath)
				}
			case <-time.After(20 * time.Minute):
				pr.kill()
				t.Fatalf("final bounded run did not finish in 20 min (log %s)", logPath)
			}
		} else {
			select {
			case err := <-pr.done:
				pr.done <- err
				pr.kill()
				t.Fatalf("run %d ended by itself before the kill: %v (log %s)", run, err, logPath)
			case <-time.After(waits[run]):
				pr.kill()
			}
		}
		t.Logf("run %d: started with %d shard checkpoints (final until %s); %s", run, len(entries), finalUntil(entries),
			map[bool]string{true: "bounded, finished", false: fmt.Sprintf("killed after %s", waits[min(run, kills-1)])}[final])
	}

	// Records skipped at each restart (before the stored positions) and
	// re-read (between a position and the furthest record the stage had
	// seen: a lower bound of the replay).
	kc := kinesis.NewFromConfig(r.aws)
	recs := shardRecords(t, ctx, kc, r.stream)
	records := 0
	for _, rs := range recs {
		records += len(rs)
	}
	replayed, resumedRuns, advanced := 0, 0, 0
	for run, entries := range started {
		skipped, reread := 0, 0
		for id, e := range entries {
			skipped += len(recs[id]) - countAfter(recs[id], e.Position(), kinesisio.Position{})
			if e.ReadSequence != "" {
				reread += countAfter(recs[id], e.Position(), kinesisio.Position{Sequence: e.ReadSequence, SubSequence: 1 << 40})
			}
		}
		if skipped > 0 {
			resumedRuns++
		}
		if run > 0 && len(entries) > 0 && (len(started[run-1]) == 0 || checkpoint.ResumeFrom(entries).FinalUntil > checkpoint.ResumeFrom(started[run-1]).FinalUntil) {
			advanced++
		}
		replayed += reread
		t.Logf("restart %d: final until %s, %d of %d records skipped, >= %d re-read", run, finalUntil(entries), skipped, records, reread)
	}

	lost, doubled := checkOutputs(t, ctx, r, sent, opts)
	distinct := map[string]bool{}
	for _, e := range sent {
		distinct[e.EventID] = true
	}
	entries, err := table.Load(ctx, r.stream)
	if err != nil {
		t.Fatal(err)
	}
	for id, e := range entries {
		if e.WatermarkMillis != checkpoint.FinalWatermark || e.Position() != recs[id][len(recs[id])-1] {
			t.Errorf("after the bounded run, shard %s: %+v, want its last record at the final watermark", id, e)
		}
	}
	t.Logf("RESULT events=%d records=%d distinct=%d kills=%d resumed_runs=%d advanced=%d records_reread>=%d lost=%d doubled=%d (sinks %s)",
		len(sent), records, len(distinct), kills, resumedRuns, advanced, replayed, lost, doubled, strings.Join([]string{r.bucket, r.table}, ","))
	if lost != 0 || doubled != 0 {
		t.Errorf("events archive: %d lost, %d doubled", lost, doubled)
	}
	if resumedRuns < kills/2 {
		t.Errorf("only %d of %d restarts skipped records: the checkpoint did not advance", resumedRuns, kills)
	}
	if advanced < kills/2 {
		t.Errorf("the committed watermark moved forward at only %d of %d restarts", advanced, kills)
	}
}

// finalUntil formats the committed watermark of a table's entries.
func finalUntil(entries map[string]checkpoint.Entry) string {
	if len(entries) == 0 {
		return "none"
	}
	return time.UnixMilli(checkpoint.ResumeFrom(entries).FinalUntil).UTC().Format("Jan 2 15:04")
}

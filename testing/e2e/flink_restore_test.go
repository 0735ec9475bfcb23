//go:build flink

package e2e

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/deliverypipe/deliverypipe/internal/simulator"
	"github.com/deliverypipe/deliverypipe/io/checkpoint"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery"
	"github.com/deliverypipe/deliverypipe/runners/jobcontrol"
	"github.com/deliverypipe/deliverypipe/testing/e2e/compare"
	"github.com/deliverypipe/deliverypipe/testing/reference"
	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// The sizes of TestFlinkRestoreFromCheckpoint. The defaults are make test's
// small version (make test-flink-ci: ≈ 4,500 events, the backlog ≈ 3,600);
// make test-flink-scale produces a backlog of SCALE_ORDERS (250,000 orders,
// ≈ 1M events).
var (
	restoreOrders  = flag.Int("flink.restore.orders", 200, "TestFlinkRestoreFromCheckpoint: orders produced before the first job (≈ 4.5 events each)")
	restoreBacklog = flag.Int("flink.restore.backlog", 800, "TestFlinkRestoreFromCheckpoint: orders produced while the job is stopped, the backlog the restored job catches up with")
	restoreShards  = flag.Int("flink.restore.shards", 2, "TestFlinkRestoreFromCheckpoint: shards of the stream")
	restoreLate    = flag.Bool("flink.restore.late", false, "TestFlinkRestoreFromCheckpoint: the simulator's own out-of-order and late events (up to 8 min behind) instead of none behind the watermark: reproduces the archive overwrite after a restore (runners/README.md, Known problems)")
	restoreWait    = flag.Duration("flink.restore.wait", 8*time.Minute, "TestFlinkRestoreFromCheckpoint: how long the restored job may take to equal the reference; a job still behind then is reported as hung, with a goroutine dump and a jstack")
)

// restoreOrdersPerMinute keeps the event-time span, hence the windows and
// the KPI items the DynamoDB emulator must take, small at a million events:
// 250,000 orders span about 4 h of event time. Few restaurants and drivers
// do the same for the items per window.
const restoreOrdersPerMinute = 1000

// TestFlinkRestoreFromCheckpoint stops a streaming job and restores it from
// its last Flink checkpoint with a backlog to catch up with, as an operator
// restarts a job on EMR:
//
//  1. The first part of a simulated stream is produced, and the full
//     streaming graph (unbounded Kinesis read, both sinks, the checkpoint
//     stage) runs on the Flink job server until every order of that part
//     has a status and two more Flink checkpoints have completed.
//  2. The Flink job is cancelled (Flink's REST API, as `flink cancel` on
//     EMR); Flink keeps its last completed checkpoint
//     (runners/flink/conf/config.yaml: RETAIN_ON_CANCELLATION).
//  3. The rest of the stream, the backlog, is produced while no job runs.
//  4. The same pipeline is submitted again with
//     --experiments=savepoint_path=<that checkpoint> (runners/README.md,
//     "Restoring a job from a checkpoint"); Flink must report the new job
//     restored from that checkpoint.
//  5. The restored job must catch up: every KPI in DynamoDB and Parquet,
//     every order status and the dead letters must equal the reference
//     over the whole stream within -flink.restore.wait, and the events
//     archive must hold every distinct event exactly once: what the first
//     job wrote after its checkpoint is written again on replay, and the
//     sinks must make that a rewrite, not a second copy.
//
// A restored job that read the stream from its start instead would still
// produce the same outputs (the sinks are idempotent), so the test also
// checks, from the reader's counter in Flink's metrics, that the restored
// job read the backlog but not the whole stream again. Neither job may
// restart before it is cancelled.
func TestFlinkRestoreFromCheckpoint(t *testing.T) {
	ctx := context.Background()
	id := fmt.Sprintf("restore%d", time.Now().UnixNano()%1e9)
	jobName := "deliverypipe" + id // letters and digits, see TestFlinkStreaming
	endpoint := useJobServer(t, "flink", jobName)
	stackDir := runnerStackDir("flink")
	logFile := filepath.Join(stackDir, "jobserver.log")

	run := newRunnerRun(t, ctx, id, int32(*restoreShards))
	cfg := restoreSimConfig(*restoreOrders + *restoreBacklog)
	evs, payloads, sent := encodeEvents(t, cfg)
	split := len(evs) * *restoreOrders / (*restoreOrders + *restoreBacklog)
	bad := timedBadRecords(t, cfg.Start.Add(time.Second))
	backlogBad := timedBadRecordsNamed(t, time.UnixMilli(evs[split].EventTimeMillis), "backlog-bad")
	putEvents(t, ctx, kinesisClient(run), run.stream, evs[:split], payloads[:split], bad)
	firstOrders := distinctOrders(evs[:split])
	t.Logf("%d events in all (%d distinct orders); %d events, %d orders before the stop",
		len(evs), distinctOrders(evs), split, firstOrders)

	opts := delivery.DefaultOptions() // late panes, accumulating, allowed lateness
	// One-minute windows as in TestFlinkStreaming: the last windows close
	// with the reader's idle advancement, at wall-clock speed.
	opts.WindowSize, opts.WindowPeriod = time.Minute, 30*time.Second
	want := compare.Expect(sent, opts, len(bad)+len(backlogBad))
	cpTable := checkpoint.NewTable(dynamodb.NewFromConfig(run.awsCfg), id+"-cp")
	if err := cpTable.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	// Both submissions build the same graph: Flink maps the checkpoint's
	// state to operators by their uid, the transforms' unique names.
	pipeline := func() *beam.Pipeline {
		p, s := beam.NewPipelineWithRoot()
		src := delivery.DefaultSource(run.stream)
		src.MaxOutOfOrder = flinkOutOfOrder
		// One-minute archive windows: the last one closes with the reader's
		// idle advancement too (the default hour would take an hour).
		sinks := delivery.Sinks{Bucket: run.sinks.Bucket, Prefix: run.sinks.Prefix, KPITable: run.sinks.KPITable,
			StatusTable: run.sinks.StatusTable, ArchiveWindow: time.Minute}
		delivery.Job{Source: src, Graph: opts, Sinks: sinks, CheckpointTable: id + "-cp"}.Assemble(s, checkpoint.Resume{})
		return p
	}

	// 1. The first job, until it has read the first part and checkpointed it.
	logStart := fileSize(t, logFile)
	// Registered before the job, so that it runs after the job's own cleanup.
	t.Cleanup(func() { removeCheckpoints(t, logFile, logStart, jobName) })
	firstStart := time.Now()
	first := startStreamingJob(t, ctx, endpoint, jobName, pipeline())
	firstID := waitFlinkJobID(t, logFile, logStart, jobName, first, 3*time.Minute)
	waitFor(t, "every order of the first part to have a status", 5*time.Minute, first, func() (bool, string) {
		n, err := countItems(ctx, run.awsCfg, run.sinks.StatusTable)
		if err != nil {
			t.Fatal(err)
		}
		return n >= firstOrders, fmt.Sprintf("%d of %d orders have a status", n, firstOrders)
	})
	t.Logf("first job: every order of the first part has a status %v after submission", time.Since(firstStart).Round(time.Second))
	atRead := completedCheckpoints(t, logFile, logStart, firstID)
	waitFor(t, "two more completed checkpoints", 2*time.Minute, first, func() (bool, string) {
		n := completedCheckpoints(t, logFile, logStart, firstID)
		return len(n) >= len(atRead)+2, fmt.Sprintf("%d checkpoints completed", len(n))
	})

	// 2. Stop it, keeping its last checkpoint.
	logCancel := fileSize(t, logFile)
	first.cancelInFlink(t, logFile, logStart, firstID)
	done := completedCheckpoints(t, logFile, logStart, firstID)
	last := done[len(done)-1]
	chk := filepath.Join(stackDir, "checkpoints", firstID, "chk-"+strconv.Itoa(last))
	if _, err := os.Stat(filepath.Join(chk, "_metadata")); err != nil {
		t.Fatalf("checkpoint %d of the cancelled job was not retained: %v (RETAIN_ON_CANCELLATION in runners/flink/conf/config.yaml)", last, err)
	}
	if n := restarts(readFrom(t, logFile, logStart)[:logCancel-logStart], firstID); n > 0 {
		t.Errorf("Flink restarted the first job %d times before the cancel (see %s)", n, logFile)
	}
	t.Logf("first job cancelled after %d completed checkpoints; restoring %s", len(done), chk)

	// 3. The backlog, produced while no job runs.
	start := time.Now()
	putEvents(t, ctx, kinesisClient(run), run.stream, evs[split:], payloads[split:], backlogBad)
	t.Logf("backlog of %d events produced in %v", len(evs)-split, time.Since(start).Round(time.Second))

	// 4. The same pipeline again, restored from the checkpoint.
	abs, err := filepath.Abs(chk)
	if err != nil {
		t.Fatal(err)
	}
	setExperiments(t, "savepoint_path=file://"+abs)
	logRestore := fileSize(t, logFile)
	start = time.Now()
	t.Cleanup(func() { removeCheckpoints(t, logFile, logRestore, jobName) })
	second := startStreamingJob(t, ctx, endpoint, jobName, pipeline())
	secondID := waitFlinkJobID(t, logFile, logRestore, jobName, second, 3*time.Minute)
	rest := flinkREST(t, logFile, logRestore)
	var cps flinkCheckpoints
	restFrom := "/" + firstID + "/chk-" + strconv.Itoa(last)
	waitFor(t, "Flink to report the job restored from "+chk, 2*time.Minute, second, func() (bool, string) {
		cps = flinkCheckpoints{}
		getJSON(t, ctx, rest+"/jobs/"+secondID+"/checkpoints", &cps)
		r := cps.Latest.Restored
		return r != nil && r.ID == last && strings.HasSuffix(r.ExternalPath, restFrom), fmt.Sprintf("restored: %+v", r)
	})

	// 5. Caught up: first the reader (cheap to ask, so the sinks are not
	// scanned while the job catches up), then the outputs equal the
	// reference and the archive holds each event once.
	records, backlog := int64(len(evs)+len(bad)+len(backlogBad)), int64(len(evs)-split+len(backlogBad))
	var read int64
	waitFor(t, "the restored job to read the backlog", *restoreWait, second, func() (ok bool, _ string) {
		read, ok = readerRecords(t, ctx, rest, secondID)
		return ok && read >= backlog, fmt.Sprintf("%d of the backlog's %d records read (Flink's kinesisio_records metric)", read, backlog)
	})
	t.Logf("restored job: the backlog's %d records read %v after submission", backlog, time.Since(start).Round(time.Second))
	distinct := reference.Dedup(sent)
	var archived map[string]int
	waitFor(t, "the restored job's outputs to equal the reference", *restoreWait, second, func() (bool, string) {
		got, err := compare.Read(ctx, run.awsCfg, run.sinks)
		if err != nil {
			t.Fatal(err)
		}
		if checks := compare.Compare(want, got); !compare.Equal(checks) {
			return false, compare.Summary(checks)
		}
		// The archive's last window closes last: wait for every event in it.
		if archived, err = compare.ArchivedEvents(ctx, run.awsCfg, run.sinks); err != nil {
			t.Fatal(err)
		}
		missing, lo, hi := 0, int64(math.MaxInt64), int64(math.MinInt64)
		for _, e := range distinct {
			if archived[e.EventID] == 0 {
				missing++
				lo, hi = min(lo, e.EventTimeMillis), max(hi, e.EventTimeMillis)
			}
		}
		return missing == 0, fmt.Sprintf("KPIs, statuses and dead letters equal the reference; %d of %d events not archived yet, event times %s to %s (the stream's %s to %s)",
			missing, len(distinct), clock(lo), clock(hi), clock(evs[0].EventTimeMillis), clock(lastEventTime(evs)))
	})
	t.Logf("restored job: outputs equal the reference %v after submission (%d events behind at the restore)",
		time.Since(start).Round(time.Second), len(evs)-split)
	checkArchive(t, archived, distinct)

	read, _ = readerRecords(t, ctx, rest, secondID)
	logEnd := fileSize(t, logFile)
	second.cancelInFlink(t, logFile, logRestore, secondID)
	log := readFrom(t, logFile, logRestore)[:logEnd-logRestore]
	if n, completed := restarts(log, secondID), completedCheckpoints(t, logFile, logRestore, secondID); n > 0 || len(completed) == 0 {
		t.Errorf("restored job: %d checkpoints completed, %d restarts (want some, and none; see %s)", len(completed), n, logFile)
	}
	// The backlog's records, and not the first part's again: a job that
	// restored no reader state would have started at the trim horizon (and
	// the idempotent sinks would hide it).
	if read >= records {
		t.Errorf("the restored job read %d records, the whole stream's %d again; want the backlog's %d and what the first job read after its checkpoint",
			read, records, backlog)
	}
	t.Logf("the restored job read %d of the stream's %d records (backlog %d)", read, records, backlog)
}

// restoreSimConfig is runnerSimConfig(orders) at restoreOrdersPerMinute,
// with few restaurants and drivers, ending at least an hour before now.
// Unless -flink.restore.late, out-of-order and late events come at most
// 5 s behind, within the reader's watermark bound (flinkOutOfOrder): an
// event behind the watermark that reaches an archive window already
// written before the checkpoint makes the restored job write that window
// again with that event alone (runners/README.md, Known problems).
func restoreSimConfig(orders int) simulator.Config {
	cfg := runnerSimConfig(orders)
	if !*restoreLate {
		cfg.OutOfOrderBy, cfg.LateBy = 5*time.Second, 5*time.Second
	}
	cfg.OrdersPerMinute = restoreOrdersPerMinute
	cfg.Restaurants, cfg.Drivers = 50, 500
	span := time.Duration(float64(orders)/cfg.OrdersPerMinute*float64(time.Minute)) + time.Hour
	cfg.Start = time.Now().Add(-span).Truncate(time.Minute)
	return cfg
}

// clock formats an event time in milliseconds as UTC time of day.
func clock(ms int64) string { return time.UnixMilli(ms).UTC().Format(time.TimeOnly) }

// lastEventTime is the largest event time of evs.
func lastEventTime(evs []event.Event) int64 {
	last := int64(math.MinInt64)
	for _, e := range evs {
		last = max(last, e.EventTimeMillis)
	}
	return last
}

// distinctOrders counts the orders evs belong to.
func distinctOrders(evs []event.Event) int {
	seen := map[string]bool{}
	for _, e := range evs {
		seen[e.OrderID] = true
	}
	return len(seen)
}

// streamingJob is an unbounded job on the Flink job server, run by
// beam.Run in a goroutine until it is cancelled through the job service.
type streamingJob struct {
	t        *testing.T
	ctx      context.Context
	endpoint string
	name     string
	done     chan runResult
	finished bool
	result   runResult
}

type runResult struct {
	res beam.PipelineResult
	err error
}

// startStreamingJob submits p as jobName and cancels it when the test ends,
// unless it has been stopped before.
func startStreamingJob(t *testing.T, ctx context.Context, endpoint, jobName string, p *beam.Pipeline) *streamingJob {
	t.Helper()
	j := &streamingJob{t: t, ctx: ctx, endpoint: endpoint, name: jobName, done: make(chan runResult, 1)}
	go func() {
		res, err := beam.Run(ctx, "flink", p)
		j.done <- runResult{res, err}
	}()
	t.Cleanup(func() {
		if _, err := j.stop(); err != nil {
			t.Errorf("cancelling %s: %v", jobName, err)
		}
	})
	return j
}

// ended reports, without waiting, whether the job has ended by itself, and
// with what error. A nil job has not.
func (j *streamingJob) ended() (bool, error) {
	if j == nil {
		return false, nil
	}
	if j.finished {
		return true, j.result.err
	}
	select {
	case r := <-j.done:
		j.finished, j.result = true, r
		return true, r.err
	default:
		return false, nil
	}
}

// cancelInFlink cancels the job's Flink job, id, through the REST API of
// the embedded cluster that runs it (its address is in the job server's log
// after offset from), as `flink cancel` does on EMR, and waits until Flink
// reports it CANCELED and beam.Run has returned. A cancel through the Beam
// job service (stop) only drops the invocation: the Go SDK harness goes
// away, and the Flink job fails its bundles, restarts twice and ends FAILED
// (Flink keeps its last checkpoint then too, but may take new ones first).
func (j *streamingJob) cancelInFlink(t *testing.T, logFile string, from int64, id string) {
	t.Helper()
	req, err := http.NewRequestWithContext(j.ctx, http.MethodPatch, flinkREST(t, logFile, from)+"/jobs/"+id+"?mode=cancel", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("cancelling Flink job %s: %v", id, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("cancelling Flink job %s: %s %s", id, resp.Status, body)
	}
	canceled := regexp.MustCompile(`\(` + id + `\) switched from state \S+ to CANCELED\.`)
	waitFor(t, "Flink to cancel job "+id, 2*time.Minute, nil, func() (bool, string) {
		return canceled.Match(readFrom(t, logFile, from)), "no line matching " + canceled.String() + " in " + logFile
	})
	if j.finished {
		return
	}
	select {
	case r := <-j.done:
		// beam.Run reports the cancelled Flink job as a failure.
		j.finished, j.result = true, runResult{r.res, nil}
	case <-time.After(2 * time.Minute):
		t.Fatalf("beam.Run of %s did not return 2 min after Flink cancelled the job", j.name)
	}
}

// restarts counts the restarts of Flink job id in log.
func restarts(log []byte, id string) int {
	return len(regexp.MustCompile(`\(`+id+`\) switched from state RUNNING to RESTARTING`).FindAll(log, -1))
}

// stop cancels the job through the job service (unless it has ended) and
// returns what beam.Run returned: a cancelled job's run returns no error.
func (j *streamingJob) stop() (beam.PipelineResult, error) {
	if ended, _ := j.ended(); ended {
		return j.result.res, nil
	}
	if n, err := jobcontrol.Cancel(j.ctx, j.endpoint, j.name); err != nil || n != 1 {
		return nil, fmt.Errorf("Cancel(%s) = %d, %w; want 1 job cancelled", j.name, n, err)
	}
	select {
	case r := <-j.done:
		j.finished, j.result = true, r
		if r.err != nil {
			return r.res, fmt.Errorf("job %s after Cancel: %w", j.name, r.err)
		}
		return r.res, nil
	case <-time.After(2 * time.Minute):
		return nil, fmt.Errorf("job %s not stopped 2 min after Cancel", j.name)
	}
}

// waitFor polls cond until it holds, failing the test when the job (if not
// nil) ends by itself or d has passed. A job still running then is reported as hung,
// with a goroutine dump and a jstack of the job server (jobcontrol.DumpHang)
// taken before anything is cancelled. The poll interval grows with the time
// cond takes (reading every output of a million-event run takes seconds).
func waitFor(t *testing.T, what string, d time.Duration, j *streamingJob, cond func() (ok bool, status string)) {
	t.Helper()
	start := time.Now()
	deadline, progress := start.Add(d), start.Add(time.Minute)
	for {
		began := time.Now()
		ok, status := cond()
		if ok {
			return
		}
		// A long wait says how it goes, once a minute: a million-event
		// catch-up takes a while, and a stall shows as the same line.
		if time.Now().After(progress) {
			t.Logf("%v waiting for %s: %s", time.Since(start).Round(time.Second), what, firstLines(status))
			progress = time.Now().Add(time.Minute)
		}
		if ended, err := j.ended(); j != nil && ended {
			t.Fatalf("the streaming job ended by itself (err=%v) while waiting for %s:\n%s", err, what, status)
		}
		if time.Now().After(deadline) {
			evidence := jobcontrol.DumpHang(runnerStackDir("flink"), t.Name())
			t.Fatalf("still waiting for %s after %v: hung or too slow. %s\n%s", what, d, evidence, status)
		}
		time.Sleep(max(2*time.Second, 2*time.Since(began)))
	}
}

// firstLines shortens a status of waitFor to one line: each unindented
// line (a compare.Summary check) with its first indented one (its first
// difference).
func firstLines(status string) string {
	var out []string
	indented := false
	for _, l := range strings.Split(status, "\n") {
		switch {
		case l == "":
		case !strings.HasPrefix(l, "  "):
			out, indented = append(out, l), false
		case !indented:
			out[len(out)-1] += " (" + strings.TrimSpace(l) + ")"
			indented = true
		}
	}
	return strings.Join(out, "; ")
}

// waitFlinkJobID waits until the job server's log, from offset from, shows
// the Flink job of jobName running, and returns its Flink job id.
func waitFlinkJobID(t *testing.T, logFile string, from int64, jobName string, j *streamingJob, d time.Duration) string {
	t.Helper()
	var id string
	waitFor(t, "Flink to run "+jobName, d, j, func() (bool, string) {
		id = flinkJobID(readFrom(t, logFile, from), jobName)
		return id != "", "no running Flink job for " + jobName + " in " + logFile
	})
	return id
}

// flinkJobID is the id of the Flink job Beam named after jobName that log
// shows going from CREATED to RUNNING, or "".
func flinkJobID(log []byte, jobName string) string {
	m := regexp.MustCompile(`Job ` + regexp.QuoteMeta(jobName) + `-\S* \(([0-9a-f]{32})\) switched from state CREATED to RUNNING`).FindSubmatch(log)
	if m == nil {
		return ""
	}
	return string(m[1])
}

// completedCheckpoints lists, in order, the checkpoints of Flink job id that
// the log shows completed after offset from.
func completedCheckpoints(t *testing.T, logFile string, from int64, id string) []int {
	t.Helper()
	var out []int
	for _, m := range regexp.MustCompile(`Completed checkpoint (\d+) for job `+id).FindAllSubmatch(readFrom(t, logFile, from), -1) {
		n, err := strconv.Atoi(string(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// readFrom reads file from offset from on.
func readFrom(t *testing.T, file string, from int64) []byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) < from {
		t.Fatalf("%s shrank during the test: the job server was restarted", file)
	}
	return b[from:]
}

// removeCheckpoints deletes what Flink retained of the job that the log
// shows starting as jobName after offset from, once the log shows it
// ended: with RETAIN_ON_CANCELLATION (runners/flink/conf) every cancelled
// or failed job leaves its last checkpoint behind, and a job cancelled
// through the Beam job service is still failing and restarting for a few
// seconds after beam.Run has returned.
func removeCheckpoints(t *testing.T, logFile string, from int64, jobName string) {
	t.Helper()
	id := flinkJobID(readFrom(t, logFile, from), jobName)
	if id == "" {
		return
	}
	ended := regexp.MustCompile(`\(` + id + `\) switched from state \S+ to (CANCELED|FAILED|FINISHED)\.`)
	for deadline := time.Now().Add(time.Minute); !ended.Match(readFrom(t, logFile, from)); time.Sleep(time.Second) {
		if time.Now().After(deadline) {
			t.Logf("Flink job %s has not ended a minute after the test: its checkpoints stay in %s", id, runnerStackDir("flink"))
			return
		}
	}
	if err := os.RemoveAll(filepath.Join(runnerStackDir("flink"), "checkpoints", id)); err != nil {
		t.Errorf("removing the checkpoints of Flink job %s: %v", id, err)
	}
}

// setExperiments sets Beam's --experiments for the jobs submitted after it,
// and restores the previous value when the test ends.
func setExperiments(t *testing.T, v string) {
	t.Helper()
	f := flag.Lookup("experiments")
	if f == nil {
		t.Fatal("no --experiments flag: is the beam package linked in?")
	}
	old := f.Value.String()
	if old != "" {
		v = old + "," + v
	}
	if err := flag.Set("experiments", v); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := flag.Set("experiments", old); err != nil {
			t.Error(err)
		}
	})
}

// countItems counts the items of a DynamoDB table.
func countItems(ctx context.Context, cfg aws.Config, table string) (int, error) {
	c := dynamodb.NewFromConfig(cfg)
	n := 0
	p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String(table), Select: "COUNT"})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, fmt.Errorf("counting the items of %s: %w", table, err)
		}
		n += int(page.Count)
	}
	return n, nil
}

// flinkREST is the address of the REST API of the embedded Flink cluster
// that runs the job submitted after offset from of the job server's log
// (Beam starts one cluster per job).
func flinkREST(t *testing.T, logFile string, from int64) string {
	t.Helper()
	m := regexp.MustCompile(`Rest endpoint listening at (\S+)`).FindSubmatch(readFrom(t, logFile, from))
	if m == nil {
		t.Fatalf("no Flink REST endpoint in %s after offset %d", logFile, from)
	}
	return "http://" + string(m[1])
}

// flinkCheckpoints is the part of Flink's /jobs/<id>/checkpoints that the
// test reads.
type flinkCheckpoints struct {
	Latest struct {
		Restored *struct {
			ID           int    `json:"id"`
			ExternalPath string `json:"external_path"`
		} `json:"restored"`
	} `json:"latest"`
}

// getJSON decodes the answer of a GET of addr into v.
func getJSON(t *testing.T, ctx context.Context, addr string, v any) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", addr, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s (%v)", addr, resp.Status, body, err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v in %s", addr, err, body)
	}
}

// readerRecords sums, over the vertices and subtasks of the running Flink
// job id, the Kinesis reader's records counter, which Beam's Flink runner
// reports as a Flink metric "<vertex>.kinesisio_records". Flink metrics
// start at zero in every job, restored or not: this is what the job read.
// ok is false while Flink lists no such metric: its REST API fetches metrics
// from the task managers every few seconds, and lists none before that.
// (The Beam job service reports no metrics of a running Flink job.)
func readerRecords(t *testing.T, ctx context.Context, rest, id string) (n int64, ok bool) {
	t.Helper()
	var job struct {
		Vertices []struct {
			ID string `json:"id"`
		} `json:"vertices"`
	}
	getJSON(t, ctx, rest+"/jobs/"+id, &job)
	for _, v := range job.Vertices {
		base := rest + "/jobs/" + id + "/vertices/" + v.ID + "/subtasks/metrics"
		var names []struct {
			ID string `json:"id"`
		}
		getJSON(t, ctx, base, &names)
		for _, m := range names {
			if !strings.HasSuffix(m.ID, ".kinesisio_records") {
				continue
			}
			var sums []struct {
				Sum float64 `json:"sum"`
			}
			getJSON(t, ctx, base+"?agg=sum&get="+url.QueryEscape(m.ID), &sums)
			for _, s := range sums {
				n, ok = n+int64(s.Sum), true
			}
		}
	}
	return n, ok
}

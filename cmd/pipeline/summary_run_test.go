package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/deliverypipe/deliverypipe/io/kinesisio"
	"github.com/deliverypipe/deliverypipe/testing/localstack"
)

// TestRunSummary runs the binary on bounded streams and checks what a user
// reads at the end: the seed's own records (no event_id, no schema_version)
// are valid, their re-sent copy dropped, and the run ends with one summary
// line and exit 0; a stream of mostly malformed records makes the run exit
// non-zero naming the main reason.
func TestRunSummary(t *testing.T) {
	ctx := context.Background()
	st := localstack.Shared(t)
	seed := seedRecords(t)
	malformed := []string{`{"event_type":"order_created"`, `{"event_type":`, `not json`}
	for _, tc := range []struct {
		name     string
		records  []string
		wantCode int
		want     []string
	}{
		// 29 lines, 27 distinct events: one byte-identical re-send and one
		// re-serialised copy (testing/fixtures/seed).
		{"seed records", seed, 0, []string{"msg=summary", "read=29", "valid=29", "dead_letters=0", "duplicates_dropped=2"}},
		{"mostly malformed", append(append([]string{}, seed[:2]...), malformed...), 1,
			[]string{"msg=summary", "read=5", "dead_letters=3", "dead-lettered, more than --max-dead-letter-ratio=0.5", "main reason malformed_json (3 records)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stream, id := streamOf(t, ctx, st, tc.records)
			code, out := runBinary(t, append(os.Environ(), st.Env()...), "--stream="+stream, "--bucket="+id+"-lake",
				"--kpi-table="+id+"-kpis", "--create-missing", "--bounded", "--progress-every=0")
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.wantCode, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if n := strings.Count(out, "msg=summary"); n != 1 {
				t.Errorf("%d summary lines, want 1", n)
			}
		})
	}
}

// streamOf creates a one-shard stream on st holding records, in order,
// and returns its name (with the id that names the run's other resources).
func streamOf(t *testing.T, ctx context.Context, st *localstack.Stack, records []string) (stream, id string) {
	t.Helper()
	awsCfg, err := st.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id = fmt.Sprintf("run%d", time.Now().UnixNano()%1e9)
	stream = id + "-events"
	if err := st.CreateStream(ctx, stream, 1); err != nil {
		t.Fatal(err)
	}
	w := kinesisio.NewWriter(kinesis.NewFromConfig(awsCfg), stream)
	for i, r := range records {
		if err := w.Put(ctx, fmt.Sprint(i), []byte(r)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	return stream, id
}

// seedRecords are the seed fixture's lines: 29 records, 27 distinct events
// (testing/fixtures/seed).
func seedRecords(t *testing.T) []string {
	return readLines(t, filepath.Join("..", "..", "testing", "fixtures", "seed", "events.jsonl"))
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// TestProgressUnbounded runs the binary unbounded on the seed's records and
// waits for a periodic progress line with the counts of the running job.
func TestProgressUnbounded(t *testing.T) {
	ctx := context.Background()
	st := localstack.Shared(t)
	stream, id := streamOf(t, ctx, st, seedRecords(t))
	cmd := exec.Command(pipelineBinary(t), "--stream="+stream, "--bucket="+id+"-lake", "--kpi-table="+id+"-kpis",
		"--create-missing", "--progress-every=2s")
	cmd.Env = append(os.Environ(), st.Env()...)
	out, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if l := sc.Text(); strings.Contains(l, "msg=progress") && strings.Contains(l, "read=29 ") {
				found <- l
				return
			}
		}
		close(found)
	}()
	select {
	case l, ok := <-found:
		if !ok {
			t.Fatal("the pipeline ended without a progress line with read=29")
		}
		for _, w := range []string{"valid=29", "dead_letters=0", "duplicates_dropped=2", "per_second="} {
			if !strings.Contains(l, w) {
				t.Errorf("progress line lacks %q: %s", w, l)
			}
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("no progress line with read=29 within 2 minutes")
	}
}

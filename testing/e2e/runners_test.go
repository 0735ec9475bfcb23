//go:build flink || spark

package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/deliverypipe/deliverypipe/internal/simulator"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery/tables"
	"github.com/deliverypipe/deliverypipe/runners/presets"
	"github.com/deliverypipe/deliverypipe/testing/e2e/compare"
	"github.com/deliverypipe/deliverypipe/testing/localstack"
	"github.com/deliverypipe/deliverypipe/transforms/event"
	"github.com/deliverypipe/deliverypipe/transforms/parse"
)

// runnerStackDir is where runners/<runner>/jobserver.sh keeps the job
// server's endpoint, log and (Flink) checkpoints: JOBSERVER_STACK_DIR (as
// make test-flink and test-spark set it, for a server of their own) or
// .stack/<runner>.
func runnerStackDir(runner string) string {
	if d := os.Getenv("JOBSERVER_STACK_DIR"); d != "" {
		return d
	}
	return filepath.Join("..", "..", ".stack", runner)
}

// useJobServer points Beam's flags at the local job server of runner through
// its preset (<runner>-local: LOOPBACK, so the SDK harness runs in this test
// process and sees the local stack's AWS settings) and returns the endpoint.
func useJobServer(t *testing.T, runner, jobName string) string {
	t.Helper()
	endpoint := os.Getenv(strings.ToUpper(runner) + "_ENDPOINT")
	if endpoint == "" {
		b, err := os.ReadFile(filepath.Join(runnerStackDir(runner), "endpoint"))
		if err != nil {
			t.Fatalf("no %s job server: run make %s-up or set %s_ENDPOINT (%v)", runner, runner, strings.ToUpper(runner), err)
		}
		endpoint = strings.TrimSpace(string(b))
	}
	for name, v := range map[string]string{"endpoint": endpoint, "job_name": jobName} {
		if err := flag.Set(name, v); err != nil {
			t.Fatal(err)
		}
	}
	p, err := presets.Lookup(runner + "-local")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(flag.CommandLine); err != nil {
		t.Fatal(err)
	}
	return endpoint
}

// runnerRun is one run's resources on the local stack.
type runnerRun struct {
	stack  *localstack.Stack
	awsCfg aws.Config
	stream string
	sinks  compare.Sinks
}

// newRunnerRun creates a stream with the given shards, a bucket and both
// tables, named after id.
func newRunnerRun(t *testing.T, ctx context.Context, id string, shards int32) runnerRun {
	t.Helper()
	st := localstack.Shared(t)
	st.SetEnv(t)
	awsCfg, err := st.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := runnerRun{stack: st, awsCfg: awsCfg, stream: id + "-events",
		sinks: compare.Sinks{Bucket: id + "-lake", Prefix: "lake", KPITable: id + "-kpis", StatusTable: id + "-status"}}
	if err := st.CreateStream(ctx, r.stream, shards); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateBucket(ctx, r.sinks.Bucket); err != nil {
		t.Fatal(err)
	}
	ddb := dynamodb.NewFromConfig(awsCfg)
	if err := tables.EnsureKPITable(ctx, ddb, r.sinks.KPITable); err != nil {
		t.Fatal(err)
	}
	if err := tables.EnsureStatusTable(ctx, ddb, r.sinks.StatusTable); err != nil {
		t.Fatal(err)
	}
	return r
}

// runnerSimConfig is a small simulated run ending well before now, so no
// event is in the future and the reader's watermark can pass it.
func runnerSimConfig(orders int) simulator.Config {
	cfg := simulator.DefaultConfig()
	cfg.Seed, cfg.Orders = 11, orders
	cfg.Start = time.Now().Add(-3 * time.Hour).Truncate(time.Minute)
	return cfg
}

// timedBadRecords are invalid records that still decode with a timestamp
// (at): the event-time policy stamps them with it. Undecodable records get
// their arrival time (now), which would move the watermark past every
// simulated window at once and hide whether idle advancement works.
func timedBadRecords(t *testing.T, at time.Time) []string {
	t.Helper()
	return timedBadRecordsNamed(t, at, "bad")
}

// timedBadRecordsNamed is timedBadRecords with event and order ids that
// start with name, for a run that sends more than one set.
func timedBadRecordsNamed(t *testing.T, at time.Time, name string) []string {
	t.Helper()
	ts := at.UTC().Format(time.RFC3339)
	bad := []string{
		fmt.Sprintf(`{"event_id":"%s-1","event_type":"teleported","order_id":"o-%[1]s-1","timestamp":%q}`, name, ts),
		fmt.Sprintf(`{"event_id":"%s-2","event_type":"order_created","order_id":"o-%[1]s-2","restaurant_id":"r1","timestamp":%q,"location":{"lat":123.0,"lon":13.4},"total_price":-1}`, name, ts),
	}
	for _, b := range bad {
		var e event.Event
		if err := parse.Decode([]byte(b), &e); err != nil {
			t.Fatalf("bad record %s must decode (for its event time): %v", b, err)
		}
		if err := parse.DecodeValidate([]byte(b), time.Now(), parse.DefaultLimits(), &e); err == nil {
			t.Fatalf("bad record %s passes validation", b)
		}
	}
	return bad
}

func kinesisClient(r runnerRun) *kinesis.Client { return kinesis.NewFromConfig(r.awsCfg) }

//go:build faults

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/deliverypipe/deliverypipe/internal/simulator"
	"github.com/deliverypipe/deliverypipe/io/checkpoint"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery"
	"github.com/deliverypipe/deliverypipe/testing/e2e/compare"
	"github.com/deliverypipe/deliverypipe/testing/faultproxy"
	"github.com/deliverypipe/deliverypipe/testing/localstack"
)

// throttleShare is the share of Kinesis, S3 and DynamoDB calls the fault
// proxies answer with the service's throttling error.
const throttleShare = 0.3

// TestThrottled runs the full graph with every AWS call of the pipeline
// (reader, S3 and DynamoDB sinks) going through fault proxies that throttle
// 30% of the calls, and checks that the outputs equal the reference exactly.
// The events are produced and the results read back directly, not through
// the proxies.
func TestThrottled(t *testing.T) {
	ctx := context.Background()
	direct := localstack.Shared(t)
	r := newResources(t, ctx, direct, "thr")
	awsCfg := r.aws
	stream, bucket, table, statusTable := r.stream, r.bucket, r.table, r.statusTable
	cfg := simulator.DefaultConfig()
	cfg.Seed, cfg.Orders = 13, 400
	cfg.Start = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	sent := produce(t, ctx, kinesis.NewFromConfig(awsCfg), stream, cfg, badRecords)

	proxies := map[string]*faultproxy.Proxy{}
	for name, target := range map[string]string{"kinesis": direct.KinesisEndpoint, "dynamodb": direct.DynamoDBEndpoint, "s3": direct.S3Endpoint} {
		p, err := faultproxy.New(target, faultproxy.WithThrottle(throttleShare, int64(len(name))))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		proxies[name] = p
	}
	via := &localstack.Stack{KinesisEndpoint: proxies["kinesis"].URL(), DynamoDBEndpoint: proxies["dynamodb"].URL(),
		S3Endpoint: proxies["s3"].URL(), Region: direct.Region}
	via.SetEnv(t) // the pipeline's connectors load the default chain

	opts := graphOptions()
	p, s := beam.NewPipelineWithRoot()
	sinks := delivery.Sinks{Bucket: bucket, Prefix: "lake", KPITable: table, StatusTable: statusTable}
	boundedJob(stream, opts, sinks).Assemble(s, checkpoint.Resume{})
	runErr := ptest.Run(p)
	for name, p := range proxies {
		st := p.Stats()
		t.Logf("%s: %d calls throttled, %d passed (%.1f%% throttled)", name, st.Injected, st.Passed,
			100*float64(st.Injected)/float64(max(1, st.Injected+st.Passed)))
		if st.Injected == 0 {
			t.Errorf("%s: no call was throttled: the test proves nothing for it", name)
		}
	}
	if runErr != nil {
		t.Fatalf("pipeline under %.0f%% throttling: %v", 100*throttleShare, runErr)
	}

	want := compare.Expect(sent, opts, len(badRecords))
	got, err := compare.Read(ctx, awsCfg, compare.Sinks{Bucket: bucket, Prefix: "lake", KPITable: table, StatusTable: statusTable})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range compare.Compare(want, got) {
		for _, d := range c.Diffs {
			t.Errorf("%s: %s", c.Name, d)
		}
	}
	t.Logf("%d events sent; outputs compared with the reference", len(sent))
}

// TestEmulatorRestart kills DynamoDB, then S3, then Kinesis (SIGKILL, data
// kept) and starts them again while the pipeline writes its outputs. The run
// must either produce the exact result or fail with an error naming the
// service; a second run over the same stream and sinks must then complete
// with the exact result (the sinks are idempotent).
func TestEmulatorRestart(t *testing.T) {
	ctx := context.Background()
	st, err := localstack.Start(ctx) // a stack of its own: the restarts must not hit other tests
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Stop() })
	st.SetEnv(t)
	r := newResources(t, ctx, st, "rst")
	awsCfg, ddb := r.aws, r.ddb
	stream, bucket, table, statusTable := r.stream, r.bucket, r.table, r.statusTable
	cfg := simulator.DefaultConfig()
	cfg.Seed, cfg.Orders = 17, 400
	cfg.Start = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	sent := produce(t, ctx, kinesis.NewFromConfig(awsCfg), stream, cfg, badRecords)

	opts := graphOptions()
	sinks := delivery.Sinks{Bucket: bucket, Prefix: "lake", KPITable: table, StatusTable: statusTable}
	run := func() error {
		p, s := beam.NewPipelineWithRoot()
		boundedJob(stream, opts, sinks).Assemble(s, checkpoint.Resume{})
		return ptest.Run(p)
	}
	check := func(t *testing.T) {
		got, err := compare.Read(ctx, awsCfg, compare.Sinks{Bucket: bucket, Prefix: "lake", KPITable: table, StatusTable: statusTable})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range compare.Compare(compare.Expect(sent, opts, len(badRecords)), got) {
			for _, d := range c.Diffs {
				t.Errorf("%s: %s", c.Name, d)
			}
		}
	}

	done := make(chan error, 1)
	go func() { done <- run() }()
	// Restart once the sinks are writing: the first KPI item is in DynamoDB.
	for {
		out, err := ddb.Scan(ctx, &dynamodb.ScanInput{TableName: &table, Limit: aws.Int32(1)})
		if err == nil && len(out.Items) > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the run ended (%v) before any KPI item was written", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	for _, r := range []struct {
		name    string
		restart func(context.Context) error
	}{{"dynamodb", st.RestartDynamoDB}, {"s3", st.RestartS3}, {"kinesis", st.RestartKinesis}} {
		if err := r.restart(ctx); err != nil {
			t.Fatalf("restart %s: %v", r.name, err)
		}
		t.Logf("restarted %s", r.name)
	}
	if err := <-done; err != nil {
		msg := err.Error()
		if !strings.Contains(msg, "DynamoDB") && !strings.Contains(msg, "dynamodb") && !strings.Contains(msg, "S3") && !strings.Contains(msg, "Kinesis") {
			t.Errorf("the interrupted run failed without naming the service: %v", err)
		}
		// The root cause closes Beam's message, after the failed bundle's plan.
		t.Logf("interrupted run failed (allowed, with a clear message): ...%s", msg[max(0, len(msg)-500):])
	} else {
		t.Log("interrupted run completed")
		t.Run("interrupted run exact", check)
	}
	if err := run(); err != nil {
		t.Fatalf("rerun after the restarts: %v", err)
	}
	t.Run("rerun exact", check)
}

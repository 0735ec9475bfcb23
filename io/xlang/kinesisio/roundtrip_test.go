//go:build xlang

package kinesisio

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/universal" // -runner=universal: a job server such as Flink's
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/deliverypipe/deliverypipe/testing/localstack"
)

func TestMain(m *testing.M) {
	os.Exit(localstack.Finish(ptest.MainRetWithDefault(m, "prism")))
}

func init() {
	beam.RegisterFunction(bytesToString)
}

func bytesToString(b []byte) string { return string(b) }

// TestReadRoundTrip writes records to a stream on the local kinesalite, reads
// them back with the cross-language Read (KinesisIO.read() in the expansion
// service's Java worker) and compares the payloads with what was written. It
// runs on the in-process prism, or on a job server given with
// -runner=universal -endpoint=HOST:PORT -environment_type=LOOPBACK.
func TestReadRoundTrip(t *testing.T) {
	const shards, n = 2, 300
	addr := expansionAddr(t)
	st := localstack.Shared(t)
	st.SetEnv(t)
	ctx := context.Background()
	stream := fmt.Sprintf("xlang-read-%d", time.Now().UnixNano()%1e6)
	if err := st.CreateStream(ctx, stream, shards); err != nil {
		t.Fatal(err)
	}
	cfg, err := st.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := kinesis.NewFromConfig(cfg)
	t.Cleanup(func() {
		if _, err := c.DeleteStream(context.Background(), &kinesis.DeleteStreamInput{StreamName: aws.String(stream)}); err != nil {
			t.Errorf("delete stream %s: %v", stream, err)
		}
	})
	want := make([]any, n)
	entries := make([]types.PutRecordsRequestEntry, n)
	for i := range entries {
		payload := fmt.Sprintf("order-%03d", i)
		want[i] = payload
		entries[i] = types.PutRecordsRequestEntry{Data: []byte(payload), PartitionKey: aws.String(payload)}
	}
	out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries})
	if err != nil || aws.ToInt32(out.FailedRecordCount) > 0 {
		t.Fatalf("PutRecords: %v (%d failed)", err, aws.ToInt32(out.FailedRecordCount))
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}

	p, s := beam.NewPipelineWithRoot()
	records := Read(s, addr, stream,
		Connection{Region: cfg.Region, AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey},
		Endpoint(st.KinesisEndpoint), VerifyCertificate(false),
		InitialPosition(TrimHorizon), MaxNumRecords(n))
	passert.Equals(s, beam.ParDo(s, bytesToString, records), want...)
	if err := ptest.Run(p); err != nil {
		t.Fatalf("pipeline: %v", err)
	}
}

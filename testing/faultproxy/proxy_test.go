package faultproxy_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kintypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/deliverypipe/deliverypipe/testing/faultproxy"
	"github.com/deliverypipe/deliverypipe/testing/localstack"
)

func TestMain(m *testing.M) { localstack.Main(m) }

// proxied starts a proxy in front of every service of the shared stack and
// returns the stack as clients should see it, plus the proxies.
func proxied(t *testing.T, opts ...faultproxy.Option) (direct, via *localstack.Stack, kin, ddb, s3p *faultproxy.Proxy) {
	t.Helper()
	direct = localstack.Shared(t)
	start := func(target string) *faultproxy.Proxy {
		p, err := faultproxy.New(target, opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.Close() })
		return p
	}
	kin, ddb, s3p = start(direct.KinesisEndpoint), start(direct.DynamoDBEndpoint), start(direct.S3Endpoint)
	via = &localstack.Stack{KinesisEndpoint: kin.URL(), DynamoDBEndpoint: ddb.URL(), S3Endpoint: s3p.URL(), Region: direct.Region}
	return direct, via, kin, ddb, s3p
}

func cfgOf(t *testing.T, s *localstack.Stack) aws.Config {
	t.Helper()
	cfg, err := s.AWSConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func name(prefix string) string { return fmt.Sprintf("%s-%x", prefix, time.Now().UnixNano()) }

// fastRetryer is the SDK's standard retryer with a short backoff, so tests with
// many injected throttles stay quick.
func fastRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 20
		o.MaxBackoff = 20 * time.Millisecond
	})
}

// TestInjectedErrorsAreTypedThrottles: with every call throttled and retries
// off, each SDK sees its service's throttling error.
func TestInjectedErrorsAreTypedThrottles(t *testing.T) {
	_, via, kin, ddb, s3p := proxied(t, faultproxy.WithThrottle(1, 1))
	cfg := cfgOf(t, via)
	cfg.RetryMaxAttempts = 1
	ctx := context.Background()

	tests := []struct {
		name  string
		proxy *faultproxy.Proxy
		call  func() error
		check func(error) bool
	}{
		{
			name:  "Kinesis",
			proxy: kin,
			call: func() error {
				_, err := kinesis.NewFromConfig(cfg).ListStreams(ctx, &kinesis.ListStreamsInput{})
				return err
			},
			check: func(err error) bool {
				var pte *kintypes.ProvisionedThroughputExceededException
				return errors.As(err, &pte)
			},
		},
		{
			name:  "DynamoDB",
			proxy: ddb,
			call: func() error {
				_, err := dynamodb.NewFromConfig(cfg).ListTables(ctx, &dynamodb.ListTablesInput{})
				return err
			},
			check: func(err error) bool {
				var pte *ddbtypes.ProvisionedThroughputExceededException
				return errors.As(err, &pte)
			},
		},
		{
			name:  "S3",
			proxy: s3p,
			call: func() error {
				_, err := s3.NewFromConfig(cfg).ListBuckets(ctx, &s3.ListBucketsInput{})
				return err
			},
			check: func(err error) bool {
				var apiErr smithy.APIError
				var respErr *awshttp.ResponseError
				return errors.As(err, &apiErr) && apiErr.ErrorCode() == "SlowDown" &&
					errors.As(err, &respErr) && respErr.HTTPStatusCode() == http.StatusServiceUnavailable
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil || !tc.check(err) {
				t.Fatalf("error = %v, want the injected throttle", err)
			}
			if got, want := tc.proxy.Stats(), (faultproxy.Stats{Passed: 0, Injected: 1}); got != want {
				t.Errorf("stats = %+v, want %+v (one call, no retry)", got, want)
			}
		})
	}
}

// TestRetriesGetThrough: with 30 % of calls throttled, the standard retryer
// still delivers every record exactly once and in order.
func TestRetriesGetThrough(t *testing.T) {
	direct, via, kin, _, _ := proxied(t, faultproxy.WithThrottle(0.3, 42))
	ctx := context.Background()
	stream := name("throttled")
	if err := direct.CreateStream(ctx, stream, 1); err != nil {
		t.Fatal(err)
	}
	client := kinesis.NewFromConfig(cfgOf(t, via), func(o *kinesis.Options) { o.Retryer = fastRetryer() })
	const n = 40
	var want [][]byte
	for i := range n {
		data := []byte(fmt.Sprintf("record-%d", i))
		want = append(want, data)
		if _, err := client.PutRecord(ctx, &kinesis.PutRecordInput{
			StreamName: aws.String(stream), PartitionKey: aws.String("k"), Data: data,
		}); err != nil {
			t.Fatalf("PutRecord %d through proxy: %v", i, err)
		}
	}
	stats := kin.Stats()
	if stats.Passed != n || stats.Injected == 0 {
		t.Errorf("stats = %+v, want Passed=%d and some injected", stats, n)
	}

	got := readShard(t, kinesis.NewFromConfig(cfgOf(t, direct)), stream)
	if len(got) != len(want) {
		t.Fatalf("read %d records, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("record %d = %q, want %q", i, got[i], want[i])
		}
	}
}

// TestWithOperations: only the named operations are throttled.
func TestWithOperations(t *testing.T) {
	direct, via, kin, _, _ := proxied(t, faultproxy.WithThrottle(1, 7), faultproxy.WithOperations("GetShardIterator"))
	ctx := context.Background()
	stream := name("ops")
	if err := direct.CreateStream(ctx, stream, 1); err != nil {
		t.Fatal(err)
	}
	cfg := cfgOf(t, via)
	cfg.RetryMaxAttempts = 1
	client := kinesis.NewFromConfig(cfg)
	put, err := client.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String(stream), PartitionKey: aws.String("k"), Data: []byte("x")})
	if err != nil {
		t.Fatalf("PutRecord (not selected) failed: %v", err)
	}
	_, err = client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
		StreamName: aws.String(stream), ShardId: put.ShardId, ShardIteratorType: kintypes.ShardIteratorTypeTrimHorizon,
	})
	var pte *kintypes.ProvisionedThroughputExceededException
	if !errors.As(err, &pte) {
		t.Errorf("GetShardIterator (selected) error = %v, want injected throttle", err)
	}
	if got, want := kin.Stats(), (faultproxy.Stats{Passed: 1, Injected: 1}); got != want {
		t.Errorf("stats = %+v, want %+v", got, want)
	}
}

// TestSeedReproducible: the same seed and requests give the same injections.
func TestSeedReproducible(t *testing.T) {
	s := localstack.Shared(t)
	run := func(seed int64) []bool {
		p, err := faultproxy.New(s.KinesisEndpoint, faultproxy.WithThrottle(0.5, seed))
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		cfg := cfgOf(t, &localstack.Stack{KinesisEndpoint: p.URL(), DynamoDBEndpoint: s.DynamoDBEndpoint, S3Endpoint: s.S3Endpoint, Region: s.Region})
		cfg.RetryMaxAttempts = 1
		client := kinesis.NewFromConfig(cfg)
		var outcome []bool
		for range 20 {
			_, err := client.ListStreams(context.Background(), &kinesis.ListStreamsInput{})
			outcome = append(outcome, err == nil)
		}
		return outcome
	}
	a, b := run(3), run(3)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("seed 3 gave %v then %v", a, b)
	}
	if !slices.Contains(a, true) || !slices.Contains(a, false) {
		t.Errorf("share 0.5 gave outcomes %v, want both passed and injected calls", a)
	}
}

func readShard(t *testing.T, client *kinesis.Client, stream string) [][]byte {
	t.Helper()
	ctx := context.Background()
	shards, err := client.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	if err != nil {
		t.Fatal(err)
	}
	it, err := client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
		StreamName: aws.String(stream), ShardId: shards.Shards[0].ShardId, ShardIteratorType: kintypes.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		t.Fatal(err)
	}
	var got [][]byte
	for iter := it.ShardIterator; iter != nil; {
		out, err := client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Records) == 0 {
			break
		}
		for _, r := range out.Records {
			got = append(got, r.Data)
		}
		iter = out.NextShardIterator
	}
	return got
}

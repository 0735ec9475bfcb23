package localstack

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Environment variable names, as read by every AWS SDK and the AWS CLI.
const (
	envKinesis   = "AWS_ENDPOINT_URL_KINESIS"
	envDynamoDB  = "AWS_ENDPOINT_URL_DYNAMODB"
	envS3        = "AWS_ENDPOINT_URL_S3"
	envAccessKey = "AWS_ACCESS_KEY_ID"
	envSecretKey = "AWS_SECRET_ACCESS_KEY"
	envRegion    = "AWS_REGION"
	testKey      = "test" // the emulators accept any credentials
)

// FromEnv describes a stack that is already running, as set by
// `source .stack/env` after `make stack-up`: ok is false unless all three
// AWS_ENDPOINT_URL_* variables are set. Such a stack cannot be stopped or
// restarted from here.
func FromEnv() (*Stack, bool) {
	s := &Stack{
		KinesisEndpoint:  os.Getenv(envKinesis),
		DynamoDBEndpoint: os.Getenv(envDynamoDB),
		S3Endpoint:       os.Getenv(envS3),
		Region:           os.Getenv(envRegion),
	}
	if s.KinesisEndpoint == "" || s.DynamoDBEndpoint == "" || s.S3Endpoint == "" {
		return nil, false
	}
	if s.Region == "" {
		s.Region = Region
	}
	return s, true
}

// Env returns the stack's settings as KEY=VALUE pairs (the same keys as
// .stack/env), to append to a child process's environment.
func (s *Stack) Env() []string {
	return []string{
		envKinesis + "=" + s.KinesisEndpoint,
		envDynamoDB + "=" + s.DynamoDBEndpoint,
		envS3 + "=" + s.S3Endpoint,
		envAccessKey + "=" + testKey,
		envSecretKey + "=" + testKey,
		envRegion + "=" + s.Region,
	}
}

// SetEnv sets the stack's settings in this process for the duration of the
// test (t.Setenv), so code that loads the default AWS config finds the stack.
func (s *Stack) SetEnv(t testing.TB) {
	t.Helper()
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// AWSConfig loads the default SDK config with the stack's test credentials,
// region and per-service endpoints. The endpoints are supplied as a config
// source of the same kind that serves AWS_ENDPOINT_URL_<SERVICE>, so clients
// built with kinesis/s3/dynamodb.NewFromConfig need no endpoint options, just
// as in production.
func (s *Stack) AWSConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(s.Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(testKey, testKey, "")),
	)
	if err != nil {
		return aws.Config{}, fmt.Errorf("localstack: load AWS config: %w", err)
	}
	// First, so this stack wins over endpoints in the process environment.
	cfg.ConfigSources = append([]any{endpointSource{
		kinesis.ServiceID:  s.KinesisEndpoint,
		dynamodb.ServiceID: s.DynamoDBEndpoint,
		s3.ServiceID:       s.S3Endpoint,
	}}, cfg.ConfigSources...)
	return cfg, nil
}

// endpointSource maps an SDK service ID to its base endpoint. The SDK asks
// every config source for GetServiceBaseEndpoint when it resolves a client's
// endpoint (config.EnvConfig answers it from AWS_ENDPOINT_URL_<SERVICE>).
type endpointSource map[string]string

// GetServiceBaseEndpoint implements the SDK's service base endpoint provider.
func (e endpointSource) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	v, ok := e[sdkID]
	return v, ok && v != "", nil
}

// healthCheck returns one real, unretried API call against srv's endpoint.
func healthCheck(srv *server) func(context.Context) error {
	cfg := aws.Config{
		Region:           Region,
		Credentials:      credentials.NewStaticCredentialsProvider(testKey, testKey, ""),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Timeout: 2 * time.Second},
	}
	switch srv.name {
	case "kinesis":
		return func(ctx context.Context) error {
			_, err := kinesis.NewFromConfig(cfg, func(o *kinesis.Options) {
				o.BaseEndpoint = aws.String(srv.endpoint())
			}).ListStreams(ctx, &kinesis.ListStreamsInput{})
			return err
		}
	case "dynamodb":
		return func(ctx context.Context) error {
			_, err := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
				o.BaseEndpoint = aws.String(srv.endpoint())
			}).ListTables(ctx, &dynamodb.ListTablesInput{})
			return err
		}
	default:
		return func(ctx context.Context) error {
			_, err := s3.NewFromConfig(cfg, func(o *s3.Options) {
				o.BaseEndpoint = aws.String(srv.endpoint())
			}).ListBuckets(ctx, &s3.ListBucketsInput{})
			return err
		}
	}
}

package localstack

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// streamActiveTimeout bounds the wait for a new stream; kinesalite here is
// started with a 50 ms CREATING phase.
const streamActiveTimeout = 30 * time.Second

// CreateStream creates a provisioned Kinesis stream with the given shard count
// and waits until it is ACTIVE.
func (s *Stack) CreateStream(ctx context.Context, name string, shards int32) error {
	cfg, err := s.AWSConfig(ctx)
	if err != nil {
		return err
	}
	client := kinesis.NewFromConfig(cfg)
	if _, err := client.CreateStream(ctx, &kinesis.CreateStreamInput{
		StreamName: aws.String(name),
		ShardCount: aws.Int32(shards),
	}); err != nil {
		return fmt.Errorf("localstack: create stream %q: %w", name, err)
	}
	// The waiter's defaults poll every 10 s, far slower than the emulator.
	waiter := kinesis.NewStreamExistsWaiter(client, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay = 20 * time.Millisecond
		o.MaxDelay = 500 * time.Millisecond
	})
	if err := waiter.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name)}, streamActiveTimeout); err != nil {
		return fmt.Errorf("localstack: wait for stream %q: %w", name, err)
	}
	return nil
}

// CreateBucket creates an S3 bucket.
func (s *Stack) CreateBucket(ctx context.Context, name string) error {
	cfg, err := s.AWSConfig(ctx)
	if err != nil {
		return err
	}
	if _, err := s3.NewFromConfig(cfg).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		return fmt.Errorf("localstack: create bucket %q: %w", name, err)
	}
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// ensureStream creates the stream unless it exists and waits until it is
// ACTIVE (a new stream takes tens of seconds on AWS).
func ensureStream(ctx context.Context, client *kinesis.Client, name string, shards int32) error {
	_, err := client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)})
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("--create-stream %s: %w", name, err)
	}
	waiter := kinesis.NewStreamExistsWaiter(client, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 100*time.Millisecond, 5*time.Second
	})
	if err := waiter.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name)}, 5*time.Minute); err != nil {
		return fmt.Errorf("--create-stream %s: waiting for ACTIVE: %w", name, err)
	}
	return nil
}

// streamCheckTimeout bounds checkStream, SDK retries included, so a wrong
// endpoint fails the start instead of hanging it.
const streamCheckTimeout = 30 * time.Second

// checkStream fails fast, saying what to fix, when the stream cannot be
// described: missing, another region, no region, or endpoint unreachable.
func checkStream(ctx context.Context, client *kinesis.Client, name, region string) error {
	if region == "" {
		return errors.New("no AWS region: set AWS_REGION (or AWS_PROFILE with a region in ~/.aws/config)")
	}
	ctx, cancel := context.WithTimeout(ctx, streamCheckTimeout)
	defer cancel()
	_, err := client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
	var notFound *types.ResourceNotFoundException
	switch {
	case errors.As(err, &notFound):
		return fmt.Errorf("--stream=%s: no such stream in region %s (create it, or pass --create-stream): %w", name, region, err)
	case err != nil:
		return fmt.Errorf("--stream=%s: cannot reach Kinesis in region %s (check AWS_ENDPOINT_URL_KINESIS, credentials, network): %w", name, region, err)
	}
	return nil
}

package dynamodbio

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"

	"github.com/deliverypipe/deliverypipe/io/awsconf"
)

// newClient builds a DynamoDB client from the default configuration chain, so
// endpoints come only from the standard settings (AWS_ENDPOINT_URL_DYNAMODB).
func newClient(ctx context.Context) (*dynamodb.Client, error) {
	cfg, err := awsconf.Load(ctx)
	if err != nil {
		return nil, err
	}
	return dynamodb.NewFromConfig(cfg), nil
}

// backoff sleeps before retry attempt n (1-based) with full jitter. The SDK's
// retryer does not see UnprocessedItems (a successful response) and gives up
// on throttling after 3 attempts, so the sinks keep their own bounded loop.
func backoff(ctx context.Context, c writeConfig, attempt int) error {
	bound := c.BaseBackoff << min(attempt-1, 20)
	if bound > c.MaxBackoff || bound <= 0 {
		bound = c.MaxBackoff
	}
	t := time.NewTimer(rand.N(bound) + 1)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// throttled reports whether err is a throttling error worth retrying.
func throttled(err error) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	_, ok := retry.DefaultThrottleErrorCodes[api.ErrorCode()]
	return ok
}

package kinesisio

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/deliverypipe/deliverypipe/io/awsconf"
)

// newClient builds a Kinesis client from the SDK's standard settings
// (environment, profile, AWS_ENDPOINT_URL_KINESIS), with an explicit region or
// endpoint only when given.
//
// The standard retryer already treats ProvisionedThroughputExceeded and
// LimitExceeded as throttles with jittered exponential backoff; it gets more
// attempts and no client-side retry quota, because a throttled stream is the
// normal state of a busy consumer, not a reason to give up.
func newClient(ctx context.Context, region, endpoint string, maxAttempts int) (*kinesis.Client, error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	opts = append(opts, config.WithRetryer(func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = maxAttempts
			o.MaxBackoff = 5 * time.Second
			o.RateLimiter = ratelimit.None
		})
	}))
	cfg, err := awsconf.Load(ctx, awsconf.WithLoadOptions(opts...))
	if err != nil {
		return nil, fmt.Errorf("kinesisio: loading AWS config: %w", err)
	}
	return kinesis.NewFromConfig(cfg, func(o *kinesis.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}), nil
}

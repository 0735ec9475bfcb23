package s3parquet

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/deliverypipe/deliverypipe/io/awsconf"
)

// uploader puts whole objects with server-side encryption.
type uploader struct {
	cfg sinkConfig
	up  *manager.Uploader
}

// uploadMaxAttempts is how often one S3 call is tried. The SDK's default of
// 3, with its client-side retry quota, failed a whole job when 30% of calls
// were throttled (SlowDown); a failed upload fails the bundle, and a bundle
// retry redoes every object of the group.
const uploadMaxAttempts = 10

// patientRetryer retries throttling and transient errors up to
// uploadMaxAttempts times with jittered backoff (at most 5 s), without the
// retry quota that stops retrying under sustained throttling.
func patientRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = uploadMaxAttempts
		o.MaxBackoff = 5 * time.Second
		o.RateLimiter = ratelimit.None
	})
}

// newUploader builds the S3 client from the default configuration chain, so
// endpoints come only from the standard settings (AWS_ENDPOINT_URL_S3, profiles).
func newUploader(ctx context.Context, c sinkConfig, s3opts ...func(*s3.Options)) (*uploader, error) {
	awsCfg, err := awsconf.Load(ctx, awsconf.WithLoadOptions(config.WithRetryer(patientRetryer)))
	if err != nil {
		return nil, fmt.Errorf("s3parquet: load AWS config: %w", err)
	}
	client := s3.NewFromConfig(awsCfg, append([]func(*s3.Options){func(o *s3.Options) {
		o.UsePathStyle = c.PathStyle
	}}, s3opts...)...)
	up := manager.NewUploader(client, func(u *manager.Uploader) {
		if c.UploadPartSize > 0 {
			u.PartSize = c.UploadPartSize
		}
	})
	return &uploader{cfg: c, up: up}, nil
}

// put uploads body to key; the transfer manager goes multipart above PartSize.
func (u *uploader) put(ctx context.Context, key, contentType string, body []byte) error {
	in := &s3.PutObjectInput{
		Bucket:               aws.String(u.cfg.Bucket),
		Key:                  aws.String(key),
		Body:                 bytes.NewReader(body),
		ContentType:          aws.String(contentType),
		ServerSideEncryption: types.ServerSideEncryptionAes256,
	}
	if u.cfg.KMSKeyID != "" {
		in.ServerSideEncryption = types.ServerSideEncryptionAwsKms
		in.SSEKMSKeyId = aws.String(u.cfg.KMSKeyID)
	}
	if _, err := u.up.Upload(ctx, in); err != nil {
		return fmt.Errorf("s3parquet: upload s3://%s/%s: %w", u.cfg.Bucket, key, err)
	}
	return nil
}

func (u *uploader) uri(key string) string { return "s3://" + u.cfg.Bucket + "/" + key }

package render

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// The rules below are AWS's documented naming rules, written as patterns
// because no AWS Go module exports them.
var (
	streamRe      = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,128}$`)
	bucketRe      = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	tableRe       = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)
	regionRe      = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$`)
	accountRe     = regexp.MustCompile(`^[0-9]{12}$`)
	clusterNameRe = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$`)
	prefixRe      = regexp.MustCompile(`^[a-zA-Z0-9_.-]+(/[a-zA-Z0-9_.-]+)*$`)
	subnetRe      = regexp.MustCompile(`^subnet-[0-9a-f]{8,17}$`)
	kmsKeyARNRe   = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):kms:([a-z0-9-]+):([0-9]{12}):key/((mrk-)?[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)
)

func validStream(s string) error {
	if !streamRe.MatchString(s) {
		return errors.New("a Kinesis stream name is 1-128 characters of a-z, A-Z, 0-9, '_', '.', '-'")
	}
	return nil
}

func validBucket(s string) error {
	switch {
	case !bucketRe.MatchString(s):
		return errors.New("an S3 bucket name is 3-63 characters of a-z, 0-9, '.', '-', starting and ending with a letter or digit")
	case strings.Contains(s, ".."):
		return errors.New("an S3 bucket name must not contain two adjacent periods")
	case strings.HasPrefix(s, "xn--") || strings.HasPrefix(s, "sthree-"):
		return errors.New("an S3 bucket name must not start with xn-- or sthree-")
	case strings.HasSuffix(s, "-s3alias") || strings.HasSuffix(s, "--ol-s3"):
		return errors.New("an S3 bucket name must not end with -s3alias or --ol-s3")
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return errors.New("an S3 bucket name must not be formatted as an IP address")
	}
	return nil
}

func validTable(s string) error {
	if !tableRe.MatchString(s) {
		return errors.New("a DynamoDB table name is 3-255 characters of a-z, A-Z, 0-9, '_', '.', '-'")
	}
	return nil
}

func validRegion(s string) error {
	if !regionRe.MatchString(s) {
		return errors.New("want an AWS region code such as eu-west-1 or us-east-2")
	}
	return nil
}

func validAccount(s string) error {
	if !accountRe.MatchString(s) {
		return errors.New("want the 12-digit AWS account id (aws sts get-caller-identity --query Account)")
	}
	return nil
}

func validClusterName(s string) error {
	if !clusterNameRe.MatchString(s) {
		return errors.New("want 1-64 characters of a-z, A-Z, 0-9, '_', '.', '-' (it names alarms, steps and the SNS topic)")
	}
	return nil
}

func validPrefix(s string) error {
	if !prefixRe.MatchString(s) {
		return errors.New("want a key prefix without leading or trailing '/' (cmd/pipeline --prefix)")
	}
	return nil
}

func validKMSKeyARN(s, region string) error {
	m := kmsKeyARNRe.FindStringSubmatch(s)
	if m == nil {
		return errors.New("want a KMS key ARN arn:aws:kms:<region>:<account>:key/<key-id> (an alias ARN cannot be used in an IAM policy resource)")
	}
	if m[1] != partition(region) || m[2] != region {
		return fmt.Errorf("the key is in %s:%s, but Kinesis and S3 need a key in the resources' region %s", m[1], m[2], region)
	}
	return nil
}

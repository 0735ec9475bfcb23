// Package awsconf loads the AWS configuration every deliverypipe binary and
// connector uses: the SDK's default chain only (environment, shared config
// and credentials files, SSO, web identity, container and instance roles),
// never static keys in code, and TLS verification on unless explicitly
// turned off for a local https endpoint.
package awsconf

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
)

// InsecureEnv carries --insecure-skip-tls-verify from a binary to the
// connectors that load their own configuration on the workers. Only workers
// that inherit the binary's environment see it (in-process prism, LOOPBACK),
// which is where local https endpoints live.
const InsecureEnv = "DELIVERYPIPE_INSECURE_SKIP_TLS_VERIFY"

// FlagName and FlagUsage define the binaries' flag that turns TLS
// verification off (each binary prefixes the usage with its help group).
const (
	FlagName  = "insecure-skip-tls-verify"
	FlagUsage = "do not verify the TLS certificates of AWS endpoints: only for local https endpoints with self-signed certificates (prefer AWS_CA_BUNDLE)"
)

// Option configures Load.
type Option func(*options)

type options struct {
	insecure bool
	load     []func(*config.LoadOptions) error
}

// WithInsecureSkipTLSVerify turns TLS certificate verification off when skip
// is true, and logs a warning saying so.
func WithInsecureSkipTLSVerify(skip bool) Option {
	return func(o *options) { o.insecure = o.insecure || skip }
}

// WithLoadOptions passes options on to config.LoadDefaultConfig.
func WithLoadOptions(opts ...func(*config.LoadOptions) error) Option {
	return func(o *options) { o.load = append(o.load, opts...) }
}

// SetInsecureEnv exports skip to the connectors of this process's workers
// (see InsecureEnv).
func SetInsecureEnv(skip bool) error {
	if !skip {
		return nil
	}
	return os.Setenv(InsecureEnv, "true")
}

// Load returns the default-chain configuration. TLS verification is off
// only with WithInsecureSkipTLSVerify(true) or InsecureEnv set to true.
func Load(ctx context.Context, opts ...Option) (aws.Config, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if v, ok := os.LookupEnv(InsecureEnv); ok {
		skip, err := strconv.ParseBool(v)
		if err != nil {
			return aws.Config{}, fmt.Errorf("awsconf: %s=%q: want true or false", InsecureEnv, v)
		}
		o.insecure = o.insecure || skip
	}
	load := o.load
	if o.insecure {
		slog.Warn("TLS certificate verification of AWS endpoints is OFF (--" + FlagName + "); use it only for local endpoints")
		client := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
			if tr.TLSClientConfig == nil {
				tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
			}
			tr.TLSClientConfig.InsecureSkipVerify = true
		})
		load = append(load, config.WithHTTPClient(client))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("awsconf: loading the AWS configuration (region, credentials, endpoints): %w", err)
	}
	return cfg, nil
}

// Package localstack starts and describes the local AWS stack used by tests and
// the demo: kinesalite (Kinesis), dynalite (DynamoDB) and gofakes3 (S3), all
// bound to 127.0.0.1. It launches the same pinned servers as
// testing/stack/up.sh and hands out endpoints only through the SDK's standard
// per-service endpoint settings, so code under test stays endpoint-agnostic.
package localstack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
)

// Region is the region the local stack reports and the clients use.
const Region = "us-east-1"

// Stack is a running local AWS stack, either started by Start or described by
// the environment (FromEnv).
type Stack struct {
	// KinesisEndpoint, DynamoDBEndpoint and S3Endpoint are base URLs such as
	// http://127.0.0.1:41234.
	KinesisEndpoint, DynamoDBEndpoint, S3Endpoint string
	// Region is the AWS region clients should use.
	Region string
	// Dir holds the servers' logs, address files and data (data/<service>).
	// Empty for a stack from FromEnv.
	Dir string

	mu      sync.Mutex
	servers map[string]*server // nil for a stack this process did not start
	rmDir   bool               // Dir is a temporary directory of our own
}

// Start installs the stack's dependencies if needed, starts all three servers
// on free ports and waits until each answers a real API call.
func Start(ctx context.Context, opts ...Option) (*Stack, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	if err := ensureDeps(ctx, root); err != nil {
		return nil, err
	}

	s := &Stack{Region: Region, Dir: o.dir}
	if s.Dir == "" {
		if s.Dir, err = os.MkdirTemp("", "localstack-"); err != nil {
			return nil, fmt.Errorf("localstack: temp dir: %w", err)
		}
		s.rmDir = true
	}
	if err := os.MkdirAll(filepath.Join(s.Dir, "data"), 0o755); err != nil {
		return nil, fmt.Errorf("localstack: %w", err)
	}

	serveJS := filepath.Join(root, "testing", "stack", "serve.js")
	node := func(service string, extra ...string) func(int) []string {
		return func(port int) []string {
			return append([]string{"node", serveJS, service,
				"--port", strconv.Itoa(port),
				"--path", filepath.Join(s.Dir, "data", service),
				"--addr-file", filepath.Join(s.Dir, service+".addr"),
			}, extra...)
		}
	}
	s.servers = map[string]*server{
		"kinesis": {
			name: "kinesis", dir: s.Dir,
			command: node("kinesis", "--shard-limit", strconv.Itoa(o.shardLimit)),
		},
		"dynamodb": {
			name: "dynamodb", dir: s.Dir,
			command: node("dynamodb"),
		},
		"s3": {
			name: "s3", dir: s.Dir,
			command: func(port int) []string {
				return []string{filepath.Join(root, "bin", "s3server"),
					"-addr", "127.0.0.1:" + strconv.Itoa(port),
					"-dir", filepath.Join(s.Dir, "data", "s3"),
					"-addr-file", filepath.Join(s.Dir, "s3.addr"),
				}
			},
		},
	}
	// On failure the directory is kept so its logs can be read.
	fail := func(err error) (*Stack, error) {
		s.rmDir = false
		return nil, errors.Join(err, s.Stop(), fmt.Errorf("localstack: logs in %s", s.Dir))
	}
	for _, srv := range s.servers {
		srv.healthy = healthCheck(srv)
		if err := srv.launch(0); err != nil {
			return fail(err)
		}
	}
	for _, srv := range s.servers {
		if err := srv.waitReady(ctx); err != nil {
			return fail(err)
		}
	}
	s.KinesisEndpoint = s.servers["kinesis"].endpoint()
	s.DynamoDBEndpoint = s.servers["dynamodb"].endpoint()
	s.S3Endpoint = s.servers["s3"].endpoint()
	return s, nil
}

// Stop stops the servers this process started and waits for them to exit. The
// data directory is removed unless it was given with WithDir. Stop on a stack
// from FromEnv does nothing: whoever started it stops it.
func (s *Stack) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.servers == nil {
		return nil
	}
	var errs []error
	for _, srv := range s.servers {
		errs = append(errs, srv.stop(syscall.SIGTERM))
	}
	s.servers = nil
	if err := errors.Join(errs...); err != nil {
		// A server that crashed: keep its log and data.
		return fmt.Errorf("%w\nlocalstack: kept %s", err, s.Dir)
	}
	if s.rmDir {
		return os.RemoveAll(s.Dir)
	}
	return nil
}

// RestartKinesis kills kinesalite (SIGKILL, like a crash) and starts it again
// on the same port with its data kept.
func (s *Stack) RestartKinesis(ctx context.Context) error { return s.restart(ctx, "kinesis") }

// RestartDynamoDB kills dynalite and starts it again on the same port with its
// data kept.
func (s *Stack) RestartDynamoDB(ctx context.Context) error { return s.restart(ctx, "dynamodb") }

// RestartS3 kills the S3 server and starts it again on the same port with its
// data kept.
func (s *Stack) RestartS3(ctx context.Context) error { return s.restart(ctx, "s3") }

func (s *Stack) restart(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.servers == nil {
		return fmt.Errorf("localstack: restart %s: stack not started by this process (or stopped)", name)
	}
	srv := s.servers[name]
	if err := srv.stop(syscall.SIGKILL); err != nil {
		return err
	}
	return srv.start(ctx)
}

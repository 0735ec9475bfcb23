package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/deliverypipe/deliverypipe/io/awsconf"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery/tables"
	"github.com/deliverypipe/deliverypipe/testing/localstack"
)

func TestMain(m *testing.M) {
	code := localstack.Finish(m.Run())
	// The binary pipelineBinary built (≈ 270 MB a run) goes with the tests.
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// setFlags sets the named flags for one test and restores their previous
// values after it.
func setFlags(t *testing.T, kv map[string]string) {
	t.Helper()
	for name, v := range kv {
		f := flag.Lookup(name)
		if f == nil {
			t.Fatalf("no flag --%s", name)
		}
		prev := f.Value.String()
		if err := flag.Set(name, v); err != nil {
			t.Fatalf("--%s=%s: %v", name, v, err)
		}
		t.Cleanup(func() { flag.Set(name, prev) })
	}
}

func TestValidateFlags(t *testing.T) {
	valid := map[string]string{"stream": "s", "bucket": "b", "kpi-table": "k"}
	with := func(kv map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range valid {
			out[k] = v
		}
		for k, v := range kv {
			out[k] = v
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		flags map[string]string
		want  []string // substrings of the error; none = valid
	}{
		{"valid", valid, nil},
		{"nothing set", map[string]string{}, []string{"--stream is required", "--bucket is required", "--kpi-table is required"}},
		{"no stream", with(map[string]string{"stream": ""}), []string{"--stream is required"}},
		{"no bucket", with(map[string]string{"bucket": ""}), []string{"--bucket is required"}},
		{"max-records without bounded", with(map[string]string{"max-records": "5"}), []string{"--max-records needs --bounded"}},
		{"window not a multiple", with(map[string]string{"window-size": "5m", "window-period": "2m"}), []string{"--window-size (5m0s) must be a multiple of --window-period (2m0s)"}},
		{"zero period", with(map[string]string{"window-period": "0s"}), []string{"must be positive"}},
		{"negative lateness", with(map[string]string{"allowed-lateness": "-1m"}), []string{"--allowed-lateness (-1m0s) must not be negative"}},
		{"log format", with(map[string]string{"log-format": "xml"}), []string{`--log-format="xml": want text or json`}},
		{"start position", with(map[string]string{"start-position": "YESTERDAY"}), []string{"source flags:", "YESTERDAY"}},
		{"zero groups", with(map[string]string{"shard-groups": "0"}), []string{"source flags:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, name := range []string{"stream", "bucket", "kpi-table"} {
				if _, ok := tc.flags[name]; !ok {
					setFlags(t, map[string]string{name: ""})
				}
			}
			setFlags(t, tc.flags)
			err := validate(jobFromFlags())
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestCheckResources: against the local stack, each missing or unreachable
// resource fails the start with a message naming the flag or setting to fix.
// A wrong region cannot be shown here (the emulators ignore the region); on
// AWS it is a missing stream, whose message names the region used.
func TestCheckResources(t *testing.T) {
	ctx := context.Background()
	st := localstack.Shared(t)
	st.SetEnv(t)
	awsCfg, err := st.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("chk%d", time.Now().UnixNano()%1e9)
	stream, bucket, table := id+"-events", id+"-lake", id+"-kpis"
	if err := st.CreateStream(ctx, stream, 1); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateBucket(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	if err := tables.EnsureKPITable(ctx, dynamodb.NewFromConfig(awsCfg), table); err != nil {
		t.Fatal(err)
	}
	ok := map[string]string{"stream": stream, "bucket": bucket, "kpi-table": table}
	for _, tc := range []struct {
		name  string
		flags map[string]string
		env   map[string]string
		want  []string // substrings; none = passes
	}{
		{name: "all present", flags: ok},
		{name: "no stream", flags: map[string]string{"stream": id + "-nope"}, want: []string{"--stream=" + id + "-nope", "does it exist in region"}},
		{name: "no bucket", flags: map[string]string{"bucket": id + "-nope"}, want: []string{"--bucket=" + id + "-nope", "create it, or pass --create-missing"}},
		{name: "no table", flags: map[string]string{"kpi-table": id + "-nope"}, want: []string{"--kpi-table=" + id + "-nope", "create it, or pass --create-missing"}},
		{name: "no region", env: map[string]string{"AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_CONFIG_FILE": filepath.Join(t.TempDir(), "none"), "AWS_PROFILE": ""}, want: []string{"no AWS region: set AWS_REGION"}},
		{name: "kinesis unreachable", env: map[string]string{"AWS_ENDPOINT_URL_KINESIS": "http://" + closedPort(t)}, want: []string{"--stream=" + stream, "connection refused"}},
		{name: "s3 unreachable", env: map[string]string{"AWS_ENDPOINT_URL_S3": "http://" + closedPort(t)}, want: []string{"--bucket=" + bucket, "connection refused"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setFlags(t, ok)
			setFlags(t, tc.flags)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			cfg, err := awsconf.Load(ctx)
			if err != nil {
				t.Fatal(err)
			}
			_, err = jobFromFlags().Prepare(ctx, cfg)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

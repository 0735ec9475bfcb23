package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deliverypipe/deliverypipe/testing/localstack"
)

// TestMissingResources: without --create-stream, a stream that is missing
// or unreachable fails the start, before any event is produced, with a
// message naming what to fix; the sentinel credentials never appear in what
// the producer prints, in failures or in a normal run.
func TestMissingResources(t *testing.T) {
	const secret, token = "SENTINEL-secret-91be0d", "SENTINEL-token-5a7c33"
	ctx := context.Background()
	st := localstack.Shared(t)
	st.SetEnv(t)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	t.Setenv("AWS_SESSION_TOKEN", token)
	stream := fmt.Sprintf("prodchk%d", time.Now().UnixNano()%1e9)
	if err := st.CreateStream(ctx, stream, 1); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want []string // substrings of the error; none = succeeds
	}{
		{name: "present", args: []string{"--stream", stream, "--count", "20", "--insecure-skip-tls-verify"}},
		{name: "no stream", args: []string{"--stream", stream + "-nope"}, want: []string{"--stream=" + stream + "-nope", "no such stream", "--create-stream"}},
		{name: "unreachable", args: []string{"--stream", stream}, env: map[string]string{"AWS_ENDPOINT_URL_KINESIS": closed}, want: []string{"--stream=" + stream, "cannot reach Kinesis", "AWS_ENDPOINT_URL_KINESIS", "connection refused"}},
		{name: "no region", args: []string{"--stream", stream}, env: map[string]string{"AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_PROFILE": "", "AWS_CONFIG_FILE": filepath.Join(t.TempDir(), "none")}, want: []string{"no AWS region: set AWS_REGION"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			o, err := parseFlags(tc.args, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			sum, err := produce(ctx, o, &out, &out)
			if err != nil {
				fmt.Fprintf(&out, "producer: %v\n", err) // as main prints it
			}
			for _, s := range []string{secret, token} {
				if strings.Contains(out.String(), s) {
					t.Errorf("output contains the credential %q:\n%s", s, out.String())
				}
			}
			if len(tc.want) == 0 {
				if err != nil || sum.Events != 20 {
					t.Fatalf("%d events, error %v", sum.Events, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if sum.Events != 0 {
				t.Errorf("%d events produced before the failure", sum.Events)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deliverypipe/deliverypipe/testing/localstack"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// pipelineBinary builds this command once per test binary.
func pipelineBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "pipeline-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "pipeline")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// runBinary runs the pipeline binary with args and env to its end and
// returns its exit code and everything it printed.
func runBinary(t *testing.T, env []string, args ...string) (code int, out string) {
	t.Helper()
	cmd := exec.Command(pipelineBinary(t), args...)
	cmd.Env = env
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), buf.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, buf.String()
}

// TestSecretNeverLogged runs the binary through its logging paths (bad
// flags, a missing resource, a whole bounded run with the TLS warning) with
// sentinel credentials, and checks that neither the secret key nor the
// session token appears in anything it prints.
func TestSecretNeverLogged(t *testing.T) {
	const secret, token = "SENTINEL-secret-7f3a9c", "SENTINEL-token-c41d2e"
	ctx := context.Background()
	st := localstack.Shared(t)
	id := fmt.Sprintf("sec%d", time.Now().UnixNano()%1e9)
	stream := id + "-events"
	if err := st.CreateStream(ctx, stream, 1); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), st.Env()...)
	env = append(env, "AWS_SECRET_ACCESS_KEY="+secret, "AWS_SESSION_TOKEN="+token)
	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string // proves the paths that log were taken
	}{
		{"bad flags", []string{"--log-format=json"}, 1, []string{"--stream is required"}},
		{"missing stream", []string{"--stream=" + id + "-nope", "--bucket=" + id, "--kpi-table=" + id}, 1, []string{"does it exist in region"}},
		{"bounded run", []string{"--stream=" + stream, "--bucket=" + id + "-lake", "--kpi-table=" + id + "-kpis",
			"--create-missing", "--bounded", "--insecure-skip-tls-verify", "--log-format=json"}, 0, []string{"verification of AWS endpoints is OFF", `"msg":"running"`, `"msg":"summary"`, `"read":0`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := runBinary(t, env, tc.args...)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.wantCode, out)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, s := range []string{secret, token} {
				if strings.Contains(out, s) {
					t.Errorf("output contains the credential %q:\n%s", s, out)
				}
			}
		})
	}
}

package awsconf_test

import (
	"bytes"
	"context"
	"hash/crc32"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/deliverypipe/deliverypipe/io/awsconf"
)

// TestTLSVerification calls a DynamoDB endpoint served over TLS with a
// self-signed certificate: refused by default, accepted (with a warning)
// only when verification is turned off by option or by InsecureEnv.
func TestTLSVerification(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := []byte(`{"TableNames":["t"]}`)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
		w.Write(body)
	}))
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", srv.URL)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))

	for _, tc := range []struct {
		name     string
		opts     []awsconf.Option
		env      string // InsecureEnv value; "" = unset
		wantOK   bool
		wantWarn bool
	}{
		{name: "default verifies", wantOK: false},
		{name: "option false verifies", opts: []awsconf.Option{awsconf.WithInsecureSkipTLSVerify(false)}, wantOK: false},
		{name: "env false verifies", env: "false", wantOK: false},
		{name: "option skips", opts: []awsconf.Option{awsconf.WithInsecureSkipTLSVerify(true)}, wantOK: true, wantWarn: true},
		{name: "env skips", env: "true", wantOK: true, wantWarn: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv(awsconf.InsecureEnv, tc.env)
			}
			var logs bytes.Buffer
			prev := slog.Default()
			slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
			defer slog.SetDefault(prev)

			opts := append(tc.opts, awsconf.WithLoadOptions(config.WithRetryMaxAttempts(1)))
			cfg, err := awsconf.Load(context.Background(), opts...)
			if err != nil {
				t.Fatal(err)
			}
			out, err := dynamodb.NewFromConfig(cfg).ListTables(context.Background(), &dynamodb.ListTablesInput{})
			switch {
			case tc.wantOK && (err != nil || len(out.TableNames) != 1):
				t.Fatalf("call through the TLS server: %v", err)
			case !tc.wantOK && err == nil:
				t.Fatal("a self-signed certificate was accepted with verification on")
			case !tc.wantOK && !strings.Contains(err.Error(), "certificate"):
				t.Fatalf("error %v does not name the certificate", err)
			}
			if warned := strings.Contains(logs.String(), "verification") && strings.Contains(logs.String(), "OFF"); warned != tc.wantWarn {
				t.Errorf("warning logged = %v, want %v (logs: %q)", warned, tc.wantWarn, logs.String())
			}
		})
	}
}

func TestBadInsecureEnv(t *testing.T) {
	t.Setenv(awsconf.InsecureEnv, "maybe")
	if _, err := awsconf.Load(context.Background()); err == nil || !strings.Contains(err.Error(), awsconf.InsecureEnv) {
		t.Fatalf("error %v, want one naming %s", err, awsconf.InsecureEnv)
	}
}

// TestNoStaticCredentials: outside testing/ and tests, no code builds AWS
// credentials itself; they come from the default chain (config.
// LoadDefaultConfig, here or in the connectors). io/xlang/kinesisio passes
// keys the caller supplies to Java's KinesisIO, whose external transform takes
// nothing else; it builds no Go credentials provider.
func TestNoStaticCredentials(t *testing.T) {
	root := filepath.Join("..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found: %v", err)
	}
	forbidden := []string{"NewStaticCredentialsProvider", "StaticCredentialsProvider{", "aws.Credentials{", "credentials.StaticCredentialsProvider"}
	checked := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if rel == "testing" || strings.HasPrefix(d.Name(), ".") && rel != "." || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		checked++
		for _, f := range forbidden {
			if bytes.Contains(b, []byte(f)) {
				t.Errorf("%s: %s: credentials must come from the default chain", rel, f)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("only %d Go files checked: the walk missed the repository", checked)
	}
}

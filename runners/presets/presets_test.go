package presets

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/deliverypipe/deliverypipe/runners/emr/render"
)

// beamFlags defines the runner flags Beam's jobopts package defines, with
// Beam's defaults, on a fresh flag set.
func beamFlags() *flag.FlagSet {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	for _, name := range []string{"runner", "endpoint", "environment_type", "environment_config", "worker_binary", "experiments"} {
		fs.String(name, "", "")
	}
	fs.Int("parallelism", -1, "")
	return fs
}

func TestApply(t *testing.T) {
	dir := t.TempDir()
	flinkFile := filepath.Join(dir, "flink-endpoint")
	if err := os.WriteFile(flinkFile, []byte("127.0.0.1:4242\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		preset  string
		args    []string
		env     map[string]string
		file    string // replaces the preset's EndpointFile when set
		want    map[string]string
		wantErr string
	}{
		{
			name: "prism stays in process", preset: "prism",
			want: map[string]string{"runner": "prism", "endpoint": "", "environment_type": "", "parallelism": "-1"},
		},
		{
			name: "prism server with endpoint", preset: "prism-server", args: []string{"--endpoint=127.0.0.1:8073"},
			want: map[string]string{"runner": "prism", "endpoint": "127.0.0.1:8073", "environment_type": "LOOPBACK"},
		},
		{
			name: "prism server without endpoint", preset: "prism-server",
			wantErr: "needs a job server",
		},
		{
			name: "flink local from the job server's file", preset: "flink-local", file: flinkFile,
			want: map[string]string{"runner": "flink", "endpoint": "127.0.0.1:4242", "environment_type": "LOOPBACK", "parallelism": "2"},
		},
		{
			name: "flink local from the environment", preset: "flink-local", file: flinkFile,
			env:  map[string]string{"FLINK_ENDPOINT": "127.0.0.1:5151"},
			want: map[string]string{"endpoint": "127.0.0.1:5151"},
		},
		{
			name: "flink local with no job server", preset: "flink-local", file: filepath.Join(dir, "missing"),
			wantErr: "FLINK_ENDPOINT",
		},
		{
			name: "explicit flags win", preset: "flink-local", file: flinkFile,
			args: []string{"--endpoint=127.0.0.1:9999", "--parallelism=1", "--environment_type=DOCKER"},
			want: map[string]string{"runner": "flink", "endpoint": "127.0.0.1:9999", "environment_type": "DOCKER", "parallelism": "1"},
		},
		{
			name: "flink on EMR", preset: "flink-emr",
			want: map[string]string{
				"runner": "flink", "endpoint": EMRJobEndpoint, "environment_type": "PROCESS",
				"environment_config": `{"command":"` + EMRBoot + `"}`, "worker_binary": EMRWorker, "parallelism": "-1",
			},
		},
		{
			name: "spark local", preset: "spark-local", env: map[string]string{"SPARK_ENDPOINT": "127.0.0.1:6000"},
			want: map[string]string{"runner": "spark", "endpoint": "127.0.0.1:6000", "environment_type": "LOOPBACK"},
		},
		{
			name: "spark on EMR, own worker", preset: "spark-emr", args: []string{"--worker_binary=/opt/w"},
			want: map[string]string{"runner": "spark", "environment_type": "PROCESS", "worker_binary": "/opt/w"},
		},
		// A portable runner named without a preset fails fast instead of
		// falling back to Beam's DOCKER environment.
		{
			name: "flink without an endpoint", preset: "prism", args: []string{"--runner=flink"},
			wantErr: "--runner=flink needs --endpoint=host:port of its job server (or --preset=flink-local",
		},
		{
			name: "flink without an environment", preset: "prism", args: []string{"--runner=flink", "--endpoint=127.0.0.1:8099"},
			wantErr: "--runner=flink needs --environment_type: LOOPBACK",
		},
		{
			name: "Beam's long runner names too", preset: "prism", args: []string{"--runner=SparkRunner"},
			wantErr: "--runner=SparkRunner needs --endpoint=host:port of its job server (or --preset=spark-local",
		},
		{
			name: "spark without an endpoint", preset: "prism", args: []string{"--runner=spark"},
			wantErr: "--preset=spark-local",
		},
		{
			name: "flink with endpoint and environment", preset: "prism",
			args: []string{"--runner=flink", "--endpoint=127.0.0.1:8099", "--environment_type=LOOPBACK"},
			want: map[string]string{"runner": "flink", "endpoint": "127.0.0.1:8099", "environment_type": "LOOPBACK"},
		},
		{
			name: "docker chosen explicitly is the user's call", preset: "prism",
			args: []string{"--runner=universal", "--endpoint=127.0.0.1:8099", "--environment_type=DOCKER"},
			want: map[string]string{"runner": "universal", "environment_type": "DOCKER"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, v := range []string{"FLINK_ENDPOINT", "SPARK_ENDPOINT"} {
				t.Setenv(v, tc.env[v])
			}
			p, err := Lookup(tc.preset)
			if err != nil {
				t.Fatal(err)
			}
			if tc.file != "" {
				p.EndpointFile = tc.file
			}
			fs := beamFlags()
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			err = p.Apply(fs)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Apply error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			for name, want := range tc.want {
				if got := fs.Lookup(name).Value.String(); got != want {
					t.Errorf("--%s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

func TestLookup(t *testing.T) {
	for _, name := range []string{"prism", "prism-server", "flink-local", "flink-emr", "spark-local", "spark-emr"} {
		if _, err := Lookup(name); err != nil {
			t.Errorf("Lookup(%q): %v", name, err)
		}
	}
	if _, err := Lookup("dataflow"); err == nil || !strings.Contains(err.Error(), "flink-local") {
		t.Errorf("Lookup(unknown) error = %v, want one listing the presets", err)
	}
	if _, err := Lookup(Default); err != nil {
		t.Errorf("default preset: %v", err)
	}
}

// TestApplyUndefinedFlag shows that Apply reports a flag set without Beam's
// flags instead of silently doing nothing.
func TestApplyUndefinedFlag(t *testing.T) {
	p, _ := Lookup("flink-emr")
	fs := flag.NewFlagSet("bare", flag.ContinueOnError)
	fs.String("endpoint", "", "")
	if err := p.Apply(fs); err == nil || !strings.Contains(err.Error(), "--runner is not defined") {
		t.Fatalf("Apply on a flag set without --runner: %v", err)
	}
}

func TestEMRPresetMatchesPlan(t *testing.T) {
	if jobPort != strconv.Itoa(render.JobPort) {
		t.Errorf("presets job port %s, EMR plan starts the job server on %d", jobPort, render.JobPort)
	}
}

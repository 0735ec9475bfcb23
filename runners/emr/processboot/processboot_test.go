package processboot

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	fnpb "github.com/apache/beam/sdks/v2/go/pkg/beam/model/fnexecution_v1"
	pipepb "github.com/apache/beam/sdks/v2/go/pkg/beam/model/pipeline_v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/structpb"
)

// provisionServer answers GetProvisionInfo with a fixed info, like a runner.
type provisionServer struct {
	fnpb.UnimplementedProvisionServiceServer
	info *fnpb.ProvisionInfo
}

func (s *provisionServer) GetProvisionInfo(context.Context, *fnpb.GetProvisionInfoRequest) (*fnpb.GetProvisionInfoResponse, error) {
	return &fnpb.GetProvisionInfoResponse{Info: s.info}, nil
}

func startProvision(t *testing.T, info *fnpb.ProvisionInfo) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	fnpb.RegisterProvisionServiceServer(srv, &provisionServer{info: info})
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

func TestParseArgs(t *testing.T) {
	// The flags Beam's Java ProcessEnvironmentFactory passes.
	a, err := ParseArgs([]string{"--id=1-1", "--logging_endpoint=l:1", "--artifact_endpoint=a:1", "--provision_endpoint=p:1", "--control_endpoint=c:1"})
	if err != nil {
		t.Fatal(err)
	}
	if a != (Args{ID: "1-1", LoggingEndpoint: "l:1", ArtifactEndpoint: "a:1", ProvisionEndpoint: "p:1", ControlEndpoint: "c:1"}) {
		t.Errorf("parsed %+v", a)
	}
	for _, bad := range [][]string{{"--provision_endpoint=p:1"}, {"--id=1"}, {"--id=1", "--provision_endpoint=p:1", "--new_flag=x"}} {
		if _, err := ParseArgs(bad); err == nil {
			t.Errorf("ParseArgs(%q) accepted", bad)
		}
	}
}

// TestBootRunsTheInstalledWorker boots a stand-in worker (a shell script
// recording its flags and the options file) against a provision server on
// loopback, as a TaskManager would.
func TestBootRunsTheInstalledWorker(t *testing.T) {
	opts, err := structpb.NewStruct(map[string]any{"options": map[string]any{"stream": "orders", "job_name": "dp"}})
	if err != nil {
		t.Fatal(err)
	}
	addr := startProvision(t, &fnpb.ProvisionInfo{
		PipelineOptions:    opts,
		LoggingEndpoint:    &pipepb.ApiServiceDescriptor{Url: "127.0.0.1:7001"},
		ControlEndpoint:    &pipepb.ApiServiceDescriptor{Url: "127.0.0.1:7002"},
		RunnerCapabilities: []string{"beam:protocol:a:v1", "beam:protocol:b:v1"},
	})
	dir := t.TempDir()
	record := filepath.Join(dir, "record")
	worker := filepath.Join(dir, "pipeline")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + record + ".args\ncat \"$PIPELINE_OPTIONS_FILE\" > " + record + ".options\necho \"$RUNNER_CAPABILITIES\" > " + record + ".caps\n"
	if err := os.WriteFile(worker, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	a, err := ParseArgs([]string{"--id=7", "--provision_endpoint=" + addr, "--logging_endpoint=ignored:1", "--semi_persist_dir=" + dir})
	if err != nil {
		t.Fatal(err)
	}
	w, err := Prepare(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Run(worker); err != nil {
		t.Fatal(err)
	}
	args, _ := os.ReadFile(record + ".args")
	want := []string{"--worker=true", "--id=7", "--logging_endpoint=127.0.0.1:7001", "--control_endpoint=127.0.0.1:7002", "--semi_persist_dir=" + dir}
	if got := strings.Fields(string(args)); !slices.Equal(got, want) {
		t.Errorf("worker args %q, want %q", got, want)
	}
	var got map[string]any
	raw, _ := os.ReadFile(record + ".options")
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("options file %q: %v", raw, err)
	}
	if o, _ := got["options"].(map[string]any); o["stream"] != "orders" || o["job_name"] != "dp" {
		t.Errorf("options %v", got)
	}
	if caps, _ := os.ReadFile(record + ".caps"); strings.TrimSpace(string(caps)) != "beam:protocol:a:v1 beam:protocol:b:v1" {
		t.Errorf("RUNNER_CAPABILITIES %q", caps)
	}
	if _, err := os.Stat(w.OptionsFile); !os.IsNotExist(err) {
		t.Errorf("options file %s left behind (%v)", w.OptionsFile, err)
	}
}

func TestBootFailsWithoutEndpoints(t *testing.T) {
	addr := startProvision(t, &fnpb.ProvisionInfo{PipelineOptions: &structpb.Struct{}})
	_, err := Prepare(context.Background(), Args{ID: "1", ProvisionEndpoint: addr, SemiPersistDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "control endpoints") {
		t.Errorf("Prepare without endpoints: %v", err)
	}
}

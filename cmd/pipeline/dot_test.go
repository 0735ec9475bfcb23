package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// committedDot is the graph drawing kept in the repository (rendered to
// docs/pipeline.svg by `make pipeline-graph`).
const committedDot = "../../docs/pipeline.dot"

// TestPipelineGraphIsCurrent builds the graph with Beam's dot runner, as
// `pipeline --runner=dot` does (no AWS access), and fails when
// docs/pipeline.dot no longer matches it.
func TestPipelineGraphIsCurrent(t *testing.T) {
	out := filepath.Join(t.TempDir(), "pipeline.dot")
	for name, v := range map[string]string{"runner": "dot", "dot_file": out, "stream": "", "bucket": "", "kpi-table": ""} {
		f := flag.Lookup(name)
		if f == nil {
			t.Fatalf("flag --%s not registered", name)
		}
		old := f.Value.String()
		if err := flag.Set(name, v); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { flag.Set(name, old) })
	}
	// Any AWS call would fail fast against this endpoint: the dot runner
	// must not need one.
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	if err := run(context.Background()); err != nil {
		t.Fatalf("pipeline --runner=dot: %v", err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), "digraph") {
		t.Fatalf("dot runner wrote no graph:\n%s", got)
	}
	want, err := os.ReadFile(committedDot)
	if err != nil {
		t.Fatalf("%v: run `make pipeline-graph` and commit docs/pipeline.dot and docs/pipeline.svg", err)
	}
	if string(got) != string(want) {
		t.Errorf("docs/pipeline.dot is stale: the graph changed. Run `make pipeline-graph` and commit docs/pipeline.dot and docs/pipeline.svg")
	}
}

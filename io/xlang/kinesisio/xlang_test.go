//go:build xlang

package kinesisio

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/runtime/graphx"
	pipepb "github.com/apache/beam/sdks/v2/go/pkg/beam/model/pipeline_v1"
	"google.golang.org/protobuf/proto"
)

// Tests against the expansion service of runners/expansion/expansion.sh
// (make test-xlang starts one): KINESIS_EXPANSION_ADDR, else the endpoint file
// the script writes.
func expansionAddr(t *testing.T) string {
	t.Helper()
	if a := os.Getenv("KINESIS_EXPANSION_ADDR"); a != "" {
		return a
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "..", ".stack", "expansion", "endpoint"))
	if err != nil {
		t.Fatalf("no expansion service (run runners/expansion/expansion.sh start or make test-xlang): %v", err)
	}
	return strings.TrimSpace(string(b))
}

// marshal builds p into its portable proto, with the expanded Java transforms
// merged in, as a runner would receive it.
func marshal(t *testing.T, p *beam.Pipeline) *pipepb.Components {
	t.Helper()
	edges, _, err := p.Build()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	pp, err := graphx.Marshal(edges, &graphx.Options{Environment: &pipepb.Environment{Urn: "beam:env:loopback:v1"}})
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return pp.GetComponents()
}

// javaLeaves returns the leaf transforms the expansion service added: those
// whose environment is not the Go one.
func javaLeaves(c *pipepb.Components) []*pipepb.PTransform {
	var out []*pipepb.PTransform
	for _, tr := range c.GetTransforms() {
		if len(tr.GetSubtransforms()) == 0 && tr.GetEnvironmentId() != "" && tr.GetEnvironmentId() != "go" {
			out = append(out, tr)
		}
	}
	return out
}

// assertLoopbackJavaEnv checks that tr runs in an environment that can be
// served by the expansion service's own Java worker at addr (EXTERNAL, alone
// or among the alternatives of an ANYOF environment).
func assertLoopbackJavaEnv(t *testing.T, c *pipepb.Components, tr *pipepb.PTransform, addr string) {
	t.Helper()
	env := c.GetEnvironments()[tr.GetEnvironmentId()]
	envs := []*pipepb.Environment{env}
	if env.GetUrn() == "beam:env:anyof:v1" {
		var anyOf pipepb.AnyOfEnvironmentPayload
		if err := proto.Unmarshal(env.GetPayload(), &anyOf); err != nil {
			t.Fatalf("anyof payload: %v", err)
		}
		envs = anyOf.GetEnvironments()
	}
	for _, e := range envs {
		if e.GetUrn() != "beam:env:external:v1" {
			continue
		}
		var ext pipepb.ExternalPayload
		if err := proto.Unmarshal(e.GetPayload(), &ext); err != nil {
			t.Fatalf("external payload: %v", err)
		}
		if ext.GetEndpoint().GetUrl() == addr {
			return
		}
	}
	t.Errorf("transform %q: environment %s offers no EXTERNAL worker at %s", tr.GetUniqueName(), env.GetUrn(), addr)
}

func TestExpandWrite(t *testing.T) {
	addr := expansionAddr(t)
	p, s := beam.NewPipelineWithRoot()
	in := beam.Create(s, []byte("order-1"), []byte("order-2"))
	Write(s, addr, "orders-copy", "pk", conn, in, Endpoint("http://127.0.0.1:4567"), VerifyCertificate(false))

	c := marshal(t, p)
	java := javaLeaves(c)
	if len(java) == 0 {
		t.Fatal("expansion added no Java transforms")
	}
	// The Java side must consume the Go []byte PCollection as bytes.
	var consumesInput bool
	for _, tr := range java {
		assertLoopbackJavaEnv(t, c, tr, addr)
		for _, pcID := range tr.GetInputs() {
			pc := c.GetPcollections()[pcID]
			if urn := c.GetCoders()[pc.GetCoderId()].GetSpec().GetUrn(); urn == "beam:coder:bytes:v1" {
				consumesInput = true
			}
		}
	}
	if !consumesInput {
		t.Error("no Java transform reads a beam:coder:bytes:v1 PCollection")
	}
}

func TestExpandRead(t *testing.T) {
	addr := expansionAddr(t)
	tests := []struct {
		name    string
		opts    []ReadOption
		bounded pipepb.IsBounded_Enum
	}{
		{"unbounded", []ReadOption{ProcessingTimeWatermark()}, pipepb.IsBounded_UNBOUNDED},
		{"bounded by MaxNumRecords", []ReadOption{MaxNumRecords(10), InitialPosition(TrimHorizon)}, pipepb.IsBounded_BOUNDED},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, s := beam.NewPipelineWithRoot()
			opts := append([]ReadOption{Endpoint("http://127.0.0.1:4567"), VerifyCertificate(false)}, tc.opts...)
			out := Read(s, addr, "orders", conn, opts...)
			if got := out.Type().Type().String(); got != "[]uint8" {
				t.Errorf("Read output type %s, want []uint8", got)
			}
			c := marshal(t, p)
			// The expanded read's final output is the PCollection no transform
			// consumes (runner primitives such as a bounded read's
			// GroupByKey carry no environment, so look at every leaf).
			consumed := map[string]bool{}
			for _, tr := range c.GetTransforms() {
				for _, id := range tr.GetInputs() {
					consumed[id] = true
				}
			}
			for _, tr := range javaLeaves(c) {
				assertLoopbackJavaEnv(t, c, tr, addr)
			}
			var final []string
			for _, tr := range javaLeaves(c) {
				for _, id := range tr.GetOutputs() {
					if !consumed[id] {
						final = append(final, id)
					}
				}
			}
			if len(final) != 1 {
				t.Fatalf("expanded read has %d final outputs %v, want 1", len(final), final)
			}
			pc := c.GetPcollections()[final[0]]
			if urn := c.GetCoders()[pc.GetCoderId()].GetSpec().GetUrn(); urn != "beam:coder:bytes:v1" {
				t.Errorf("read output coder %s, want beam:coder:bytes:v1", urn)
			}
			if pc.GetIsBounded() != tc.bounded {
				t.Errorf("read output is %v, want %v", pc.GetIsBounded(), tc.bounded)
			}
		})
	}
}

package checkpoint_test

import (
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/deliverypipe/deliverypipe/io/checkpoint"
	"github.com/deliverypipe/deliverypipe/io/kinesisio"
)

// Commit runs downstream of the sinks: their outputs hold its watermark.
func ExampleCommit() {
	p, s := beam.NewPipelineWithRoot()
	records := kinesisio.Read(s, "orders")
	written := []beam.PCollection{ /* the sinks' outputs */ }
	checkpoint.Commit(s, records, written, "orders-checkpoints", "orders",
		checkpoint.WithAllowedLateness(10*time.Minute), checkpoint.WithHorizon(4*time.Hour))
	_ = p
}

// DropFinal keeps a restarted run from rewriting windows a previous run
// finished.
func ExampleDropFinal() {
	_, s := beam.NewPipelineWithRoot()
	kpis := beam.Create(s, "a", "b") // stands for a windowed output
	checkpoint.DropFinal(s, kpis, time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
}

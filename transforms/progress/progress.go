// Package progress counts the elements that pass a point of a pipeline in an
// in-process counter, so a local run can report its throughput while it
// runs.
//
// Beam Go exposes metrics only in the result of a finished job on prism, and
// a streaming job never finishes; the in-process prism runs the DoFns in the
// launching process, so a process-wide atomic counter is visible to the
// launcher while the job runs. On a remote runner (Flink, Spark) the DoFns
// run in other processes and Records stays 0 in the launcher: use the
// runner's metrics there.
package progress

import (
	"sync/atomic"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

func init() {
	register.DoFn2x0[beam.X, func(beam.X)](&countFn{})
	register.Emitter1[beam.X]()
}

var records atomic.Int64

// Records returns how many elements the Count stages of this process have
// passed since it started.
func Records() int64 { return records.Load() }

// Count passes col through unchanged, counting its elements in Records.
func Count(s beam.Scope, col beam.PCollection) beam.PCollection {
	return beam.ParDo(s.Scope("progress.Count"), &countFn{}, col)
}

type countFn struct{}

func (*countFn) ProcessElement(x beam.X, emit func(beam.X)) {
	records.Add(1)
	emit(x)
}

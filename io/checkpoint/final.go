package checkpoint

import (
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

func init() {
	register.DoFn3x0[beam.Window, beam.X, func(beam.X)](&dropFinalFn{})
	register.Emitter1[beam.X]()
}

// DropFinal drops the elements of col whose window ends at or before
// finalUntil: outputs a previous run already wrote in full. A restarted run
// replays from before finalUntil only to rebuild state, so what it would
// write for those windows is partial. Elements in the global window pass.
func DropFinal(s beam.Scope, col beam.PCollection, finalUntil time.Time) beam.PCollection {
	s = s.Scope("checkpoint.DropFinal")
	return beam.ParDo(s, &dropFinalFn{FinalUntilMillis: finalUntil.UnixMilli()}, col)
}

type dropFinalFn struct {
	FinalUntilMillis int64
}

func (f *dropFinalFn) ProcessElement(w beam.Window, x beam.X, emit func(beam.X)) {
	if _, global := w.(window.GlobalWindow); global || int64(w.MaxTimestamp())+1 > f.FinalUntilMillis {
		emit(x)
	}
}

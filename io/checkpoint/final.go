package checkpoint

import (
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/typex"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

func init() {
	register.DoFn3x0[beam.Window, beam.X, func(beam.X)](&dropFinalFn{})
	register.DoFn4x0[beam.Window, beam.X, beam.Y, func(beam.X, beam.Y)](&dropFinalKVFn{})
	register.Emitter1[beam.X]()
	register.Emitter2[beam.X, beam.Y]()
}

// DropFinal drops the elements of col whose window ends at or before
// finalUntil: outputs a previous run already wrote in full. A restarted run
// replays from before finalUntil only to rebuild state, so what it would
// write for those windows is partial. Elements in the global window pass.
// col may be keyed (a PCollection<KV<K, V>>, such as a sink's packed rows).
func DropFinal(s beam.Scope, col beam.PCollection, finalUntil time.Time) beam.PCollection {
	s = s.Scope("checkpoint.DropFinal")
	if typex.IsKV(col.Type()) {
		return beam.ParDo(s, &dropFinalKVFn{FinalUntilMillis: finalUntil.UnixMilli()}, col)
	}
	return beam.ParDo(s, &dropFinalFn{FinalUntilMillis: finalUntil.UnixMilli()}, col)
}

// final says whether w's outputs were written in full by a previous run.
func final(w beam.Window, finalUntilMillis int64) bool {
	_, global := w.(window.GlobalWindow)
	return !global && int64(w.MaxTimestamp())+1 <= finalUntilMillis
}

type dropFinalFn struct {
	FinalUntilMillis int64
}

func (f *dropFinalFn) ProcessElement(w beam.Window, x beam.X, emit func(beam.X)) {
	if !final(w, f.FinalUntilMillis) {
		emit(x)
	}
}

// dropFinalKVFn is dropFinalFn for keyed elements.
type dropFinalKVFn struct {
	FinalUntilMillis int64
}

func (f *dropFinalKVFn) ProcessElement(w beam.Window, k beam.X, v beam.Y, emit func(beam.X, beam.Y)) {
	if !final(w, f.FinalUntilMillis) {
		emit(k, v)
	}
}

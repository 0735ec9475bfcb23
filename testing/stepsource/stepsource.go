// Package stepsource is a test source that drives the watermark step by step
// on runners whose TestStream cannot: an unbounded splittable DoFn that emits
// each step's events and then moves a manual watermark, one step per resume.
//
// Why not TestStream: on Flink's portable runner (Beam 2.62) the first SDK
// stage after a TestStream puts its elements into bundles regardless of the
// watermark events between them, and the watermark advances only when a
// bundle finishes, so elements meant to be late arrive on time.
//
// Why this works: each step ends the SDK bundle with a self-checkpoint whose
// residual carries the step's watermark; the runner emits that watermark
// downstream when the bundle completes, and the next step's elements are
// produced only when it resumes the residual in a later bundle. So every
// element meets exactly the watermark of the step before it, whatever the
// pause: the kpi late-pane tests pass on Flink 2.62 with pauses of 0 and 3 s
// (Flink was seen resuming sooner than 3 s anyway).
package stepsource

import (
	"math"
	"reflect"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/mtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/sdf"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/rtrackers/offsetrange"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func init() {
	register.DoFn4x1[*manualWatermark, *sdf.LockRTracker, []byte, func(beam.EventTime, event.Event), sdf.ProcessContinuation](&stepFn{})
	register.Emitter2[beam.EventTime, event.Event]()
	beam.RegisterType(reflect.TypeFor[Step]())
}

// DefaultPause is the resume delay requested between steps; the order of
// elements and watermarks does not depend on it (see the package doc).
const DefaultPause = 100 * time.Millisecond

// Step is one step: emit Events, each stamped with its EventTimeMillis, then
// set the watermark to Watermark (Unix ms; 0 leaves it where it is).
type Step struct {
	Events    []event.Event
	Watermark int64
}

// Events returns an unbounded PCollection<event.Event> that replays steps
// with pause between them; after the last step the watermark goes to +inf.
func Events(s beam.Scope, pause time.Duration, steps ...Step) beam.PCollection {
	s = s.Scope("stepsource.Events")
	return beam.ParDo(s, &stepFn{Steps: steps, PauseMs: pause.Milliseconds()}, beam.Impulse(s))
}

type stepFn struct {
	Steps   []Step
	PauseMs int64
}

// manualWatermark moves only when told: it does not observe output
// timestamps, so emitting late elements does not move it.
type manualWatermark struct{ ms int64 }

func (w *manualWatermark) CurrentWatermark() time.Time { return time.UnixMilli(w.ms) }

func (fn *stepFn) CreateInitialRestriction(_ []byte) offsetrange.Restriction {
	return offsetrange.Restriction{Start: 0, End: int64(len(fn.Steps))}
}

func (fn *stepFn) SplitRestriction(_ []byte, r offsetrange.Restriction) []offsetrange.Restriction {
	return []offsetrange.Restriction{r}
}

func (fn *stepFn) RestrictionSize(_ []byte, r offsetrange.Restriction) float64 { return r.Size() }

func (fn *stepFn) CreateTracker(r offsetrange.Restriction) *sdf.LockRTracker {
	return sdf.NewLockRTracker(offsetrange.NewTracker(r))
}

func (fn *stepFn) InitialWatermarkEstimatorState(_ beam.EventTime, _ offsetrange.Restriction, _ []byte) int64 {
	return math.MinInt64 / 2 // before any event time (Beam's minimum timestamp is ≈ MinInt64/1000)
}

func (fn *stepFn) CreateWatermarkEstimator(ms int64) *manualWatermark {
	return &manualWatermark{ms: ms}
}

func (fn *stepFn) WatermarkEstimatorState(w *manualWatermark) int64 { return w.ms }

func (fn *stepFn) ProcessElement(w *manualWatermark, rt *sdf.LockRTracker, _ []byte, emit func(beam.EventTime, event.Event)) sdf.ProcessContinuation {
	i := rt.GetRestriction().(offsetrange.Restriction).Start
	if !rt.TryClaim(i) {
		return sdf.StopProcessing()
	}
	st := fn.Steps[i]
	for _, e := range st.Events {
		emit(mtime.FromMilliseconds(e.EventTimeMillis), e)
	}
	if st.Watermark != 0 {
		w.ms = st.Watermark
	}
	if i+1 == int64(len(fn.Steps)) {
		return sdf.StopProcessing() // restriction done: the watermark goes to +inf
	}
	return sdf.ResumeProcessingIn(time.Duration(fn.PauseMs) * time.Millisecond)
}

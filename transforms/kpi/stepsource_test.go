package kpi

import (
	"math"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/mtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/sdf"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/rtrackers/offsetrange"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func init() {
	register.DoFn4x1[*manualWatermark, *sdf.LockRTracker, []byte, func(beam.EventTime, event.Event), sdf.ProcessContinuation](&stepSourceFn{})
	register.Emitter2[beam.EventTime, event.Event]()
}

// stepPause separates the steps of a stepSource. On Flink it must exceed
// the runner's bundle time (1 s by default, and Go cannot change it): a
// watermark advances only when the bundle that emitted the step's elements
// finishes, and elements of the next step in the same bundle would overtake
// it. Flink fires the bundle-finish timer (due first) before the resume.
const stepPause = 3 * time.Second

// sourceStep is one step of a stepSource: emit events, then set the watermark.
type sourceStep struct {
	Events    []streamEvent
	Watermark int64 // Unix ms; 0 leaves it unchanged
}

// stepSourceFn is an unbounded splittable DoFn that replays steps, one per
// resume, with a manual watermark. It replaces TestStream on Flink's
// portable runner, where TestStream elements and watermarks are bundled
// together by the first SDK stage, so late elements there arrive on time.
type stepSourceFn struct {
	Steps   []sourceStep
	PauseMs int64
}

// manualWatermark is a watermark estimator that moves only when told: it does
// not observe output timestamps, so late elements do not move it.
type manualWatermark struct{ ms int64 }

func (w *manualWatermark) CurrentWatermark() time.Time { return time.UnixMilli(w.ms) }

func (fn *stepSourceFn) CreateInitialRestriction(_ []byte) offsetrange.Restriction {
	return offsetrange.Restriction{Start: 0, End: int64(len(fn.Steps))}
}

func (fn *stepSourceFn) SplitRestriction(_ []byte, r offsetrange.Restriction) []offsetrange.Restriction {
	return []offsetrange.Restriction{r}
}

func (fn *stepSourceFn) RestrictionSize(_ []byte, r offsetrange.Restriction) float64 {
	return r.Size()
}

func (fn *stepSourceFn) CreateTracker(r offsetrange.Restriction) *sdf.LockRTracker {
	return sdf.NewLockRTracker(offsetrange.NewTracker(r))
}

func (fn *stepSourceFn) InitialWatermarkEstimatorState(_ beam.EventTime, _ offsetrange.Restriction, _ []byte) int64 {
	return math.MinInt64 / 2 // far before any step; mtime.MinTimestamp in ms
}

func (fn *stepSourceFn) CreateWatermarkEstimator(ms int64) *manualWatermark {
	return &manualWatermark{ms: ms}
}

func (fn *stepSourceFn) WatermarkEstimatorState(w *manualWatermark) int64 { return w.ms }

func (fn *stepSourceFn) ProcessElement(w *manualWatermark, rt *sdf.LockRTracker, _ []byte, emit func(beam.EventTime, event.Event)) sdf.ProcessContinuation {
	i := rt.GetRestriction().(offsetrange.Restriction).Start
	if !rt.TryClaim(i) {
		return sdf.StopProcessing()
	}
	st := fn.Steps[i]
	for _, e := range st.Events {
		emit(mtime.FromMilliseconds(e.Millis), fromStreamEvent(e))
	}
	if st.Watermark != 0 {
		w.ms = st.Watermark
	}
	if i+1 == int64(len(fn.Steps)) {
		return sdf.StopProcessing() // restriction done: the watermark goes to +inf
	}
	return sdf.ResumeProcessingIn(time.Duration(fn.PauseMs) * time.Millisecond)
}

// stepSource emits the steps' events, each stamped with its event time, and
// moves the watermark after each step; the watermark ends at +inf.
func stepSource(s beam.Scope, steps ...step) beam.PCollection {
	fn := &stepSourceFn{PauseMs: stepPause.Milliseconds()}
	for _, st := range steps {
		ss := sourceStep{Watermark: st.watermark}
		for _, e := range st.add {
			ss.Events = append(ss.Events, toStreamEvent(e))
		}
		fn.Steps = append(fn.Steps, ss)
	}
	return beam.ParDo(s, fn, beam.Impulse(s))
}

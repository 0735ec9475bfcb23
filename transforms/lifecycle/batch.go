package lifecycle

import (
	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/mtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func init() {
	register.DoFn2x0[event.Event, func(beam.EventTime, string, event.Batch)](&batchFn{})
	register.Emitter3[beam.EventTime, string, event.Batch]()
}

// maxBuffered bounds the events a batchFn holds at once, so a large bundle
// does not keep all its events in memory until it finishes.
const maxBuffered = 10_000

// batchFn groups the events of a bundle by state key (an event.Batch per
// key, its events in arrival order), so that the stateful
// stage reads and writes each key's state once per bundle instead of once
// per event. A batch is timestamped with its earliest event, which holds the
// watermark exactly as its events would have one by one.
type batchFn struct {
	Buckets     int
	MaxBuffered int

	pending  map[string]*pendingBatch
	buffered int
}

type pendingBatch struct {
	min    int64
	events []event.Event
}

// StartBundle takes the emitter only because Beam Go requires every method
// of a DoFn that emits in FinishBundle to list it.
func (f *batchFn) StartBundle(_ func(beam.EventTime, string, event.Batch)) {
	f.pending, f.buffered = map[string]*pendingBatch{}, 0
}

func (f *batchFn) ProcessElement(e event.Event, emit func(beam.EventTime, string, event.Batch)) {
	k := bucketKey(e.OrderID, f.Buckets)
	p := f.pending[k]
	if p == nil {
		p = &pendingBatch{min: e.EventTimeMillis}
		f.pending[k] = p
	}
	p.min = min(p.min, e.EventTimeMillis)
	p.events = append(p.events, e)
	if f.buffered++; f.buffered >= f.MaxBuffered {
		f.flush(emit)
	}
}

func (f *batchFn) FinishBundle(emit func(beam.EventTime, string, event.Batch)) {
	f.flush(emit)
}

func (f *batchFn) flush(emit func(beam.EventTime, string, event.Batch)) {
	for k, p := range f.pending {
		emit(mtime.FromMilliseconds(p.min), k, event.Batch{Events: p.events})
	}
	clear(f.pending)
	f.buffered = 0
}

package lifecycle

import (
	"fmt"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/mtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/deliverypipe/deliverypipe/transforms/event"
	"github.com/deliverypipe/deliverypipe/transforms/wire"
)

func init() {
	register.DoFn2x0[event.Event, func(beam.EventTime, string, batch)](&batchFn{})
	register.Emitter3[beam.EventTime, string, batch]()
	beam.RegisterType(reflect.TypeFor[batch]())
	wire.RegisterCoder(encodeBatch, decodeBatch)
}

// maxBuffered bounds the events a batchFn holds at once, so a large bundle
// does not keep all its events in memory until it finishes.
const maxBuffered = 10_000

// batch is the events of one state key from one bundle, in arrival order.
type batch struct {
	Events []event.Event
}

// batchFn groups the events of a bundle by state key, so that the stateful
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
func (f *batchFn) StartBundle(_ func(beam.EventTime, string, batch)) {
	f.pending, f.buffered = map[string]*pendingBatch{}, 0
}

func (f *batchFn) ProcessElement(e event.Event, emit func(beam.EventTime, string, batch)) {
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

func (f *batchFn) FinishBundle(emit func(beam.EventTime, string, batch)) {
	f.flush(emit)
}

func (f *batchFn) flush(emit func(beam.EventTime, string, batch)) {
	for k, p := range f.pending {
		emit(mtime.FromMilliseconds(p.min), k, batch{Events: p.events})
	}
	clear(f.pending)
	f.buffered = 0
}

// encodeBatch is batch's coder: the event count, then each event's binary
// form, length-prefixed. A batch crosses from the parse stage to the
// stateful one, so it is coded as event.Event is (package wire has why).
func encodeBatch(b batch) []byte {
	buf := wire.AppendUvarint(nil, uint64(len(b.Events)))
	var one []byte
	for i := range b.Events {
		one, _ = b.Events[i].AppendBinary(one[:0])
		buf = wire.AppendBytes(buf, one)
	}
	return buf
}

// decodeBatch reverses encodeBatch. Each event's strings share a copy of
// that event's bytes only: events outlive the batch (archive buffers).
func decodeBatch(data []byte) (batch, error) {
	d := wire.NewDecoder(data)
	b := batch{Events: make([]event.Event, d.Count())}
	for i := range b.Events {
		one := d.Bytes()
		if d.Err() != nil {
			break
		}
		if err := b.Events[i].UnmarshalBinary(one); err != nil {
			return batch{}, fmt.Errorf("lifecycle: batch: event %d of %d: %w", i, len(b.Events), err)
		}
	}
	if err := d.Done(); err != nil {
		return batch{}, fmt.Errorf("lifecycle: batch: %w", err)
	}
	return b, nil
}

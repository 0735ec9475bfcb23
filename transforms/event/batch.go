package event

import (
	"fmt"

	"github.com/deliverypipe/deliverypipe/transforms/wire"
)

func init() {
	wire.RegisterCoder(encodeBatch, decodeBatch)
}

// Batch is many events as one element. The stateful lifecycle stage takes a
// bucket of orders' events as one, and emits the new (deduplicated) events
// of each as one, so that the stages after it (enrichment, the archive, the
// KPIs) pay Beam's per-element cost once per batch instead of once per
// event. Each event keeps its own event time (EventTimeMillis); a batch is
// timestamped with its earliest event, which holds the watermark exactly as
// its events would have one by one.
type Batch struct {
	Events []Event
}

// MinMillis is the earliest event time of b, the timestamp to give it, or
// 0 when b is empty.
func (b Batch) MinMillis() int64 {
	if len(b.Events) == 0 {
		return 0
	}
	m := b.Events[0].EventTimeMillis
	for i := range b.Events[1:] {
		m = min(m, b.Events[i+1].EventTimeMillis)
	}
	return m
}

// encodeBatch is Batch's coder: the event count, then each event's binary
// form, length-prefixed (package wire has why not Beam's row coder).
func encodeBatch(b Batch) []byte {
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
func decodeBatch(data []byte) (Batch, error) {
	d := wire.NewDecoder(data)
	b := Batch{Events: make([]Event, d.Count())}
	for i := range b.Events {
		one := d.Bytes()
		if d.Err() != nil {
			break
		}
		if err := b.Events[i].UnmarshalBinary(one); err != nil {
			return Batch{}, fmt.Errorf("event: batch: event %d of %d: %w", i, len(b.Events), err)
		}
	}
	if err := d.Done(); err != nil {
		return Batch{}, fmt.Errorf("event: batch: %w", err)
	}
	return b, nil
}

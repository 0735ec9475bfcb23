package lifecycle

import (
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
)

func init() {
	beam.RegisterCoder(reflect.TypeFor[bucketState](), encodeBucket, decodeBucket)
}

// encodeBucket is the state coder of a bucket: varints and length-prefixed
// strings, written by hand because the state cell is read and written whole
// on every batch and timer, and Beam's reflective row coder took about half
// of the stage's CPU (profile in docs/benchmarks.md). The derived fields of
// the fact (minutes, flags) are not stored: finish computes them.
func encodeBucket(b bucketState) []byte {
	buf := make([]byte, 0, 16+len(b.Orders)*160)
	buf = binary.AppendUvarint(buf, uint64(len(b.Armed)))
	for _, a := range b.Armed {
		buf = binary.AppendVarint(binary.AppendVarint(buf, a.Tick), a.Hold)
	}
	buf = binary.AppendUvarint(buf, uint64(len(b.Orders)))
	for i := range b.Orders {
		o := &b.Orders[i]
		f := &o.Fact
		for _, s := range []string{f.OrderID, f.RestaurantID, f.DriverID, f.Zone} {
			buf = appendString(buf, s)
		}
		for _, t := range []int64{f.CreatedMillis, f.AcceptedMillis, f.PickedUpMillis, f.DeliveredMillis, f.CancelledMillis, o.FirstMillis, o.LastMillis} {
			buf = binary.AppendVarint(buf, t)
		}
		emitted := uint64(0)
		if o.Emitted {
			emitted = 1
		}
		buf = binary.AppendUvarint(buf, emitted)
		buf = binary.AppendUvarint(buf, uint64(len(o.EventIDs)))
		for _, id := range o.EventIDs {
			buf = appendString(buf, id)
		}
	}
	return buf
}

func appendString(buf []byte, s string) []byte {
	return append(binary.AppendUvarint(buf, uint64(len(s))), s...)
}

var errCorrupt = errors.New("lifecycle: corrupt bucket state")

// decodeBucket reverses encodeBucket.
func decodeBucket(data []byte) (bucketState, error) {
	d := decoder{data: data}
	var b bucketState
	armed := d.uvarint()
	if armed > uint64(len(data)) {
		return b, fmt.Errorf("%w: %d timers in %d bytes", errCorrupt, armed, len(data))
	}
	b.Armed = make([]armedTimer, armed)
	for i := range b.Armed {
		b.Armed[i] = armedTimer{Tick: d.varint(), Hold: d.varint()}
	}
	n := d.uvarint()
	if n > uint64(len(data)) {
		return b, fmt.Errorf("%w: %d orders in %d bytes", errCorrupt, n, len(data))
	}
	b.Orders = make([]orderState, n)
	for i := range b.Orders {
		o := &b.Orders[i]
		f := &o.Fact
		for _, s := range []*string{&f.OrderID, &f.RestaurantID, &f.DriverID, &f.Zone} {
			*s = d.string()
		}
		for _, t := range []*int64{&f.CreatedMillis, &f.AcceptedMillis, &f.PickedUpMillis, &f.DeliveredMillis, &f.CancelledMillis, &o.FirstMillis, &o.LastMillis} {
			*t = d.varint()
		}
		o.Emitted = d.uvarint() == 1
		ids := d.uvarint()
		if ids > uint64(len(data)) {
			return b, fmt.Errorf("%w: %d event ids", errCorrupt, ids)
		}
		o.EventIDs = make([]string, ids)
		for j := range o.EventIDs {
			o.EventIDs[j] = d.string()
		}
	}
	if d.err {
		return b, errCorrupt
	}
	return b, nil
}

// decoder reads varints and strings, remembering the first error.
type decoder struct {
	data []byte
	err  bool
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.data)
	if n <= 0 {
		d.err, d.data = true, nil
		return 0
	}
	d.data = d.data[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.data)
	if n <= 0 {
		d.err, d.data = true, nil
		return 0
	}
	d.data = d.data[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.data)) {
		d.err, d.data = true, nil
		return ""
	}
	s := string(d.data[:n])
	d.data = d.data[n:]
	return s
}

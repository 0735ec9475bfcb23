package lifecycle

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
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
// the fact (minutes, flags) are not stored: finish computes them. The buffer
// is sized by encodedSize first: growing it by doubling was most of the
// coder's allocation.
func encodeBucket(b bucketState) []byte {
	buf := make([]byte, 0, encodedSize(&b))
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

// encodedSize is the length of encodeBucket's output.
func encodedSize(b *bucketState) int {
	n := uvarintLen(uint64(len(b.Armed))) + uvarintLen(uint64(len(b.Orders)))
	for _, a := range b.Armed {
		n += varintLen(a.Tick) + varintLen(a.Hold)
	}
	for i := range b.Orders {
		o := &b.Orders[i]
		f := &o.Fact
		for _, s := range []string{f.OrderID, f.RestaurantID, f.DriverID, f.Zone} {
			n += uvarintLen(uint64(len(s))) + len(s)
		}
		for _, t := range []int64{f.CreatedMillis, f.AcceptedMillis, f.PickedUpMillis, f.DeliveredMillis, f.CancelledMillis, o.FirstMillis, o.LastMillis} {
			n += varintLen(t)
		}
		n += 1 + uvarintLen(uint64(len(o.EventIDs))) // emitted flag, id count
		for _, id := range o.EventIDs {
			n += uvarintLen(uint64(len(id))) + len(id)
		}
	}
	return n
}

// uvarintLen is the length of binary.AppendUvarint's encoding of x.
func uvarintLen(x uint64) int { return (bits.Len64(x|1) + 6) / 7 }

// varintLen is the length of binary.AppendVarint's encoding of x (zig-zag).
func varintLen(x int64) int { return uvarintLen(uint64(x<<1) ^ uint64(x>>63)) }

func appendString(buf []byte, s string) []byte {
	return append(binary.AppendUvarint(buf, uint64(len(s))), s...)
}

var errCorrupt = errors.New("lifecycle: corrupt bucket state")

// decodeBucket reverses encodeBucket. Its strings are substrings of one
// copy of data instead of one allocation each: a cell lives for one batch or
// timer call, so sharing the copy keeps nothing alive for longer.
func decodeBucket(data []byte) (bucketState, error) {
	d := decoder{data: data, text: string(data)}
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
	var ids []string // one backing array for the orders' event ids
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
		k := d.uvarint()
		if k > uint64(len(d.data)) {
			return b, fmt.Errorf("%w: %d event ids", errCorrupt, k)
		}
		if cap(ids)-len(ids) < int(k) {
			// Room for this order's ids and a guess at the rest (4 a piece).
			ids = make([]string, 0, int(k)+4*(len(b.Orders)-i))
		}
		start := len(ids)
		for range k {
			ids = append(ids, d.string())
		}
		// Capped, so that appending to one order's ids copies them instead
		// of overwriting the next order's.
		o.EventIDs = ids[start:len(ids):len(ids)]
	}
	if d.err {
		return b, errCorrupt
	}
	return b, nil
}

// decoder reads varints and strings, remembering the first error; text is
// a string copy of data, which the strings are cut from.
type decoder struct {
	data []byte
	text string
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
	at := len(d.text) - len(d.data)
	d.data = d.data[n:]
	return d.text[at : at+int(n)]
}

package lifecycle

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/deliverypipe/deliverypipe/transforms/wire"
)

func init() {
	beam.RegisterCoder(reflect.TypeFor[bucketState](), encodeBucket, decodeBucket)
	// Registered as functions too, so the SDK calls them without reflection.
	register.Function1x1(encodeBucket)
	register.Function1x2(decodeBucket)
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
			buf = wire.AppendString(buf, s)
		}
		for _, t := range []int64{f.CreatedMillis, f.AcceptedMillis, f.PickedUpMillis, f.DeliveredMillis, f.CancelledMillis, o.FirstMillis, o.LastMillis} {
			buf = binary.AppendVarint(buf, t)
		}
		emitted := uint64(0)
		if o.Emitted {
			emitted = 1
		}
		buf = binary.AppendUvarint(buf, emitted)
		buf = binary.AppendUvarint(buf, uint64(len(o.EventHashes)))
		for _, h := range o.EventHashes {
			buf = binary.LittleEndian.AppendUint64(buf, h)
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
		n += 1 + uvarintLen(uint64(len(o.EventHashes))) + 8*len(o.EventHashes) // emitted flag, hashes
	}
	return n
}

// uvarintLen is the length of binary.AppendUvarint's encoding of x.
func uvarintLen(x uint64) int { return (bits.Len64(x|1) + 6) / 7 }

// varintLen is the length of binary.AppendVarint's encoding of x (zig-zag).
func varintLen(x int64) int { return uvarintLen(uint64(x<<1) ^ uint64(x>>63)) }

// decodeBucket reverses encodeBucket. Its strings are substrings of one
// copy of data instead of one allocation each: a decoded cell lives for at
// most one bundle, so sharing the copy keeps nothing alive for long.
func decodeBucket(data []byte) (bucketState, error) {
	d := wire.NewDecoder(data)
	var b bucketState
	b.Armed = make([]armedTimer, d.Count())
	for i := range b.Armed {
		b.Armed[i] = armedTimer{Tick: d.Varint(), Hold: d.Varint()}
	}
	b.Orders = make([]orderState, d.Count())
	var hashes []uint64 // one backing array for the orders' event hashes
	for i := range b.Orders {
		o := &b.Orders[i]
		f := &o.Fact
		for _, s := range []*string{&f.OrderID, &f.RestaurantID, &f.DriverID, &f.Zone} {
			*s = d.String()
		}
		for _, t := range []*int64{&f.CreatedMillis, &f.AcceptedMillis, &f.PickedUpMillis, &f.DeliveredMillis, &f.CancelledMillis, &o.FirstMillis, &o.LastMillis} {
			*t = d.Varint()
		}
		o.Emitted = d.Uvarint() == 1
		k := d.Count()
		if cap(hashes)-len(hashes) < k {
			// Room for this order's hashes and a guess at the rest (4 a piece).
			hashes = make([]uint64, 0, k+4*(len(b.Orders)-i))
		}
		start := len(hashes)
		for range k {
			hashes = append(hashes, d.Uint64())
		}
		// Capped, so that appending to one order's hashes copies them
		// instead of overwriting the next order's.
		o.EventHashes = hashes[start:len(hashes):len(hashes)]
	}
	if err := d.Done(); err != nil {
		return bucketState{}, fmt.Errorf("lifecycle: bucket state: %w", err)
	}
	return b, nil
}

package lifecycle

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/deliverypipe/deliverypipe/transforms/wire"
)

func init() {
	wire.RegisterCoder(encodeBucket, decodeBucket)
}

// encodeBucket is the state coder of a bucket: varints and length-prefixed
// strings, written by hand because the state cell is read and written whole
// (before the bundle cache, on every batch and timer), and Beam's reflective
// row coder took about half of the stage's CPU (profile in
// docs/benchmarks.md). The derived fields of
// the fact (minutes, flags) are not stored: finish computes them. An order's
// times are written as differences from its first event's time, and only
// those that are set (a flags byte says which): a third fewer bytes than
// whole varints. The buffer is sized by encodedSize first: growing it by
// doubling was most of the coder's allocation.
func encodeBucket(b bucketState) []byte {
	buf := make([]byte, 0, encodedSize(&b))
	buf = append(buf, bucketCoderVersion)
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
		buf = binary.AppendVarint(buf, o.FirstMillis)
		times := o.times()
		buf = append(buf, timeFlags(o, times))
		for _, t := range times {
			if t != 0 {
				// Wrapping subtraction: decodeBucket's addition undoes it
				// for any pair of values.
				buf = binary.AppendVarint(buf, t-o.FirstMillis)
			}
		}
		buf = binary.AppendUvarint(buf, uint64(len(o.EventHashes)))
		for _, h := range o.EventHashes {
			buf = binary.LittleEndian.AppendUint64(buf, h)
		}
	}
	return buf
}

// bucketCoderVersion is the first byte of every stored bucket. The cells
// outlive a job (Flink savepoints, a restarted job's state), so a later
// layout gets a new version and decodeBucket keeps reading the old ones.
const bucketCoderVersion byte = 1

// times are the times of an order written relative to FirstMillis, in the
// coder's order.
func (o *orderState) times() [6]int64 {
	f := &o.Fact
	return [6]int64{f.CreatedMillis, f.AcceptedMillis, f.PickedUpMillis, f.DeliveredMillis, f.CancelledMillis, o.LastMillis}
}

// emittedFlag is the bit of the flags byte after the six time bits.
const emittedFlag = 1 << 6

// timeFlags has bit i set when times[i] is set, and emittedFlag.
func timeFlags(o *orderState, times [6]int64) byte {
	var flags byte
	for i, t := range times {
		if t != 0 {
			flags |= 1 << i
		}
	}
	if o.Emitted {
		flags |= emittedFlag
	}
	return flags
}

// encodedSize is the length of encodeBucket's output.
func encodedSize(b *bucketState) int {
	n := 1 + uvarintLen(uint64(len(b.Armed))) + uvarintLen(uint64(len(b.Orders))) // version byte
	for _, a := range b.Armed {
		n += varintLen(a.Tick) + varintLen(a.Hold)
	}
	for i := range b.Orders {
		o := &b.Orders[i]
		f := &o.Fact
		for _, s := range []string{f.OrderID, f.RestaurantID, f.DriverID, f.Zone} {
			n += uvarintLen(uint64(len(s))) + len(s)
		}
		n += varintLen(o.FirstMillis) + 1 // first time, flags
		for _, t := range o.times() {
			if t != 0 {
				n += varintLen(t - o.FirstMillis)
			}
		}
		n += uvarintLen(uint64(len(o.EventHashes))) + 8*len(o.EventHashes)
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
	if len(data) == 0 {
		return bucketState{}, fmt.Errorf("lifecycle: bucket state: %w: no version byte", wire.ErrCorrupt)
	}
	if v := data[0]; v != bucketCoderVersion {
		return bucketState{}, fmt.Errorf("lifecycle: bucket state of coder version %d; this build reads version %d (state written by a newer deliverypipe?)", v, bucketCoderVersion)
	}
	d := wire.NewDecoder(data[1:])
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
		o.FirstMillis = d.Varint()
		flags := d.Byte()
		for bit, t := range []*int64{&f.CreatedMillis, &f.AcceptedMillis, &f.PickedUpMillis, &f.DeliveredMillis, &f.CancelledMillis, &o.LastMillis} {
			if flags&(1<<bit) != 0 {
				*t = o.FirstMillis + d.Varint()
			}
		}
		o.Emitted = flags&emittedFlag != 0
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

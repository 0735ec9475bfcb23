// Package wire holds the pieces of deliverypipe's hand-written element and
// state coders: varints, length-prefixed strings, IEEE 754 floats and
// nil-aware collection lengths, appended to a byte slice and read back by a
// Decoder that remembers its first error.
//
// Why hand-written coders: Beam Go's schema row coder is reflective, and a
// Java runner (Flink, Spark) decodes every row-coded element into a Row and
// encodes it again whenever it copies it between operators. An element with
// a coder of its own is opaque bytes to the runner. encoding/binary has the
// varints but no decoder for a sequence of fields; gob and protobuf would
// add a schema step or reflection per element.
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

// RegisterCoder makes encode and decode the Beam coder of T, and registers
// them as functions too, so that the SDK calls them without reflection.
func RegisterCoder[T any](encode func(T) []byte, decode func([]byte) (T, error)) {
	beam.RegisterCoder(reflect.TypeFor[T](), encode, decode)
	register.Function1x1(encode)
	register.Function1x2(decode)
}

// ErrCorrupt is wrapped by every error of a Decoder.
var ErrCorrupt = errors.New("wire: corrupt data")

// AppendString appends s, length-prefixed.
func AppendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// AppendBytes appends p, length-prefixed (Decoder.Bytes reads it back).
func AppendBytes(b, p []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(p))), p...)
}

// AppendFloat appends f as 8 little-endian bytes.
func AppendFloat(b []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
}

// AppendLen appends a collection's length as n+1, or 0 when it is nil, so
// that nil and empty decode as they were (they marshal to different JSON).
func AppendLen(b []byte, isNil bool, n int) []byte {
	if isNil {
		return append(b, 0)
	}
	return binary.AppendUvarint(b, uint64(n)+1)
}

// Decoder reads what the Append functions wrote. After the first error every
// read returns a zero value; Err reports it.
type Decoder struct {
	orig, data []byte // all of it, and what is left
	// text is one string copy of orig, made at the first String: strings
	// are cut from it, so a decode allocates once for all its strings.
	text string
	err  error
}

// NewDecoder reads data.
func NewDecoder(data []byte) *Decoder {
	return &Decoder{orig: data, data: data}
}

// NewVersionedDecoder reads data, a binary form whose first byte is its
// layout's version: any other version is corrupt.
func NewVersionedDecoder(data []byte, version byte) (*Decoder, error) {
	d := NewDecoder(data)
	if v := d.Byte(); v != version {
		return nil, fmt.Errorf("%w: form version %d, want %d", ErrCorrupt, v, version)
	}
	return d, nil
}

// Err is the first error met, wrapping ErrCorrupt, or nil.
func (d *Decoder) Err() error { return d.err }

// Done is Err, or an error when bytes are left over.
func (d *Decoder) Done() error {
	if d.err == nil && len(d.data) > 0 {
		return fmt.Errorf("%w: %d bytes left over", ErrCorrupt, len(d.data))
	}
	return d.err
}

func (d *Decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s at byte %d", ErrCorrupt, what, len(d.orig)-len(d.data))
	}
	d.data = nil
}

// Byte reads one byte.
func (d *Decoder) Byte() byte {
	if len(d.data) == 0 {
		d.fail("missing byte")
		return 0
	}
	v := d.data[0]
	d.data = d.data[1:]
	return v
}

// Uvarint reads an unsigned varint.
func (d *Decoder) Uvarint() uint64 {
	v, n := binary.Uvarint(d.data)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.data = d.data[n:]
	return v
}

// Varint reads a signed (zig-zag) varint.
func (d *Decoder) Varint() int64 {
	u := d.Uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

// Float reads what AppendFloat wrote.
func (d *Decoder) Float() float64 {
	return math.Float64frombits(d.Uint64())
}

// Uint64 reads 8 little-endian bytes (binary.LittleEndian.AppendUint64).
func (d *Decoder) Uint64() uint64 {
	if len(d.data) < 8 {
		d.fail("uint64 cut short")
		return 0
	}
	v := binary.LittleEndian.Uint64(d.data)
	d.data = d.data[8:]
	return v
}

// String reads what AppendString wrote, as a substring of the decoder's text.
func (d *Decoder) String() string {
	n := d.Uvarint()
	if n > uint64(len(d.data)) {
		d.fail("string cut short")
		return ""
	}
	if d.text == "" {
		d.text = string(d.orig)
	}
	at := len(d.orig) - len(d.data)
	d.data = d.data[n:]
	return d.text[at : at+int(n)]
}

// Bytes reads what AppendBytes (or AppendString) wrote, as a slice of the
// decoder's data, not a copy.
func (d *Decoder) Bytes() []byte {
	n := d.Uvarint()
	if n > uint64(len(d.data)) {
		d.fail("bytes cut short")
		return nil
	}
	b := d.data[:n:n]
	d.data = d.data[n:]
	return b
}

// Count reads a uvarint count of items that each take at least one byte:
// a count larger than the bytes left is corrupt, which keeps a corrupt
// count from allocating.
func (d *Decoder) Count() int {
	n := d.Uvarint()
	if n > uint64(len(d.data)) {
		d.fail("count beyond the data")
		return 0
	}
	return int(n)
}

// Len reads what AppendLen wrote; ok is false for nil. Like Count, a length
// beyond the bytes left is corrupt.
func (d *Decoder) Len() (n int, ok bool) {
	v := d.Uvarint()
	if v == 0 {
		return 0, false
	}
	if v-1 > uint64(len(d.data)) {
		d.fail("length beyond the data")
		return 0, false
	}
	return int(v - 1), true
}

// AppendVarint appends a signed (zig-zag) varint.
func AppendVarint(b []byte, v int64) []byte { return binary.AppendVarint(b, v) }

// AppendUvarint appends an unsigned varint.
func AppendUvarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

// AppendBools appends up to eight bools as one byte, the first in its
// lowest bit.
func AppendBools(b []byte, bs ...bool) []byte {
	if len(bs) > 8 {
		panic("wire: more than eight bools in a byte")
	}
	var f byte
	for i, v := range bs {
		if v {
			f |= 1 << i
		}
	}
	return append(b, f)
}

// Bools reads what AppendBools wrote into ps; a bit set beyond them is
// corrupt.
func (d *Decoder) Bools(ps ...*bool) {
	f := d.Byte()
	if f>>len(ps) != 0 {
		d.fail("bool flags beyond the fields")
		return
	}
	for i, p := range ps {
		*p = f&(1<<i) != 0
	}
}

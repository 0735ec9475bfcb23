package wire

import (
	"errors"
	"math"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	ints := []int64{0, 1, -1, 63, -64, 64, math.MaxInt64, math.MinInt64}
	floats := []float64{0, -0.5, 1e300, math.Inf(-1)}
	strs := []string{"", "a", "äöü", string(make([]byte, 300))}
	var b []byte
	for _, v := range ints {
		b = AppendVarint(b, v)
	}
	for _, f := range floats {
		b = AppendFloat(b, f)
	}
	for _, s := range strs {
		b = AppendString(b, s)
	}
	b = AppendBytes(b, []byte{1, 2, 3})
	b = AppendLen(AppendLen(b, true, 0), false, 0)
	b = AppendUvarint(b, math.MaxUint64)

	d := NewDecoder(b)
	for _, want := range ints {
		if got := d.Varint(); got != want {
			t.Errorf("Varint = %d, want %d", got, want)
		}
	}
	for _, want := range floats {
		if got := d.Float(); got != want {
			t.Errorf("Float = %v, want %v", got, want)
		}
	}
	for _, want := range strs {
		if got := d.String(); got != want {
			t.Errorf("String = %q, want %q", got, want)
		}
	}
	if got := d.Bytes(); string(got) != "\x01\x02\x03" {
		t.Errorf("Bytes = %v, want [1 2 3]", got)
	}
	if n, ok := d.Len(); ok || n != 0 {
		t.Errorf("Len of nil = %d, %v; want 0, false", n, ok)
	}
	if n, ok := d.Len(); !ok || n != 0 {
		t.Errorf("Len of empty = %d, %v; want 0, true", n, ok)
	}
	if got := d.Uvarint(); got != math.MaxUint64 {
		t.Errorf("Uvarint = %d, want MaxUint64", got)
	}
	if err := d.Done(); err != nil {
		t.Fatal(err)
	}
}

func TestCorrupt(t *testing.T) {
	for name, read := range map[string]func(*Decoder){
		"varint":            func(d *Decoder) { d.Varint() },
		"float":             func(d *Decoder) { d.Float() },
		"string cut short":  func(d *Decoder) { _ = d.String() },
		"bytes cut short":   func(d *Decoder) { d.Bytes() },
		"count beyond data": func(d *Decoder) { d.Count() },
		"len beyond data":   func(d *Decoder) { d.Len() },
	} {
		t.Run(name, func(t *testing.T) {
			d := NewDecoder([]byte{0x05, 0x01}) // 5, then one byte
			read(d)
			if name == "varint" {
				read(d)
				read(d) // the third read has no bytes left
			}
			if !errors.Is(d.Err(), ErrCorrupt) {
				t.Errorf("Err() = %v, want ErrCorrupt", d.Err())
			}
		})
	}
	if err := NewDecoder([]byte{1}).Done(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Done with a byte left = %v, want ErrCorrupt", err)
	}
}

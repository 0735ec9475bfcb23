package wire

import (
	"errors"
	"math"
	"slices"
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

// TestBools: up to eight bools in a byte, in order; a set bit beyond the
// fields read is corrupt, as is more than eight.
func TestBools(t *testing.T) {
	for _, want := range [][]bool{{}, {true}, {false, true}, {true, false, true, true, false, false, true, true}} {
		d := NewDecoder(AppendBools(nil, want...))
		got := make([]bool, len(want))
		ps := make([]*bool, len(got))
		for i := range got {
			ps[i] = &got[i]
		}
		d.Bools(ps...)
		if err := d.Done(); err != nil || !slices.Equal(got, want) {
			t.Errorf("Bools = %v (%v), want %v", got, err, want)
		}
	}
	var a bool
	d := NewDecoder(AppendBools(nil, false, true))
	if d.Bools(&a); !errors.Is(d.Err(), ErrCorrupt) {
		t.Errorf("two bools read as one: Err() = %v, want ErrCorrupt", d.Err())
	}
	defer func() {
		if recover() == nil {
			t.Error("AppendBools of nine bools did not panic")
		}
	}()
	AppendBools(nil, make([]bool, 9)...)
}

func TestNewVersionedDecoder(t *testing.T) {
	d, err := NewVersionedDecoder([]byte{3, 7}, 3)
	if err != nil || d.Byte() != 7 || d.Done() != nil {
		t.Errorf("version 3 of 3: %v", err)
	}
	for _, data := range [][]byte{{2, 7}, {}} {
		if _, err := NewVersionedDecoder(data, 3); !errors.Is(err, ErrCorrupt) {
			t.Errorf("NewVersionedDecoder(%v, 3) = %v, want ErrCorrupt", data, err)
		}
	}
}

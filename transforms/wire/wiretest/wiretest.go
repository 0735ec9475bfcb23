// Package wiretest checks hand-written binary forms (package wire): coders
// registered with wire.RegisterCoder and types with AppendBinary and
// UnmarshalBinary. A field the encoder forgets, a decoder that accepts a
// truncated form, or a form that is not a function of the value fails.
package wiretest

import (
	"encoding"
	"math/rand/v2"
	"reflect"
	"testing"
)

// Random returns a T whose every field holds a random non-zero value
// (strings, integers, floats, bools, and slices and structs of those), so
// that a field left out of a binary form cannot round-trip by luck.
func Random[T any](rng *rand.Rand) T {
	var v T
	fill(reflect.ValueOf(&v).Elem(), rng)
	return v
}

func fill(v reflect.Value, rng *rand.Rand) {
	switch v.Kind() {
	case reflect.String:
		const letters = "abcdefghijklmnopqrstuvwxyzé€😀\"\\<"
		r := []rune(letters)
		s := make([]rune, 1+rng.IntN(12))
		for i := range s {
			s[i] = r[rng.IntN(len(r))]
		}
		v.SetString(string(s))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := rng.Int64() >> rng.IntN(63)
		if n == 0 {
			n = 1
		}
		if rng.IntN(2) == 0 {
			n = -n
		}
		v.SetInt(n)
	case reflect.Float32, reflect.Float64:
		v.SetFloat((rng.Float64() - 0.5) * 1e6)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		n := 1 + rng.IntN(3)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range s.Len() {
			fill(s.Index(i), rng)
		}
		v.Set(s)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), rng)
			}
		}
	default:
		panic("wiretest: cannot fill a " + v.Type().String())
	}
}

// RoundTrip fails t unless dec(enc(v)) equals v (reflect.DeepEqual, so nil
// and empty slices stay apart) and every proper prefix of enc(v) is an error.
func RoundTrip[T any](t testing.TB, v T, enc func(T) []byte, dec func([]byte) (T, error)) {
	t.Helper()
	data := enc(v)
	got, err := dec(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, v) {
		t.Errorf("round trip:\n got %#v\nwant %#v", got, v)
	}
	for n := range len(data) {
		if _, err := dec(data[:n]); err == nil {
			t.Errorf("first %d of %d bytes decoded without error", n, len(data))
		}
	}
}

// BinaryForm checks the binary form of each row: it decodes back to a row
// deeply equal to it, encoding it twice gives the same bytes, appending
// keeps what the buffer held, no strict prefix of it decodes, and rows that
// differ encode differently.
func BinaryForm[T any, PT interface {
	*T
	encoding.BinaryUnmarshaler
}](t testing.TB, rows ...T) {
	t.Helper()
	seen := map[string]int{}
	for i, row := range rows {
		a, ok := any(row).(encoding.BinaryAppender)
		if !ok {
			t.Fatalf("%T has no value-receiver AppendBinary", row)
		}
		enc, err := a.AppendBinary(nil)
		if err != nil {
			t.Fatalf("row %d: AppendBinary: %v", i, err)
		}
		again, _ := a.AppendBinary([]byte("prefix"))
		if string(again) != "prefix"+string(enc) {
			t.Fatalf("row %d: appending to a buffer wrote %q, want %q after its bytes", i, again, enc)
		}
		var back T
		if err := PT(&back).UnmarshalBinary(enc); err != nil {
			t.Fatalf("row %d: UnmarshalBinary: %v", i, err)
		}
		if !reflect.DeepEqual(back, row) {
			t.Fatalf("row %d: decoded\n%+v\nwant\n%+v", i, back, row)
		}
		for n := range len(enc) {
			var part T
			if err := PT(&part).UnmarshalBinary(enc[:n]); err == nil {
				t.Fatalf("row %d: %d of its %d bytes decoded without an error", i, n, len(enc))
			}
		}
		if j, dup := seen[string(enc)]; dup && !reflect.DeepEqual(rows[j], row) {
			t.Fatalf("rows %d and %d differ but encode alike", j, i)
		}
		seen[string(enc)] = i
	}
}

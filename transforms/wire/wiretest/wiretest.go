// Package wiretest checks coders registered with wire.RegisterCoder: a value
// survives the round trip, and no truncation of its encoding decodes.
package wiretest

import (
	"reflect"
	"testing"
)

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

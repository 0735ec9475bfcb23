package parse

import (
	"encoding/json"
	"testing"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// The three benchmarks decode the same sample, so their ns/op compare
// directly: BenchmarkEncodingJSON is the reference decoder event.UnmarshalJSON.

func BenchmarkDecode(b *testing.B) {
	in := []byte(sample)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var e event.Event
	for b.Loop() {
		if err := Decode(in, &e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeValidate(b *testing.B) {
	in := []byte(sample)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	limits := DefaultLimits()
	var e event.Event
	for b.Loop() {
		if err := DecodeValidate(in, testNow, limits, &e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodingJSON(b *testing.B) {
	in := []byte(sample)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		var e event.Event
		if err := json.Unmarshal(in, &e); err != nil {
			b.Fatal(err)
		}
	}
}

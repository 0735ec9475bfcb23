package parse

import (
	"encoding/json"
	"syscall"
	"testing"
	"time"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// The three benchmarks decode the same sample, so their ns/op compare
// directly: BenchmarkEncodingJSON is the reference decoder event.UnmarshalJSON.
// Besides wall time they report cpu-ns/op, the process's CPU time per op,
// which stays meaningful on a machine shared with other jobs.

// cpuTime returns the user+system CPU time of the process so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU runs loop and reports its CPU time per iteration.
func reportCPU(b *testing.B, loop func()) {
	start := cpuTime(b)
	loop()
	b.StopTimer()
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}

func BenchmarkDecode(b *testing.B) {
	in := []byte(sample)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var e event.Event
	reportCPU(b, func() {
		for b.Loop() {
			if err := Decode(in, &e); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecodeValidate(b *testing.B) {
	in := []byte(sample)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	limits := DefaultLimits()
	var e event.Event
	reportCPU(b, func() {
		for b.Loop() {
			if err := DecodeValidate(in, testNow, limits, &e); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEncodingJSON(b *testing.B) {
	in := []byte(sample)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	reportCPU(b, func() {
		for b.Loop() {
			var e event.Event
			if err := json.Unmarshal(in, &e); err != nil {
				b.Fatal(err)
			}
		}
	})
}

package parse

import (
	"runtime"
	"strings"
	"testing"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// adversarial returns 1 MiB inputs built to make a decoder allocate or
// recurse without bound.
func adversarial() map[string][]byte {
	const size = 1 << 20
	head := `{"event_id":"e","schema_version":1,"event_type":"order_created","order_id":"o","timestamp":"2026-11-25T12:00:00Z",`
	fill := func(prefix, unit, suffix string) []byte {
		n := (size - len(prefix) - len(suffix)) / len(unit)
		return []byte(prefix + strings.Repeat(unit, n) + suffix)
	}
	// Repeated elements separated by commas: the last comma is dropped.
	list := func(prefix, unit, suffix string) []byte {
		b := fill(prefix, unit+",", suffix)
		return append(b[:len(b)-len(suffix)-1], suffix...)
	}
	return map[string][]byte{
		"deep arrays in unknown field":  fill(head+`"x":`, "[", ""),
		"deep objects in unknown field": fill(head+`"x":`, `{"a":`, ""),
		"deep nesting in metadata":      fill(head+`"metadata":{"a":`, "[", ""),
		"huge items array":              list(head+`"items":[`, `{"item_id":"i","qty":1,"price":1}`, `]}`),
		"huge empty-object items array": list(head+`"items":[`, `{}`, `]}`),
		"huge unknown array":            list(head+`"x":[`, `0`, `]}`),
		"many unknown keys":             list(head, `"k":0`, `}`),
		"huge metadata map":             list(head+`"metadata":{`, `"k":"v"`, `}}`),
		"long escaped string":           fill(head+`"restaurant_id":"`, `\u00e9`, `"}`),
		"long number":                   fill(head+`"total_price":1`, "0", `}`),
		"unterminated string":           fill(head+`"x":"`, "a", ""),
	}
}

// TestDecodeAllocationBounded decodes each adversarial input and checks
// that the bytes allocated stay within a small multiple of the input: the
// decoder holds what it keeps (items, metadata, unknown fields as Extra) and
// nothing that grows faster, and deep nesting is refused at maxDepth instead
// of recursing. Parse refuses payloads above Limits.MaxBytes (256 KiB)
// before decoding; Decode itself is checked at 1 MiB so the bound holds for
// any limit a caller sets.
func TestDecodeAllocationBounded(t *testing.T) {
	// Measured worst case 7x (200k unknown keys, kept in Extra); a 1 MiB
	// array of empty items took 65x before maxItems.
	const factor = 8
	for name, in := range adversarial() {
		t.Run(name, func(t *testing.T) {
			var e event.Event
			_ = Decode(in, &e) // warm up: lazily built tables are not per-decode costs
			const runs = 3
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			var err error
			for range runs {
				e = event.Event{}
				err = Decode(in, &e)
			}
			runtime.ReadMemStats(&after)
			perRun := (after.TotalAlloc - before.TotalAlloc) / runs
			if _, ok := err.(*Error); err != nil && !ok {
				t.Errorf("untyped error %T: %v", err, err)
			}
			t.Logf("%d input bytes: %d bytes allocated per decode (%.2fx)", len(in), perRun, float64(perRun)/float64(len(in)))
			if limit := uint64(factor*len(in) + 64<<10); perRun > limit {
				t.Errorf("%d bytes allocated per decode of %d input bytes, limit %d", perRun, len(in), limit)
			}
		})
	}
}

func TestDecodeItemLimit(t *testing.T) {
	head := `{"event_id":"e","schema_version":1,"event_type":"order_created","order_id":"o","restaurant_id":"r","timestamp":"2026-11-25T12:00:00Z","total_price":0,"items":[`
	items := func(n int) []byte {
		return []byte(head + strings.TrimSuffix(strings.Repeat(`{"item_id":"i","qty":1,"price":0},`, n), ",") + `]}`)
	}
	for _, tc := range []struct {
		n    int
		want Reason // "" = decodes
	}{{maxItems, ""}, {maxItems + 1, TooLarge}} {
		var e event.Event
		err := Decode(items(tc.n), &e)
		switch {
		case tc.want == "" && (err != nil || len(e.Items) != tc.n):
			t.Errorf("%d items: %v, %d decoded", tc.n, err, len(e.Items))
		case tc.want != "" && ReasonOf(err) != tc.want:
			t.Errorf("%d items: %v, want %s", tc.n, err, tc.want)
		}
	}
}

package parse

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// idOf decodes and validates b and returns the event id it leaves with.
func idOf(t *testing.T, b []byte) string {
	t.Helper()
	var e event.Event
	if err := DecodeValidate(b, testNow, DefaultLimits(), &e); err != nil {
		t.Fatalf("DecodeValidate(%s): %v", b, err)
	}
	return e.EventID
}

func TestDerivedIDSameContent(t *testing.T) {
	// The same event as seedRecord, written by other serializers.
	for _, tc := range []struct{ name, in string }{
		{"byte-identical re-send", seedRecord},
		{"keys reordered, no whitespace", `{"total_price":24.33,"metadata":{"app":{"build":412,"os":"ios"},"distance_km":3.2,"weather":"rain"},"items":[{"price":9.99,"qty":2,"item_id":"ITM1"},{"qty":1,"item_id":"ITM7","price":4.35}],"timestamp":"2026-03-14T12:34:56.123456","location":{"lon":-74.006,"lat":40.7128},"restaurant_id":"RST12","driver_id":"DRV987","order_id":"ORD123456","event_type":"delivered"}`},
		{"pretty-printed", strings.ReplaceAll(strings.ReplaceAll(seedRecord, ", ", ",\n  "), "{", "{\n  ")},
		{"same instant with Z", strings.Replace(seedRecord, "56.123456", "56.123456Z", 1)},
		{"same instant with an offset", strings.Replace(seedRecord, "12:34:56.123456", "14:34:56.123456+02:00", 1)},
		{"escaped string, trailing zero in a number", strings.Replace(strings.Replace(seedRecord, `"RST12"`, `"RST\u0031\u0032"`, 1), "24.33", "24.330", 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := idOf(t, []byte(tc.in)), idOf(t, []byte(seedRecord)); got != want {
				t.Errorf("id %s, want the original's %s", got, want)
			}
		})
	}
}

func TestDerivedIDChangesWithContent(t *testing.T) {
	base := idOf(t, []byte(seedRecord))
	for _, tc := range []struct {
		name   string
		change func(m map[string]any)
	}{
		{"event_type", func(m map[string]any) { m["event_type"] = "cancelled" }},
		{"order_id", func(m map[string]any) { m["order_id"] = "ORD123457" }},
		{"driver_id", func(m map[string]any) { m["driver_id"] = "DRV988" }},
		{"driver_id absent", func(m map[string]any) { delete(m, "driver_id"); m["event_type"] = "cancelled" }},
		{"restaurant_id", func(m map[string]any) { m["restaurant_id"] = "RST13" }},
		{"timestamp by a millisecond", func(m map[string]any) { m["timestamp"] = "2026-03-14T12:34:56.124456" }},
		{"lat", func(m map[string]any) { m["location"].(map[string]any)["lat"] = 40.7129 }},
		{"lon", func(m map[string]any) { m["location"].(map[string]any)["lon"] = -74.007 }},
		{"item_id", func(m map[string]any) { item(m, 1)["item_id"] = "ITM8" }},
		{"qty", func(m map[string]any) { item(m, 1)["qty"] = 2; m["total_price"] = 28.68 }},
		{"price", func(m map[string]any) { item(m, 1)["price"] = 4.36; m["total_price"] = 24.34 }},
		{"items swapped", func(m map[string]any) { it := m["items"].([]any); it[0], it[1] = it[1], it[0] }},
		{"total_price within a cent", func(m map[string]any) { m["total_price"] = 24.335 }},
		{"metadata value", func(m map[string]any) { m["metadata"].(map[string]any)["weather"] = "sun" }},
		{"metadata number", func(m map[string]any) { m["metadata"].(map[string]any)["distance_km"] = 3.3 }},
		{"metadata key added", func(m map[string]any) { m["metadata"].(map[string]any)["tip"] = "2" }},
		{"unknown field added", func(m map[string]any) { m["customer_id"] = "C1" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := idOf(t, seedWith(t, tc.change)); got == base {
				t.Errorf("id %s unchanged", got)
			}
		})
	}
}

// TestDerivedIDRule spells out the canonical form of a minimal record by
// hand: the rule must not change silently, or records replayed after a deploy
// would no longer match their first copies as duplicates.
func TestDerivedIDRule(t *testing.T) {
	in := `{"event_type":"cancelled","order_id":"o1","timestamp":"2026-03-14T12:00:00"}`
	var want []byte
	want = append(want, 9)
	want = append(want, "cancelled"...)
	want = append(want, 2, 'o', '1')
	want = append(want, 0, 0)                       // driver_id, restaurant_id
	want = binary.AppendVarint(want, 1773489600000) // 2026-03-14T12:00:00Z in ms
	want = append(want, make([]byte, 16)...)        // lat, lon: +0.0
	want = append(want, 0)                          // no items
	want = append(want, make([]byte, 8)...)         // total_price +0.0
	want = append(want, 0, 0)                       // no metadata, no unknown fields
	sum := sha256.Sum256(want)
	wantID := "derived-" + hex.EncodeToString(sum[:16])
	got := idOf(t, []byte(in))
	if got != wantID {
		t.Errorf("id %s, want %s", got, wantID)
	}
	if !regexp.MustCompile(`^derived-[0-9a-f]{32}$`).MatchString(got) {
		t.Errorf("id %q, want derived- and 32 hex digits", got)
	}
}

func TestExplicitEventIDKept(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"seed form with an event_id", strings.Replace(seedRecord, `{`, `{"event_id": "e-42", `, 1), "e-42"},
		{"versioned", sample, "7f3c2a1e-5b4d-4c8e-9a0f-1d2e3f4a5b6c"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := idOf(t, []byte(tc.in)); got != tc.want {
				t.Errorf("id %q, want %q", got, tc.want)
			}
		})
	}
}

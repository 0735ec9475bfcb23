package parse

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// mutate returns sample with change applied to its decoded JSON.
func mutate(t *testing.T, change func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(sample), &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func item(m map[string]any, i int) map[string]any {
	return m["items"].([]any)[i].(map[string]any)
}

func asDriverEvent(typ string) func(m map[string]any) {
	return func(m map[string]any) {
		m["event_type"] = typ
		m["driver_id"] = "drv-1"
		delete(m, "items")
		delete(m, "total_price")
	}
}

// validateCase is one input of TestDecodeValidate; the JSON Schema test
// checks the same inputs.
type validateCase struct {
	name   string
	in     []byte
	now    time.Time // zero: sampleTime + 1 min
	limits *Limits   // nil: DefaultLimits
	want   Reason    // "" for valid
}

// sampleTime is the timestamp of sample.
var sampleTime = time.Date(2026, 3, 14, 12, 34, 56, 789e6, time.UTC)

// seedRecord is a record exactly as the seed's Python producer
// (generate_event) writes it: no event_id, no schema_version, a timestamp
// from datetime.utcnow().isoformat(), items and total_price on every type.
const seedRecord = `{"event_type": "delivered", "order_id": "ORD123456", "driver_id": "DRV987", "restaurant_id": "RST12", "timestamp": "2026-03-14T12:34:56.123456", "location": {"lat": 40.7128, "lon": -74.006}, "items": [{"item_id": "ITM1", "qty": 2, "price": 9.99}, {"item_id": "ITM7", "qty": 1, "price": 4.35}], "total_price": 24.33, "metadata": {"weather": "rain", "distance_km": 3.2, "app": {"os": "ios", "build": 412}}}`

// seedWith returns seedRecord with change applied to its decoded JSON.
func seedWith(t *testing.T, change func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(seedRecord), &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func validateCases(t *testing.T) []validateCase {
	def := DefaultLimits()
	return []validateCase{
		{name: "valid", in: []byte(sample)},
		{name: "valid delivered", in: mutate(t, asDriverEvent("delivered"))},
		{name: "valid cancelled without anything else", in: []byte(`{"event_id":"e","event_type":"cancelled","order_id":"o","timestamp":"2026-03-14T12:00:00Z"}`)},
		{name: "valid within a cent", in: mutate(t, func(m map[string]any) { m["total_price"] = 29.259 })},
		{name: "valid free order", in: mutate(t, func(m map[string]any) { item(m, 0)["price"] = 0; item(m, 1)["price"] = 0; m["total_price"] = 0 })},
		{name: "valid newer schema", in: mutate(t, func(m map[string]any) { m["schema_version"] = 2; m["tip"] = 3 })},
		{name: "valid seed form without schema_version", in: mutate(t, func(m map[string]any) { delete(m, "schema_version") })},
		{name: "valid skew inside limit", in: []byte(sample), now: sampleTime.Add(-59 * time.Minute)},
		{name: "valid seed record", in: []byte(seedRecord)},
		{name: "valid seed order_created", in: seedWith(t, func(m map[string]any) { m["event_type"] = "order_created" })},
		{name: "valid seed pickup", in: seedWith(t, func(m map[string]any) { m["event_type"] = "pickup" })},
		{name: "valid seed cancelled", in: seedWith(t, func(m map[string]any) { m["event_type"] = "cancelled" })},
		{name: "valid seed with Z timestamp", in: seedWith(t, func(m map[string]any) { m["timestamp"] = "2026-03-14T12:34:56.123456Z" })},
		{name: "valid seed without fraction", in: seedWith(t, func(m map[string]any) { m["timestamp"] = "2026-03-14T12:34:56" })},
		{name: "valid seed rounded total", in: seedWith(t, func(m map[string]any) { item(m, 0)["price"] = 3.335; item(m, 0)["qty"] = 1; m["total_price"] = 7.69 })},

		{name: "too large", in: []byte(sample), limits: &Limits{MaxSkew: time.Hour, MaxBytes: len(sample) - 1}, want: TooLarge},
		{name: "malformed", in: []byte(sample[:100]), want: MalformedJSON},
		{name: "invalid utf8", in: []byte(strings.Replace(sample, "ios", "i\xc0s", 1)), want: InvalidUTF8},
		{name: "missing event_id", in: mutate(t, func(m map[string]any) { delete(m, "event_id") }), want: MissingField},
		{name: "empty order_id", in: mutate(t, func(m map[string]any) { m["order_id"] = "" }), want: MissingField},
		{name: "missing timestamp", in: mutate(t, func(m map[string]any) { delete(m, "timestamp") }), want: MissingField},
		{name: "missing restaurant_id on created", in: mutate(t, func(m map[string]any) { delete(m, "restaurant_id") }), want: MissingField},
		{name: "empty items on created", in: mutate(t, func(m map[string]any) { m["items"] = []any{} }), want: MissingField},
		{name: "missing total on created", in: mutate(t, func(m map[string]any) { delete(m, "total_price") }), want: MissingField},
		{name: "missing item_id", in: mutate(t, func(m map[string]any) { delete(item(m, 0), "item_id") }), want: MissingField},
		{name: "missing driver on picked_up", in: mutate(t, func(m map[string]any) { asDriverEvent("picked_up")(m); delete(m, "driver_id") }), want: MissingField},
		{name: "unknown event type", in: mutate(t, func(m map[string]any) { m["event_type"] = "teleported" }), want: UnknownEventType},
		{name: "lat out of range", in: mutate(t, func(m map[string]any) { m["location"].(map[string]any)["lat"] = 90.5 }), want: BadLocation},
		{name: "lon out of range", in: mutate(t, func(m map[string]any) { m["location"].(map[string]any)["lon"] = -181 }), want: BadLocation},
		{name: "negative item price", in: mutate(t, func(m map[string]any) { item(m, 1)["price"] = -12.25; m["total_price"] = 4.75 }), want: NegativePrice},
		{name: "negative total", in: mutate(t, func(m map[string]any) { asDriverEvent("cancelled")(m); m["total_price"] = -1 }), want: NegativePrice},
		{name: "zero qty", in: mutate(t, func(m map[string]any) { item(m, 1)["qty"] = 0; m["total_price"] = 17 }), want: BadQuantity},
		{name: "total off by two cents", in: mutate(t, func(m map[string]any) { m["total_price"] = 29.27 }), want: TotalMismatch},
		{name: "unparseable timestamp", in: mutate(t, func(m map[string]any) { m["timestamp"] = "yesterday" }), want: BadTimestamp},
		{name: "future timestamp", in: []byte(sample), now: sampleTime.Add(-61 * time.Minute), want: FutureTimestamp},
		{name: "future beyond configured skew", in: []byte(sample), now: sampleTime.Add(-11 * time.Minute), limits: &Limits{MaxSkew: 10 * time.Minute, MaxBytes: def.MaxBytes}, want: FutureTimestamp},
		{name: "schema version zero", in: mutate(t, func(m map[string]any) { m["schema_version"] = 0 }), want: UnsupportedSchema},
		// The seed's producer draws total_price apart from the items: valid.
		{name: "seed total independent of items", in: seedWith(t, func(m map[string]any) { m["total_price"] = 87.5 })},
		{name: "seed pickup without driver", in: seedWith(t, func(m map[string]any) { m["event_type"] = "pickup"; delete(m, "driver_id") }), want: UnsupportedSchema},
		{name: "versioned without event_id", in: seedWith(t, func(m map[string]any) { m["schema_version"] = 1 }), want: MissingField},
		{name: "no schema version and unreadable", in: mutate(t, func(m map[string]any) { delete(m, "schema_version"); delete(m, "order_id") }), want: UnsupportedSchema},
	}
}

func TestDecodeValidate(t *testing.T) {
	covered := map[Reason]bool{}
	for _, c := range validateCases(t) {
		covered[c.want] = true
		t.Run(c.name, func(t *testing.T) {
			limits := DefaultLimits()
			if c.limits != nil {
				limits = *c.limits
			}
			n := sampleTime.Add(time.Minute)
			if !c.now.IsZero() {
				n = c.now
			}
			var e event.Event
			err := DecodeValidate(c.in, n, limits, &e)
			if c.want == "" {
				if err != nil {
					t.Fatalf("DecodeValidate(%s): %v", c.in, err)
				}
				return
			}
			if got := ReasonOf(err); err == nil || got != c.want {
				t.Fatalf("DecodeValidate(%s) = %v (reason %q), want reason %q", c.in, err, got, c.want)
			}
		})
	}
	for _, r := range Reasons {
		if !covered[r] {
			t.Errorf("reason %q has no case", r)
		}
	}
}

// TestSchemaRequiredMatchesValidate removes each field schema.json requires
// (globally and per event type) from a valid event and expects MissingField.
func TestSchemaRequiredMatchesValidate(t *testing.T) {
	b, err := os.ReadFile("../event/schema.json")
	if err != nil {
		t.Fatal(err)
	}
	type cond struct {
		If struct {
			Properties struct {
				EventType struct {
					Const string   `json:"const"`
					Enum  []string `json:"enum"`
				} `json:"event_type"`
			} `json:"properties"`
		} `json:"if"`
		Then struct {
			Required []string `json:"required"`
		} `json:"then"`
	}
	var s struct {
		Required []string `json:"required"`
		AllOf    []cond   `json:"allOf"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	type check struct{ typ, field string }
	var checks []check
	for _, f := range s.Required {
		checks = append(checks, check{"order_created", f}, check{"cancelled", f})
	}
	for _, c := range s.AllOf {
		types := append(c.If.Properties.EventType.Enum, c.If.Properties.EventType.Const)
		for _, typ := range types {
			for _, f := range c.Then.Required {
				if typ != "" {
					checks = append(checks, check{typ, f})
				}
			}
		}
	}
	if len(checks) < 10 {
		t.Fatalf("only %d checks read from schema.json", len(checks))
	}
	now := testNow.Add(24 * time.Hour)
	for _, c := range checks {
		in := mutate(t, func(m map[string]any) {
			if c.typ != "order_created" {
				asDriverEvent(c.typ)(m)
			}
		})
		var e event.Event
		if err := DecodeValidate(in, now, DefaultLimits(), &e); err != nil {
			t.Fatalf("%s base event invalid: %v", c.typ, err)
		}
		in = mutate(t, func(m map[string]any) {
			if c.typ != "order_created" {
				asDriverEvent(c.typ)(m)
			}
			delete(m, c.field)
		})
		if err := DecodeValidate(in, now, DefaultLimits(), &e); ReasonOf(err) != MissingField || err == nil {
			t.Errorf("%s without %s: %v, want %s", c.typ, c.field, err, MissingField)
		}
	}
}

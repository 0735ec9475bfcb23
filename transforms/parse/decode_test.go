package parse

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// sample is a realistic ~350-byte order_created event.
const sample = `{"event_id":"7f3c2a1e-5b4d-4c8e-9a0f-1d2e3f4a5b6c","schema_version":1,"event_type":"order_created","order_id":"ord-000123456","restaurant_id":"rest-0042","timestamp":"2026-03-14T12:34:56.789Z","location":{"lat":52.520008,"lon":13.404954},"items":[{"item_id":"itm-17","qty":2,"price":8.5},{"item_id":"itm-3","qty":1,"price":12.25}],"total_price":29.25,"metadata":{"app":"ios"}}`

func TestDecodeRoundTrip(t *testing.T) {
	for i := range 2000 {
		want := genEvent(i)
		b, err := json.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		var got event.Event
		if err := Decode(b, &got); err != nil {
			t.Fatalf("event %d: Decode(%s): %v", i, b, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("event %d: Decode(%s)\n got %+v\nwant %+v", i, b, got, want)
		}
		// The reference decoder (encoding/json) must agree as well.
		var ref event.Event
		if err := json.Unmarshal(b, &ref); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, ref) {
			t.Fatalf("event %d: Decode %+v, encoding/json %+v", i, got, ref)
		}
	}
}

func TestDecode(t *testing.T) {
	sampleWith := func(old, new string) string {
		if !strings.Contains(sample, old) {
			t.Fatalf("sample lacks %q", old)
		}
		return strings.Replace(sample, old, new, 1)
	}
	for _, c := range []struct {
		name  string
		in    string
		check func(e *event.Event) string // "" when as expected
		want  Reason                      // "" for success
	}{
		{name: "sample", in: sample, check: func(e *event.Event) string {
			want := event.Event{EventID: "7f3c2a1e-5b4d-4c8e-9a0f-1d2e3f4a5b6c", SchemaVersion: 1, EventType: event.OrderCreated,
				OrderID: "ord-000123456", RestaurantID: "rest-0042", EventTimeMillis: 1773491696789,
				Location: event.Location{Lat: 52.520008, Lon: 13.404954},
				Items:    []event.Item{{ItemID: "itm-17", Qty: 2, Price: 8.5}, {ItemID: "itm-3", Qty: 1, Price: 12.25}}, TotalPrice: 29.25,
				Metadata: map[string]string{"app": "ios"}}
			if !reflect.DeepEqual(*e, want) {
				return fmt.Sprintf("got %+v", *e)
			}
			return ""
		}},
		{name: "pickup alias", in: sampleWith(`"order_created"`, `"pickup"`), check: func(e *event.Event) string {
			if e.EventType != event.PickedUp {
				return string(e.EventType)
			}
			return ""
		}},
		{name: "unknown fields kept verbatim", in: sampleWith(`"order_id"`, `"tip": 1.50 ,"x":{"a":[1,"\u00e9"]},"order_id"`), check: func(e *event.Event) string {
			if want := `{"tip":1.50,"x":{"a":[1,"\u00e9"]}}`; e.Extra != want {
				return e.Extra
			}
			return ""
		}},
		{name: "newer schema read for known fields", in: sampleWith(`"schema_version":1`, `"schema_version":3,"courier":{"v":2}`), check: func(e *event.Event) string {
			if e.SchemaVersion != 3 || e.OrderID != "ord-000123456" || e.Extra != `{"courier":{"v":2}}` {
				return fmt.Sprintf("%+v", *e)
			}
			return ""
		}},
		{name: "escapes and surrogates", in: `{"event_id":"a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\ud800x","order_id":"o"}`, check: func(e *event.Event) string {
			if want := "a\"\\/\b\f\n\r\té😀\uFFFDx"; e.EventID != want {
				return fmt.Sprintf("%q", e.EventID)
			}
			return ""
		}},
		{name: "nulls are absent", in: `{"event_id":null,"driver_id":null,"items":null,"metadata":null,"location":null,"total_price":null,"schema_version":null,"timestamp":null}`, check: func(e *event.Event) string {
			if !reflect.DeepEqual(*e, event.Event{}) {
				return fmt.Sprintf("%+v", *e)
			}
			return ""
		}},
		{name: "offset timestamp", in: `{"timestamp":"2026-03-14T14:34:56.7899+02:00"}`, check: func(e *event.Event) string {
			if e.EventTimeMillis != 1773491696789 {
				return fmt.Sprint(e.EventTimeMillis)
			}
			return ""
		}},
		{name: "timestamp without offset is UTC", in: `{"timestamp":"2026-03-14T12:34:56.789999"}`, check: func(e *event.Event) string {
			if e.EventTimeMillis != 1773491696789 {
				return fmt.Sprint(e.EventTimeMillis)
			}
			return ""
		}},
		{name: "timestamp without offset or fraction", in: `{"timestamp":"2026-03-14T12:34:56"}`, check: func(e *event.Event) string {
			if e.EventTimeMillis != 1773491696000 {
				return fmt.Sprint(e.EventTimeMillis)
			}
			return ""
		}},
		{name: "metadata values of any JSON type", in: `{"metadata":{"s":"x","n":1.50,"b":true,"z":null,"o":{ "k2":[1, "a"], "k1":{} }}}`, check: func(e *event.Event) string {
			want := map[string]string{"s": "x", "n": "1.50", "b": "true", "o": `{"k1":{},"k2":[1,"a"]}`}
			if !reflect.DeepEqual(e.Metadata, want) {
				return fmt.Sprintf("%q", e.Metadata)
			}
			return ""
		}},
		{name: "whitespace", in: " \n{ \"order_id\" : \"o\" , \"items\" : [ { \"qty\" : 2 } ] }\t", check: func(e *event.Event) string {
			if e.OrderID != "o" || len(e.Items) != 1 || e.Items[0].Qty != 2 {
				return fmt.Sprintf("%+v", *e)
			}
			return ""
		}},
		{name: "empty object", in: `{}`, check: func(e *event.Event) string { return "" }},

		{name: "invalid utf8", in: "{\"order_id\":\"\xff\"}", want: InvalidUTF8},
		{name: "not an object", in: `[1]`, want: MalformedJSON},
		{name: "empty", in: ``, want: MalformedJSON},
		{name: "truncated", in: sample[:len(sample)-1], want: MalformedJSON},
		{name: "truncated in string", in: sample[:20], want: MalformedJSON},
		{name: "trailing data", in: sample + `{}`, want: MalformedJSON},
		{name: "trailing comma", in: `{"order_id":"o",}`, want: MalformedJSON},
		{name: "duplicate field", in: sampleWith(`"order_id"`, `"order_id":"x","order_id"`), want: MalformedJSON},
		{name: "duplicate metadata key", in: sampleWith(`{"app":"ios"}`, `{"app":"ios","app":"web"}`), want: MalformedJSON},
		{name: "duplicate item field", in: sampleWith(`"qty":2`, `"qty":2,"qty":3`), want: MalformedJSON},
		{name: "string where number", in: sampleWith(`29.25`, `"29.25"`), want: MalformedJSON},
		{name: "number where string", in: sampleWith(`"ord-000123456"`, `123456`), want: MalformedJSON},
		{name: "fractional qty", in: sampleWith(`"qty":2`, `"qty":2.5`), want: MalformedJSON},
		{name: "items not array", in: sampleWith(`"items":[`, `"items":{"a":[`), want: MalformedJSON},
		{name: "metadata value malformed", in: sampleWith(`"ios"`, `[1,]`), want: MalformedJSON},
		{name: "timestamp without offset, bad date", in: sampleWith(`2026-03-14T12:34:56.789Z`, `2026-13-14T12:34:56.789`), want: BadTimestamp},
		{name: "bad number", in: sampleWith(`29.25`, `029.25`), want: MalformedJSON},
		{name: "number out of range", in: sampleWith(`29.25`, `1e999`), want: MalformedJSON},
		{name: "bad escape", in: `{"order_id":"\x"}`, want: MalformedJSON},
		{name: "control character", in: "{\"order_id\":\"a\nb\"}", want: MalformedJSON},
		{name: "deep nesting", in: `{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, want: MalformedJSON},
		{name: "bad timestamp", in: sampleWith(`2026-03-14T12:34:56.789Z`, `14/03/2026 12:34`), want: BadTimestamp},
		{name: "timestamp out of range", in: sampleWith(`2026-03-14T12:34:56.789Z`, `0000-01-01T00:00:00+01:00`), want: BadTimestamp},
		{name: "timestamp not string", in: sampleWith(`"2026-03-14T12:34:56.789Z"`, `1773491696789`), want: MalformedJSON},
		{name: "schema version zero", in: sampleWith(`"schema_version":1`, `"schema_version":0`), want: UnsupportedSchema},
		{name: "schema version string", in: sampleWith(`"schema_version":1`, `"schema_version":"1"`), want: UnsupportedSchema},
		{name: "schema version fraction", in: sampleWith(`"schema_version":1`, `"schema_version":1.5`), want: UnsupportedSchema},
	} {
		t.Run(c.name, func(t *testing.T) {
			var e event.Event
			err := Decode([]byte(c.in), &e)
			if c.want == "" {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if msg := c.check(&e); msg != "" {
					t.Error(msg)
				}
				return
			}
			if got := ReasonOf(err); err == nil || got != c.want {
				t.Fatalf("Decode error %v (reason %q), want reason %q", err, got, c.want)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte(`{"event_id":"a\u00e9\ud800","x":[1,{"y":null}],"items":[],"metadata":{}}`))
	for i := range 5 {
		b, _ := json.Marshal(genEvent(i))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var e event.Event
		if err := Decode(b, &e); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		if e.Extra != "" && !json.Valid([]byte(e.Extra)) {
			t.Fatalf("Extra is not JSON: %s", e.Extra)
		}
		// Whatever decodes must survive a trip through the writer unchanged.
		// MarshalJSON writes an absent version as 0, which Decode refuses;
		// Parse stamps 1 on such events, so do the same here.
		if e.SchemaVersion == 0 {
			e.SchemaVersion = 1
		}
		out, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("re-encode %+v: %v", e, err)
		}
		var again event.Event
		if err := Decode(out, &again); err != nil {
			t.Fatalf("decode of re-encoded %s: %v", out, err)
		}
		e.Extra = "" // MarshalJSON does not write unknown fields
		if !reflect.DeepEqual(e, again) {
			t.Fatalf("re-encode changed the event:\n%+v\n%+v", e, again)
		}
	})
}

func ExampleDecode() {
	var e event.Event
	err := Decode([]byte(`{"event_id":"e1","event_type":"pickup","order_id":"o1","driver_id":"d7",
		"timestamp":"2026-03-14T12:00:00Z","schema_version":2,"eta_minutes":12}`), &e)
	fmt.Println(err, e.EventType, e.DriverID, e.Time(), e.SchemaVersion, e.Extra)
	// Output: <nil> picked_up d7 2026-03-14 12:00:00 +0000 UTC 2 {"eta_minutes":12}
}

// TestDecodeAllocs pins the allocations per event: one copy of the payload
// backing all strings, the items slice, and the metadata map (two).
func TestDecodeAllocs(t *testing.T) {
	in := []byte(sample)
	var e event.Event
	if n := testing.AllocsPerRun(100, func() {
		if err := Decode(in, &e); err != nil {
			t.Fatal(err)
		}
	}); n > 4 {
		t.Errorf("Decode allocates %v times per event, want <= 4", n)
	}
}

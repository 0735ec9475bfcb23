package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/deliverypipe/deliverypipe/transforms/wire"
)

func binaryCases() map[string]Event {
	full := Event{
		EventID: "e-1", SchemaVersion: 2, EventType: Delivered, OrderID: "o-1", DriverID: "d-7",
		RestaurantID: "r-3", EventTimeMillis: 1_764_115_200_123, Location: Location{Lat: 52.52, Lon: -13.405},
		Items:      []Item{{ItemID: "pizza", Qty: 2, Price: 9.5}, {ItemID: "äpfel", Qty: -1, Price: 0}},
		TotalPrice: 19, Metadata: map[string]string{"b": "2", "a": "", "ü": "x"}, Extra: `{"tip":1}`,
	}
	return map[string]Event{
		"full":             full,
		"zero":             {},
		"empty items/meta": {EventID: "e-2", Items: []Item{}, Metadata: map[string]string{}},
		"negative time":    {EventID: "e-3", EventTimeMillis: -1, TotalPrice: -0.5},
		"unknown type":     {EventID: "e-4", EventType: "refunded"},
	}
}

func TestBinaryRoundTrip(t *testing.T) {
	for name, e := range binaryCases() {
		t.Run(name, func(t *testing.T) {
			got, err := decodeEvent(encodeEvent(e))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, e) {
				t.Errorf("round trip:\n got %#v\nwant %#v", got, e)
			}
			// The archive writes events as JSON: nil and empty must survive.
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(e)
			if string(gj) != string(wj) {
				t.Errorf("JSON after round trip:\n got %s\nwant %s", gj, wj)
			}
		})
	}
}

func TestBinaryDeterministic(t *testing.T) {
	e := binaryCases()["full"]
	first := string(encodeEvent(e))
	for range 20 { // map iteration order varies from run to run
		if got := string(encodeEvent(e)); got != first {
			t.Fatal("two encodings of one event differ")
		}
	}
}

func TestBinaryCorrupt(t *testing.T) {
	enc := encodeEvent(binaryCases()["full"])
	for n := range len(enc) {
		if _, err := decodeEvent(enc[:n]); !errors.Is(err, wire.ErrCorrupt) {
			t.Errorf("first %d of %d bytes: err = %v, want ErrCorrupt", n, len(enc), err)
		}
	}
	if _, err := decodeEvent(append(enc, 0)); !errors.Is(err, wire.ErrCorrupt) {
		t.Errorf("trailing byte: err = %v, want ErrCorrupt", err)
	}
	if _, err := decodeEvent(append([]byte{9}, enc[1:]...)); !errors.Is(err, wire.ErrCorrupt) {
		t.Errorf("unknown version: err = %v, want ErrCorrupt", err)
	}
}

func FuzzEventBinary(f *testing.F) {
	for _, e := range binaryCases() {
		f.Add(encodeEvent(e))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := decodeEvent(data)
		if err != nil {
			return
		}
		enc := encodeEvent(e)
		again, err := decodeEvent(enc)
		if err != nil {
			t.Fatalf("re-encoded event does not decode: %v", err)
		}
		// Compared encoded: a NaN field is never DeepEqual to itself.
		if !bytes.Equal(encodeEvent(again), enc) {
			t.Fatalf("re-encoded event differs:\n got %#v\nwant %#v", again, e)
		}
	})
}

package event

import (
	"testing"

	"github.com/deliverypipe/deliverypipe/transforms/wire/wiretest"
)

func TestBatchCoder(t *testing.T) {
	events := []Event{
		{EventID: "e1", OrderID: "o1", EventType: OrderCreated, EventTimeMillis: 5, Items: []Item{{ItemID: "i", Qty: 1, Price: 2.5}}, TotalPrice: 2.5},
		{EventID: "e2", OrderID: "o1", EventType: Delivered, EventTimeMillis: 9, Metadata: map[string]string{"k": "v"}},
	}
	for name, b := range map[string]Batch{"empty": {Events: []Event{}}, "two": {Events: events}} {
		t.Run(name, func(t *testing.T) { wiretest.RoundTrip(t, b, encodeBatch, decodeBatch) })
	}
}

func TestBatchMinMillis(t *testing.T) {
	at := func(ms ...int64) Batch {
		var b Batch
		for _, m := range ms {
			b.Events = append(b.Events, Event{EventTimeMillis: m})
		}
		return b
	}
	tests := []struct {
		name  string
		batch Batch
		want  int64
	}{
		{"empty", Batch{}, 0},
		{"one", at(7), 7},
		{"earliest last", at(9, 8, 3), 3},
		{"earliest first", at(-4, 10, 2), -4},
	}
	for _, tt := range tests {
		if got := tt.batch.MinMillis(); got != tt.want {
			t.Errorf("%s: MinMillis() = %d, want %d", tt.name, got, tt.want)
		}
	}
}

package reference

import (
	"reflect"
	"testing"
	"time"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func TestWindows(t *testing.T) {
	min := time.Minute.Milliseconds()
	tests := []struct {
		name string
		t    int64
		want []int64
	}{
		{"inside", 7*min + 30_000, []int64{7 * min, 6 * min, 5 * min, 4 * min, 3 * min}},
		{"on a boundary", 10 * min, []int64{10 * min, 9 * min, 8 * min, 7 * min, 6 * min}},
		{"before epoch", -30_000, []int64{-min, -2 * min, -3 * min, -4 * min, -5 * min}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Windows(tt.t, 5*time.Minute, time.Minute); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Windows(%d) = %v, want %v", tt.t, got, tt.want)
			}
		})
	}
}

func TestEventTypeCounts(t *testing.T) {
	min := time.Minute.Milliseconds()
	evs := []event.Event{
		{EventType: event.OrderCreated, EventTimeMillis: 0},
		{EventType: event.OrderCreated, EventTimeMillis: min},
		{EventType: event.Delivered, EventTimeMillis: min},
	}
	got := EventTypeCounts(evs, 2*time.Minute, time.Minute)
	want := map[WindowKey]int64{
		{-min, "order_created"}: 1, {0, "order_created"}: 2, {min, "order_created"}: 1,
		{0, "delivered"}: 1, {min, "delivered"}: 1,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestDiffCatchesOffByOne(t *testing.T) {
	want := map[WindowKey]int64{{0, "delivered"}: 5, {60_000, "delivered"}: 3}
	tests := []struct {
		name string
		got  map[WindowKey]int64
		diff bool
	}{
		{"equal", map[WindowKey]int64{{0, "delivered"}: 5, {60_000, "delivered"}: 3}, false},
		{"one count off by one", map[WindowKey]int64{{0, "delivered"}: 5, {60_000, "delivered"}: 4}, true},
		{"a row missing", map[WindowKey]int64{{0, "delivered"}: 5}, true},
		{"an extra row", map[WindowKey]int64{{0, "delivered"}: 5, {60_000, "delivered"}: 3, {120_000, "delivered"}: 1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := Diff(want, tt.got, 10); (len(d) > 0) != tt.diff {
				t.Errorf("Diff = %q, want a difference: %v", d, tt.diff)
			}
		})
	}
}

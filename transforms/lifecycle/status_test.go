package lifecycle

import (
	"fmt"
	"slices"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// TestStatusRanks pins the ranks the order-status table compares (README,
// "Outputs"; io/dynamodbio: created 1, accepted 2, picked_up 3, delivered
// and cancelled 4, both final), as literals rather than event.Type.Rank.
func TestStatusRanks(t *testing.T) {
	for _, c := range []struct {
		typ  event.Type
		rank int64
	}{
		{event.OrderCreated, 1},
		{event.OrderAccepted, 2},
		{event.PickedUp, 3},
		{event.Delivered, 4},
		{event.Cancelled, 4},
		{"teleported", 0}, // unknown: below every known status
	} {
		e := event.Event{EventID: "e", OrderID: "o", RestaurantID: "r", DriverID: "d", EventType: c.typ, EventTimeMillis: 42}
		want := Status{OrderID: "o", Status: string(c.typ), Rank: c.rank, EventTimeMs: 42, RestaurantID: "r", DriverID: "d"}
		if got := toStatus(e); got != want {
			t.Errorf("toStatus(%s) = %+v, want %+v", c.typ, got, want)
		}
	}
}

// TestStatusesOfBatch: every event of a batch gets its own status, stamped
// with its own event time, in the batch's order.
func TestStatusesOfBatch(t *testing.T) {
	b := event.Batch{Events: []event.Event{
		{EventID: "e1", OrderID: "o1", EventType: event.PickedUp, EventTimeMillis: 30},
		{EventID: "e2", OrderID: "o2", EventType: event.OrderCreated, EventTimeMillis: 10},
		{EventID: "e3", OrderID: "o1", EventType: event.OrderAccepted, EventTimeMillis: 20},
	}}
	var got []string
	toStatuses(b, func(ts beam.EventTime, s Status) {
		got = append(got, fmt.Sprintf("%d %s %s %d", ts.Milliseconds(), s.OrderID, s.Status, s.Rank))
	})
	want := []string{"30 o1 picked_up 3", "10 o2 order_created 1", "20 o1 order_accepted 2"}
	if !slices.Equal(got, want) {
		t.Errorf("statuses %q, want %q", got, want)
	}
}

package lifecycle

import (
	"testing"

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

package reference

import (
	"testing"
	"time"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// TestOrdersEarliestStep: a step sent twice under two event ids (a client
// retry, not a duplicate) counts at its earliest time, whichever arrives
// first, and the delivery zone is the earliest delivered event's. The
// reference applies this itself, not through transforms/lifecycle.
func TestOrdersEarliestStep(t *testing.T) {
	const min = int64(60_000)
	here := event.Location{Lat: 52.520008, Lon: 13.404954} // geohash-6 u33dc0
	there := event.Location{Lat: 48.8566, Lon: 2.3522}     // Paris, another zone
	e := func(id string, typ event.Type, at int64, loc event.Location) event.Event {
		return event.Event{EventID: id, OrderID: "o", RestaurantID: "r", DriverID: "d", EventType: typ, EventTimeMillis: at, Location: loc}
	}
	// In arrival order: each later copy of a step arrives before its original.
	events := Dedup([]event.Event{
		e("c", event.OrderCreated, 1*min, here),
		e("a2", event.OrderAccepted, 4*min, there),
		e("a", event.OrderAccepted, 3*min, here),
		e("p2", event.PickedUp, 12*min, there),
		e("p", event.PickedUp, 10*min, here),
		e("p", event.PickedUp, 9*min, there), // a repeated id: dropped by Dedup
		e("d2", event.Delivered, 31*min, there),
		e("d", event.Delivered, 30*min, here),
	})
	got := *Orders(events)["o"]
	want := Order{ID: "o", RestaurantID: "r", DriverID: "d", DeliveryZone: "u33dc0",
		Created: 1 * min, Accepted: 3 * min, PickedUp: 10 * min, Delivered: 30 * min}
	if got != want {
		t.Errorf("Orders = %+v, want %+v", got, want)
	}
	// Delivery minutes come from those times: 30 - 10 = 20, counted in the
	// windows of the delivered time (5-minute windows from 26 to 30).
	g := RestaurantKPIs(events, Orders(events), 5*time.Minute, time.Minute)
	for _, w := range []int64{26, 27, 28, 29, 30} {
		k := GroupKey{WindowStart: w * min, Key: "r"}
		if gk := g[k]; gk == nil || len(gk.DeliveryMinutes) != 1 || gk.DeliveryMinutes[0] != 20 {
			t.Errorf("window %d: %+v, want one delivery of 20 minutes", w, gk)
		}
	}
}

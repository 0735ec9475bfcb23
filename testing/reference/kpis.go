package reference

import (
	"math"
	"sort"
	"time"

	"github.com/mmcloughlin/geohash"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// Dedup keeps the first event of each event_id, in the given order.
func Dedup(events []event.Event) []event.Event {
	seen := map[string]bool{}
	var out []event.Event
	for _, e := range events {
		if !seen[e.EventID] {
			seen[e.EventID] = true
			out = append(out, e)
		}
	}
	return out
}

// Zone is the delivery zone of a location: its 6-character geohash.
func Zone(l event.Location) string { return geohash.EncodeWithPrecision(l.Lat, l.Lon, 6) }

// Order is one order's lifecycle as the reference sees it: the earliest event
// time of each step.
type Order struct {
	ID, RestaurantID, DriverID, DeliveryZone          string
	Created, Accepted, PickedUp, Delivered, Cancelled int64
}

// Orders folds deduplicated events into orders.
func Orders(events []event.Event) map[string]*Order {
	out := map[string]*Order{}
	first := func(cur *int64, t int64) bool {
		if *cur == 0 || t < *cur {
			*cur = t
			return true
		}
		return false
	}
	for _, e := range events {
		o := out[e.OrderID]
		if o == nil {
			o = &Order{ID: e.OrderID}
			out[e.OrderID] = o
		}
		if o.RestaurantID == "" {
			o.RestaurantID = e.RestaurantID
		}
		if o.DriverID == "" {
			o.DriverID = e.DriverID
		}
		t := e.EventTimeMillis
		switch e.EventType {
		case event.OrderCreated:
			first(&o.Created, t)
		case event.OrderAccepted:
			first(&o.Accepted, t)
		case event.PickedUp:
			first(&o.PickedUp, t)
		case event.Delivered:
			if first(&o.Delivered, t) {
				o.DeliveryZone = Zone(e.Location)
			}
		case event.Cancelled:
			first(&o.Cancelled, t)
		}
	}
	return out
}

// GroupKey names one restaurant's or zone's KPIs in one window.
type GroupKey struct {
	WindowStart int64
	Key         string // restaurant id or zone
}

// GroupKPI holds the KPIs of a restaurant or zone in a window, defined in
// transforms/kpi/README.md and recomputed here from events and orders.
type GroupKPI struct {
	Created, Delivered, Cancelled int64
	GMVCents                      int64
	DeliveryMinutes               []float64
	Drivers                       map[string]bool
}

// DeliveryStats returns count, mean and nearest-rank p50/p90 of the delivery
// minutes (zeros when none).
func (g *GroupKPI) DeliveryStats() (n int64, mean, p50, p90 float64) {
	m := append([]float64(nil), g.DeliveryMinutes...)
	if len(m) == 0 {
		return 0, 0, 0, 0
	}
	sort.Float64s(m)
	sum := 0.0
	for _, v := range m {
		sum += v
	}
	rank := func(p float64) float64 { return m[int(math.Ceil(p/100*float64(len(m))))-1] }
	return int64(len(m)), sum / float64(len(m)), rank(50), rank(90)
}

// GroupKPIs computes per-window KPIs grouped by groupOf(event) for events and
// by deliveryGroup(order) for delivered orders with a pick-up time.
func GroupKPIs(events []event.Event, orders map[string]*Order, size, period time.Duration,
	groupOf func(event.Event) string, deliveryGroup func(*Order) string) map[GroupKey]*GroupKPI {
	out := map[GroupKey]*GroupKPI{}
	get := func(k GroupKey) *GroupKPI {
		g := out[k]
		if g == nil {
			g = &GroupKPI{Drivers: map[string]bool{}}
			out[k] = g
		}
		return g
	}
	for _, e := range events {
		key := groupOf(e)
		if key == "" {
			continue
		}
		for _, w := range Windows(e.EventTimeMillis, size, period) {
			g := get(GroupKey{w, key})
			switch e.EventType {
			case event.OrderCreated:
				g.Created++
				g.GMVCents += int64(math.Round(e.TotalPrice * 100))
			case event.Delivered:
				g.Delivered++
			case event.Cancelled:
				g.Cancelled++
			}
			if e.DriverID != "" {
				g.Drivers[e.DriverID] = true
			}
		}
	}
	for _, o := range orders {
		if o.Delivered == 0 || o.PickedUp == 0 {
			continue
		}
		minutes := float64(o.Delivered-o.PickedUp) / 60_000
		for _, w := range Windows(o.Delivered, size, period) {
			g := get(GroupKey{w, deliveryGroup(o)})
			g.DeliveryMinutes = append(g.DeliveryMinutes, minutes)
		}
	}
	return out
}

// RestaurantKPIs groups by restaurant_id.
func RestaurantKPIs(events []event.Event, orders map[string]*Order, size, period time.Duration) map[GroupKey]*GroupKPI {
	return GroupKPIs(events, orders, size, period,
		func(e event.Event) string { return e.RestaurantID },
		func(o *Order) string { return o.RestaurantID })
}

// ZoneKPIs groups by the zone of each event's location, deliveries by the
// zone of the delivered event.
func ZoneKPIs(events []event.Event, orders map[string]*Order, size, period time.Duration) map[GroupKey]*GroupKPI {
	return GroupKPIs(events, orders, size, period,
		func(e event.Event) string { return Zone(e.Location) },
		func(o *Order) string { return o.DeliveryZone })
}

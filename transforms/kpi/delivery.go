package kpi

// Delivery is one delivered order's delivery time, the input of the
// delivery-minutes KPIs. The lifecycle join (transforms/lifecycle) produces
// them from its OrderFacts; the element timestamp must be the delivered
// event's time, so a delivery falls into the windows of its delivered event.
type Delivery struct {
	OrderID      string
	RestaurantID string
	DriverID     string
	Zone         string  // delivery zone: the zone of the delivered event's location
	Minutes      float64 // picked_up → delivered, in minutes
}

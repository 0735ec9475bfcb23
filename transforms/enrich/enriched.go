package enrich

import (
	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// Enriched is an event with its dimension attributes and delivery zone.
type Enriched struct {
	Event             event.Event
	RestaurantName    string // "" when UnknownRestaurant
	Cuisine           string
	DriverVehicle     string // "" when UnknownDriver or the event has no driver
	Zone              string // event.Zone(Event.Location)
	UnknownRestaurant bool   // restaurant_id not in the restaurant dimension
	UnknownDriver     bool   // driver_id set but not in the driver dimension
}

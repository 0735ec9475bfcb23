package enrich

import (
	"github.com/mmcloughlin/geohash"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// ZonePrecision is the geohash length of a delivery zone: 6 characters is a
// cell of about 1.2 km × 0.6 km (at 45° latitude; narrower east-west towards
// the poles), a few dozen zones per city. It matches the zones the simulator
// writes into the dimension files.
const ZonePrecision = 6

// Zone returns the delivery zone of a location: its geohash at ZonePrecision.
func Zone(l event.Location) string {
	return geohash.EncodeWithPrecision(l.Lat, l.Lon, ZonePrecision)
}

// Enriched is an event with its dimension attributes and delivery zone.
type Enriched struct {
	Event             event.Event
	RestaurantName    string // "" when UnknownRestaurant
	Cuisine           string
	DriverVehicle     string // "" when UnknownDriver or the event has no driver
	Zone              string // Zone(Event.Location)
	UnknownRestaurant bool   // restaurant_id not in the restaurant dimension
	UnknownDriver     bool   // driver_id set but not in the driver dimension
}

package event

import "github.com/mmcloughlin/geohash"

// ZonePrecision is the geohash length of a delivery zone: 6 characters is a
// cell of about 1.2 km × 0.6 km (at 45° latitude; narrower east-west towards
// the poles), a few dozen zones per city. It matches the zones the simulator
// writes into the dimension files.
const ZonePrecision = 6

// Zone returns the delivery zone of a location: its geohash at ZonePrecision.
// The zone KPIs and an order's delivery zone both use it.
func Zone(l Location) string {
	return geohash.EncodeWithPrecision(l.Lat, l.Lon, ZonePrecision)
}

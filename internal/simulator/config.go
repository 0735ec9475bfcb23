// Package simulator generates a deterministic stream of food-delivery order
// events: restaurants and drivers placed in a city, orders that walk through
// the lifecycle order_created → order_accepted → picked_up → delivered (or end
// cancelled), with optional out-of-order, duplicate, late and re-sent (new
// event_id, later event time) emission.
//
// The same Config (including Seed) always yields byte-identical events in the
// same emission order, so a run can be replayed into Kinesis and into a file
// for the reference computation.
package simulator

import (
	"errors"
	"fmt"
	"time"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// City is the area restaurants, drivers and customers are placed in: a square
// of SizeKm × SizeKm around Center.
type City struct {
	Name   string
	Center event.Location
	SizeKm float64
}

// Config controls what the simulator generates. Shares are fractions in [0, 1].
type Config struct {
	// Seed makes the output deterministic: the same Config gives the same events.
	Seed int64
	// Orders is the number of orders to simulate; 0 means unbounded (stop by
	// ending the iteration).
	Orders int
	// Restaurants and Drivers are the dimension sizes.
	Restaurants, Drivers int
	// Start is the creation time of the first order (event time).
	Start time.Time
	// OrdersPerMinute is the mean order arrival rate in event time (Poisson).
	OrdersPerMinute float64
	// CancelShare of orders end in cancelled, after created or after accepted.
	CancelShare float64
	// OutOfOrderShare of events are emitted up to OutOfOrderBy after their
	// event time, so later events overtake them.
	OutOfOrderShare float64
	OutOfOrderBy    time.Duration
	// DuplicateShare of events are emitted a second time (same event_id and
	// payload), up to a minute after the first copy.
	DuplicateShare float64
	// LateShare of events are emitted LateBy after their event time.
	LateShare float64
	LateBy    time.Duration
	// ResendShare of lifecycle steps are sent again under a new event_id,
	// with an event time 1 s to ResendBy later (a client retry that made a
	// new event, not a duplicate): dedup keeps both, and an order's fact
	// must keep the earliest time of each step. Off by default, so the
	// default stream is unchanged.
	ResendShare float64
	ResendBy    time.Duration
	City        City
}

// DefaultConfig returns a small, realistic configuration: a 10 km square of
// Berlin, 500 restaurants, 2000 drivers, 60 orders per minute and a few
// percent of cancelled, out-of-order, duplicate and late events.
func DefaultConfig() Config {
	return Config{
		Seed:            1,
		Orders:          1000,
		Restaurants:     500,
		Drivers:         2000,
		Start:           time.Date(2024, 1, 15, 11, 0, 0, 0, time.UTC),
		OrdersPerMinute: 60,
		CancelShare:     0.05,
		OutOfOrderShare: 0.02,
		OutOfOrderBy:    2 * time.Minute,
		DuplicateShare:  0.01,
		LateShare:       0.01,
		LateBy:          8 * time.Minute,
		ResendBy:        30 * time.Second,
		City: City{
			Name:   "Berlin",
			Center: event.Location{Lat: 52.5200, Lon: 13.4050},
			SizeKm: 10,
		},
	}
}

// Validate reports every setting that cannot work, naming the field.
func (c Config) Validate() error {
	var errs []error
	if c.Orders < 0 {
		errs = append(errs, fmt.Errorf("Orders must be >= 0 (0 = unbounded), got %d", c.Orders))
	}
	if c.Restaurants <= 0 || c.Restaurants > 99999 {
		errs = append(errs, fmt.Errorf("Restaurants must be in 1..99999, got %d", c.Restaurants))
	}
	if c.Drivers <= 0 || c.Drivers > 99999 {
		errs = append(errs, fmt.Errorf("Drivers must be in 1..99999, got %d", c.Drivers))
	}
	if !(c.OrdersPerMinute > 0) {
		errs = append(errs, fmt.Errorf("OrdersPerMinute must be > 0, got %g", c.OrdersPerMinute))
	}
	for _, s := range []struct {
		name string
		v    float64
	}{{"CancelShare", c.CancelShare}, {"OutOfOrderShare", c.OutOfOrderShare}, {"DuplicateShare", c.DuplicateShare}, {"LateShare", c.LateShare}, {"ResendShare", c.ResendShare}} {
		if !(s.v >= 0 && s.v <= 1) {
			errs = append(errs, fmt.Errorf("%s must be in [0, 1], got %g", s.name, s.v))
		}
	}
	if c.OutOfOrderShare+c.LateShare > 1 {
		errs = append(errs, fmt.Errorf("OutOfOrderShare + LateShare must be <= 1, got %g", c.OutOfOrderShare+c.LateShare))
	}
	if c.OutOfOrderBy < time.Second && c.OutOfOrderShare > 0 {
		errs = append(errs, fmt.Errorf("OutOfOrderBy must be >= 1s when OutOfOrderShare > 0, got %s", c.OutOfOrderBy))
	}
	if c.ResendBy < time.Second && c.ResendShare > 0 {
		errs = append(errs, fmt.Errorf("ResendBy must be >= 1s when ResendShare > 0, got %s", c.ResendBy))
	}
	if c.LateBy < 0 {
		errs = append(errs, fmt.Errorf("LateBy must be >= 0, got %s", c.LateBy))
	}
	if !(c.City.SizeKm > 0) || c.City.Center.Lat < -80 || c.City.Center.Lat > 80 || c.City.Center.Lon < -180 || c.City.Center.Lon > 180 {
		errs = append(errs, fmt.Errorf("City needs SizeKm > 0 and a center with |lat| <= 80, |lon| <= 180, got %+v", c.City))
	}
	return errors.Join(errs...)
}

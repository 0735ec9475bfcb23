// Package enrich adds restaurant and driver dimension attributes and the
// delivery zone to events.
package enrich

import (
	"context"
	"fmt"
	"reflect"
	"sync"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func init() {
	register.DoFn2x1[context.Context, event.Batch, Batch](&enrichFn{})
	beam.RegisterType(reflect.TypeFor[Enriched]())
	beam.RegisterType(reflect.TypeFor[Batch]())
}

var (
	enrichedCount          = beam.NewCounter("enrich", "events")
	unknownRestaurantCount = beam.NewCounter("enrich", "unknown_restaurant")
	unknownDriverCount     = beam.NewCounter("enrich", "unknown_driver")
)

// Batch is the enriched events of one event.Batch, in its order, as one
// element (event.Batch has why); each keeps its own event time.
type Batch struct {
	Rows []Enriched
}

// Enrich joins each event of batches (a PCollection<event.Batch>) with the
// restaurant and driver dimensions read from restaurants and drivers (CSV,
// a location Beam's file system registry opens, see LoadDimensions) and returns a
// PCollection<Batch>, one for each batch, with its timestamp. Events with an
// unknown id are kept and flagged.
//
// Counters (namespace "enrich"): events, unknown_restaurant, unknown_driver
// (an event without driver_id is not unknown).
//
// The dimensions are loaded once per worker process in Setup, not passed as a
// Beam side input: they are a static file, a side input would be
// materialised and re-read by the runner (on prism each read is a gRPC round
// trip per bundle), and a map side input is not available on Flink. The cost
// is that a changed file takes effect only when workers restart.
func Enrich(s beam.Scope, batches beam.PCollection, restaurants, drivers string) beam.PCollection {
	s = s.Scope("enrich.Enrich")
	return beam.ParDo(s, &enrichFn{Restaurants: restaurants, Drivers: drivers}, batches)
}

type enrichFn struct {
	Restaurants, Drivers string

	dims *Dimensions
}

// cache shares one loaded copy of each dimension pair among the DoFn
// instances of a worker process.
var cache struct {
	sync.Mutex
	m map[[2]string]*Dimensions
}

func (f *enrichFn) Setup(ctx context.Context) error {
	cache.Lock()
	defer cache.Unlock()
	k := [2]string{f.Restaurants, f.Drivers}
	if d, ok := cache.m[k]; ok {
		f.dims = d
		return nil
	}
	d, err := LoadDimensions(ctx, f.Restaurants, f.Drivers)
	if err != nil {
		return fmt.Errorf("enrich: setup: %w", err)
	}
	if cache.m == nil {
		cache.m = map[[2]string]*Dimensions{}
	}
	cache.m[k] = d
	f.dims = d
	return nil
}

func (f *enrichFn) ProcessElement(ctx context.Context, b event.Batch) Batch {
	out := Batch{Rows: make([]Enriched, len(b.Events))}
	var unknownRestaurants, unknownDrivers int64
	for i := range b.Events {
		e := f.dims.Enrich(b.Events[i])
		if e.UnknownRestaurant {
			unknownRestaurants++
		}
		if e.UnknownDriver {
			unknownDrivers++
		}
		out.Rows[i] = e
	}
	enrichedCount.Inc(ctx, int64(len(b.Events)))
	unknownRestaurantCount.Inc(ctx, unknownRestaurants)
	unknownDriverCount.Inc(ctx, unknownDrivers)
	return out
}

// Enrich returns e with its dimension attributes and zone.
func (d *Dimensions) Enrich(e event.Event) Enriched {
	out := Enriched{Event: e, Zone: event.Zone(e.Location)}
	if r, ok := d.Restaurants[e.RestaurantID]; ok {
		out.RestaurantName, out.Cuisine = r.Name, r.Cuisine
	} else {
		out.UnknownRestaurant = true
	}
	if e.DriverID != "" {
		if dr, ok := d.Drivers[e.DriverID]; ok {
			out.DriverVehicle = dr.Vehicle
		} else {
			out.UnknownDriver = true
		}
	}
	return out
}

package kpi

import (
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/mtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// The KPIs take lifecycle.Track's unique events as event.Batches too: these
// tests give them the events of the hand-computed tests as batches that
// each span several windows, stamped with their earliest event as Track
// stamps them, and expect the same rows.

func init() {
	register.Function1x2(stampBatch)
}

func stampBatch(b event.Batch) (beam.EventTime, event.Batch) {
	return mtime.FromMilliseconds(b.MinMillis()), b
}

// asBatches deals events into n batches in turn (so each holds events far
// apart in event time), each stamped with its earliest event.
func asBatches(s beam.Scope, events []event.Event, n int) beam.PCollection {
	batches := make([]event.Batch, n)
	for i, e := range events {
		batches[i%n].Events = append(batches[i%n].Events, e)
	}
	return beam.ParDo(s, stampBatch, beam.CreateList(s, batches))
}

func TestEventTypeCountsOfBatches(t *testing.T) {
	p, s := beam.NewPipelineWithRoot()
	in := asBatches(s, []event.Event{
		ev("a", event.OrderCreated, t0),
		ev("c", event.OrderAccepted, t0+70_000),
		ev("b", event.OrderCreated, t0+30_000),
	}, 2)
	w := Windows{Size: 2 * time.Minute, Period: time.Minute, Options: []WindowOption{OnTimeOnly()}}
	// By hand, as TestEventTypeCountsOnTime: a, b at 0:00 and 0:30 lie in
	// [-1,1) and [0,2); c at 1:10 in [0,2) and [1,3).
	equals(s, beam.ParDo(s, formatEventTypeCount, EventTypeCounts(s, in, w)),
		"[-1,1) order_created=2",
		"[0,2) order_created=2",
		"[0,2) order_accepted=1",
		"[1,3) order_accepted=1",
	)
	ptest.RunAndValidate(t, p)
}

func TestRestaurantKPIsOfBatches(t *testing.T) {
	p, s := beam.NewPipelineWithRoot()
	ev := asBatches(s, []event.Event{
		order("o1", "r-1", "", event.OrderCreated, t0+10*sec, 12.50),
		order("o1", "r-1", "d-1", event.Delivered, t0+90*sec, 0),
		order("o2", "r-1", "", event.OrderCreated, t0+20*sec, 7.25),
		order("o3", "r-1", "d-2", event.Delivered, t0+100*sec, 0),
		order("o2", "r-1", "", event.Cancelled, t0+40*sec, 0),
		order("o4", "r-1", "d-1", event.Delivered, t0+110*sec, 0),
		order("o5", "r-2", "", event.OrderCreated, t0+5*sec, 3.00),
		order("o6", "", "", event.OrderCreated, t0+5*sec, 99), // no restaurant: not counted
	}, 3)
	dv := beam.ParDo(s, stampDelivery, beam.CreateList(s, []timedDelivery{
		{t0 + 90*sec, Delivery{OrderID: "o1", RestaurantID: "r-1", Minutes: 20}},
		{t0 + 100*sec, Delivery{OrderID: "o3", RestaurantID: "r-1", Minutes: 10}},
		{t0 + 110*sec, Delivery{OrderID: "o4", RestaurantID: "r-1", Minutes: 35}},
	}))
	// By hand, as TestRestaurantKPIs.
	equals(s, beam.ParDo(s, formatRestaurantKPI, RestaurantKPIs(s, ev, dv, onTime2m)),
		"[-1,1) r-1 c=2 d=0 x=1 gmv=19.75 n=0 mean=0.0000 p50=0 p90=0",
		"[0,2) r-1 c=2 d=3 x=1 gmv=19.75 n=3 mean=21.6667 p50=20 p90=35",
		"[1,3) r-1 c=0 d=3 x=0 gmv=0.00 n=3 mean=21.6667 p50=20 p90=35",
		"[-1,1) r-2 c=1 d=0 x=0 gmv=3.00 n=0 mean=0.0000 p50=0 p90=0",
		"[0,2) r-2 c=1 d=0 x=0 gmv=3.00 n=0 mean=0.0000 p50=0 p90=0",
	)
	ptest.RunAndValidate(t, p)
}

// TestZoneKPIsOfBatches: a batch's events count in the zones of their own
// locations, the 6-character geohashes: Berlin Mitte is u33dc0 and (0, 0)
// is s00000 (geohash's first cell east of Greenwich, north of the equator).
func TestZoneKPIsOfBatches(t *testing.T) {
	p, s := beam.NewPipelineWithRoot()
	mitte, origin := event.Location{Lat: 52.520008, Lon: 13.404954}, event.Location{}
	at := func(l event.Location, e event.Event) event.Event { e.Location = l; return e }
	ev := asBatches(s, []event.Event{
		at(mitte, order("o1", "r-1", "", event.OrderCreated, t0+10*sec, 10)),
		at(origin, order("o1", "r-1", "d-1", event.Delivered, t0+80*sec, 0)),
		at(mitte, order("o1", "r-1", "d-1", event.OrderAccepted, t0+20*sec, 0)),
		at(mitte, order("o2", "r-1", "d-2", event.OrderAccepted, t0+30*sec, 0)),
		at(mitte, order("o1", "r-1", "d-1", event.PickedUp, t0+50*sec, 0)),
	}, 2)
	dv := beam.ParDo(s, stampDelivery, beam.CreateList(s, []timedDelivery{
		{t0 + 80*sec, Delivery{OrderID: "o1", RestaurantID: "r-1", DriverID: "d-1", Zone: "s00000", Minutes: 30}},
	}))
	// By hand, as TestZoneKPIs with u0 = u33dc0 and u1 = s00000.
	equals(s, beam.ParDo(s, formatZoneKPI, ZoneKPIs(s, ev, dv, onTime2m)),
		"[-1,1) u33dc0 c=1 d=0 x=0 gmv=10.00 n=0 mean=0.0000 p50=0 p90=0 drivers=2",
		"[0,2) u33dc0 c=1 d=0 x=0 gmv=10.00 n=0 mean=0.0000 p50=0 p90=0 drivers=2",
		"[0,2) s00000 c=0 d=1 x=0 gmv=0.00 n=1 mean=30.0000 p50=30 p90=30 drivers=1",
		"[1,3) s00000 c=0 d=1 x=0 gmv=0.00 n=1 mean=30.0000 p50=30 p90=30 drivers=1",
	)
	ptest.RunAndValidate(t, p)
}

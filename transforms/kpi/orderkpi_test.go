package kpi

import (
	"fmt"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/mtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func init() {
	register.Function1x2(stampEvent)
	register.Function1x3(stampZoned)
	register.Function1x2(stampDelivery)
	register.Function1x1(formatRestaurantKPI)
	register.Function1x1(formatZoneKPI)
}

// timedDelivery carries a test delivery with the delivered event's time.
type timedDelivery struct {
	At int64
	D  Delivery
}

func stampEvent(e event.Event) (beam.EventTime, event.Event) {
	return mtime.FromMilliseconds(e.EventTimeMillis), e
}

// zonedEvent is a test event with the zone it counts in.
type zonedEvent struct {
	Zone  string
	Event event.Event
}

func stampZoned(z zonedEvent) (beam.EventTime, string, event.Event) {
	return mtime.FromMilliseconds(z.Event.EventTimeMillis), z.Zone, z.Event
}

func stampDelivery(d timedDelivery) (beam.EventTime, Delivery) {
	return mtime.FromMilliseconds(d.At), d.D
}

func formatRestaurantKPI(k RestaurantKPI) string {
	return fmt.Sprintf("[%d,%d) %s c=%d d=%d x=%d gmv=%.2f n=%d mean=%.4f p50=%g p90=%g",
		(k.WindowStart-t0)/minute, (k.WindowEnd-t0)/minute, k.RestaurantID,
		k.OrdersCreated, k.OrdersDelivered, k.OrdersCancelled, k.GMV,
		k.DeliveryCount, k.DeliveryMinMean, k.DeliveryMinP50, k.DeliveryMinP90)
}

func formatZoneKPI(k ZoneKPI) string {
	return fmt.Sprintf("[%d,%d) %s c=%d d=%d x=%d gmv=%.2f n=%d mean=%.4f p50=%g p90=%g drivers=%d",
		(k.WindowStart-t0)/minute, (k.WindowEnd-t0)/minute, k.Zone,
		k.OrdersCreated, k.OrdersDelivered, k.OrdersCancelled, k.GMV,
		k.DeliveryCount, k.DeliveryMinMean, k.DeliveryMinP50, k.DeliveryMinP90, k.ActiveDrivers)
}

func order(id, restaurant, driver string, typ event.Type, at int64, price float64) event.Event {
	return event.Event{EventID: id + "/" + string(typ), EventType: typ, OrderID: id, RestaurantID: restaurant, DriverID: driver, EventTimeMillis: at, TotalPrice: price}
}

const sec = int64(1000)

// inputForm is one of the two forms the KPIs take their events in: single
// events stamped with event time, or event.Batches as lifecycle.Track emits
// them (each spanning several windows here, stamped with its earliest
// event). Every form must give the rows computed by hand.
type inputForm struct {
	name string
	in   func(s beam.Scope, events []event.Event) beam.PCollection
}

var inputForms = []inputForm{
	{"events", func(s beam.Scope, events []event.Event) beam.PCollection {
		return beam.ParDo(s, stampEvent, beam.CreateList(s, events))
	}},
	{"batches", func(s beam.Scope, events []event.Event) beam.PCollection { return asBatches(s, events, 3) }},
}

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

func TestRestaurantKPIs(t *testing.T) {
	events := []event.Event{
		order("o1", "r-1", "", event.OrderCreated, t0+10*sec, 12.50),
		order("o2", "r-1", "", event.OrderCreated, t0+20*sec, 7.25),
		order("o2", "r-1", "", event.Cancelled, t0+40*sec, 0),
		order("o1", "r-1", "d-1", event.Delivered, t0+90*sec, 0),
		order("o3", "r-1", "d-2", event.Delivered, t0+100*sec, 0),
		order("o4", "r-1", "d-1", event.Delivered, t0+110*sec, 0),
		order("o5", "r-2", "", event.OrderCreated, t0+5*sec, 3.00), // r-2 goes idle after 0:05
		order("o6", "", "", event.OrderCreated, t0+5*sec, 99),      // no restaurant: not counted
	}
	deliveries := []timedDelivery{
		{t0 + 90*sec, Delivery{OrderID: "o1", RestaurantID: "r-1", Minutes: 20}},
		{t0 + 100*sec, Delivery{OrderID: "o3", RestaurantID: "r-1", Minutes: 10}},
		{t0 + 110*sec, Delivery{OrderID: "o4", RestaurantID: "r-1", Minutes: 35}},
	}
	for _, form := range inputForms {
		t.Run(form.name, func(t *testing.T) {
			p, s := beam.NewPipelineWithRoot()
			dv := beam.ParDo(s, stampDelivery, beam.CreateList(s, deliveries))
			got := beam.ParDo(s, formatRestaurantKPI, RestaurantKPIs(s, form.in(s, events), dv, onTime2m))
			// By hand. Windows [-1,1) [0,2) [1,3) in minutes. Delivery minutes in
			// [0,2) and [1,3): sorted 10 20 35, mean 65/3, p50 rank ceil(1.5)=2 → 20,
			// p90 rank ceil(2.7)=3 → 35.
			equals(s, got,
				"[-1,1) r-1 c=2 d=0 x=1 gmv=19.75 n=0 mean=0.0000 p50=0 p90=0",
				"[0,2) r-1 c=2 d=3 x=1 gmv=19.75 n=3 mean=21.6667 p50=20 p90=35",
				"[1,3) r-1 c=0 d=3 x=0 gmv=0.00 n=3 mean=21.6667 p50=20 p90=35",
				"[-1,1) r-2 c=1 d=0 x=0 gmv=3.00 n=0 mean=0.0000 p50=0 p90=0",
				"[0,2) r-2 c=1 d=0 x=0 gmv=3.00 n=0 mean=0.0000 p50=0 p90=0",
			)
			ptest.RunAndValidate(t, p)
		})
	}
}

// onTime2m are the windows of the on-time tests: 2 minutes every minute.
var onTime2m = Windows{Size: 2 * time.Minute, Period: time.Minute, Options: []WindowOption{OnTimeOnly()}}

// TestZoneKPIs gives the zone KPIs events keyed by zone, and events in
// batches, which count in the zone of their own location: the 6-character
// geohashes, Berlin Mitte u33dc0 and (0, 0) s00000 (geohash's first cell
// east of Greenwich, north of the equator).
func TestZoneKPIs(t *testing.T) {
	mitte, origin := event.Location{Lat: 52.520008, Lon: 13.404954}, event.Location{}
	in := func(zone string, l event.Location, e event.Event) zonedEvent {
		e.Location = l
		return zonedEvent{Zone: zone, Event: e}
	}
	zoned := []zonedEvent{
		in("u33dc0", mitte, order("o1", "r-1", "", event.OrderCreated, t0+10*sec, 10)),
		in("u33dc0", mitte, order("o1", "r-1", "d-1", event.OrderAccepted, t0+20*sec, 0)),
		in("u33dc0", mitte, order("o2", "r-1", "d-2", event.OrderAccepted, t0+30*sec, 0)),
		in("u33dc0", mitte, order("o1", "r-1", "d-1", event.PickedUp, t0+50*sec, 0)),
		in("s00000", origin, order("o1", "r-1", "d-1", event.Delivered, t0+80*sec, 0)),
	}
	var events []event.Event
	for _, z := range zoned {
		events = append(events, z.Event)
	}
	deliveries := []timedDelivery{{t0 + 80*sec, Delivery{OrderID: "o1", RestaurantID: "r-1", DriverID: "d-1", Zone: "s00000", Minutes: 30}}}
	forms := []inputForm{
		{"events by zone", func(s beam.Scope, _ []event.Event) beam.PCollection {
			return beam.ParDo(s, stampZoned, beam.CreateList(s, zoned))
		}},
		{"batches", func(s beam.Scope, events []event.Event) beam.PCollection { return asBatches(s, events, 2) }},
	}
	for _, form := range forms {
		t.Run(form.name, func(t *testing.T) {
			p, s := beam.NewPipelineWithRoot()
			dv := beam.ParDo(s, stampDelivery, beam.CreateList(s, deliveries))
			got := beam.ParDo(s, formatZoneKPI, ZoneKPIs(s, form.in(s, events), dv, onTime2m))
			// By hand: u33dc0 has drivers d-1, d-2 in [-1,1) and [0,2); the
			// delivery at 1:20 is in zone s00000 in [0,2) and [1,3), driver d-1 only.
			equals(s, got,
				"[-1,1) u33dc0 c=1 d=0 x=0 gmv=10.00 n=0 mean=0.0000 p50=0 p90=0 drivers=2",
				"[0,2) u33dc0 c=1 d=0 x=0 gmv=10.00 n=0 mean=0.0000 p50=0 p90=0 drivers=2",
				"[0,2) s00000 c=0 d=1 x=0 gmv=0.00 n=1 mean=30.0000 p50=30 p90=30 drivers=1",
				"[1,3) s00000 c=0 d=1 x=0 gmv=0.00 n=1 mean=30.0000 p50=30 p90=30 drivers=1",
			)
			ptest.RunAndValidate(t, p)
		})
	}
}

func TestNearestRank(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		p    float64
		want float64
	}{
		{[]float64{7}, 50, 7},
		{[]float64{7}, 90, 7},
		{[]float64{1, 2}, 50, 1},
		{[]float64{1, 2}, 90, 2},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 50, 5},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90, 9},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 90, 10},
		{[]float64{1, 2, 3}, 100, 3},
	} {
		if got := NearestRank(c.in, c.p); got != c.want {
			t.Errorf("NearestRank(%v, %v) = %v, want %v", c.in, c.p, got, c.want)
		}
	}
}

// TestCombinerMerge checks that splitting the input over accumulators in any
// way gives the same summary as adding it to one (runners merge freely).
func TestCombinerMerge(t *testing.T) {
	f := &orderKPIFn{TrackDrivers: true}
	obs := []observation{
		observeEvent(order("a", "r", "d-2", event.OrderCreated, 0, 1.10)),
		observeEvent(order("b", "r", "d-1", event.OrderCreated, 0, 2.20)),
		observeEvent(order("b", "r", "d-1", event.Cancelled, 0, 0)),
		observeDelivery(Delivery{DriverID: "d-3", Minutes: 12}),
		observeDelivery(Delivery{DriverID: "d-1", Minutes: 4}),
		observeEvent(order("a", "r", "d-2", event.Delivered, 0, 0)),
	}
	one := f.CreateAccumulator()
	for _, o := range obs {
		one = f.AddInput(one, o)
	}
	want := f.ExtractOutput(one)
	for split := range len(obs) + 1 {
		a, b := f.CreateAccumulator(), f.CreateAccumulator()
		for _, o := range obs[:split] {
			a = f.AddInput(a, o)
		}
		for _, o := range obs[split:] {
			b = f.AddInput(b, o)
		}
		if got := f.ExtractOutput(f.MergeAccumulators(b, a)); got != want {
			t.Errorf("split %d: %+v, want %+v", split, got, want)
		}
	}
	if want.GMVCents != 330 || want.ActiveDrivers != 3 || want.Samples != 2 || want.P90 != 12 {
		t.Errorf("summary %+v: want GMV 330 cents, 3 drivers, 2 samples, p90 12", want)
	}
}

func init() {
	register.Function2x0(testDeliveries)
	register.Function1x2(inZoneU0)
	register.Function1x1(formatRestaurantPane)
	register.Function1x1(formatZonePane)
}

// testDeliveries turns each delivered event into a 12-minute delivery in zone u0.
func testDeliveries(e event.Event, emit func(Delivery)) {
	if e.EventType == event.Delivered {
		emit(Delivery{OrderID: e.OrderID, RestaurantID: e.RestaurantID, DriverID: e.DriverID, Zone: "u0", Minutes: 12})
	}
}

func inZoneU0(e event.Event) (string, event.Event) { return "u0", e }

func formatRestaurantPane(k RestaurantKPI) string {
	return fmt.Sprintf("[%d,%d) #%d %s %s c=%d d=%d gmv=%.2f n=%d p50=%g",
		(k.WindowStart-t0)/minute, (k.WindowEnd-t0)/minute, k.Pane, k.Timing, k.RestaurantID,
		k.OrdersCreated, k.OrdersDelivered, k.GMV, k.DeliveryCount, k.DeliveryMinP50)
}

func formatZonePane(k ZoneKPI) string {
	return fmt.Sprintf("[%d,%d) #%d %s %s c=%d d=%d gmv=%.2f n=%d p50=%g drivers=%d",
		(k.WindowStart-t0)/minute, (k.WindowEnd-t0)/minute, k.Pane, k.Timing, k.Zone,
		k.OrdersCreated, k.OrdersDelivered, k.GMV, k.DeliveryCount, k.DeliveryMinP50, k.ActiveDrivers)
}

// TestOrderKPIsLatePanes checks that restaurant and zone rows carry the
// runner's pane: an ON_TIME pane, then a LATE pane holding the accumulated
// KPIs after a late order, on prism and on Flink (make test-kpi-flink).
func TestOrderKPIsLatePanes(t *testing.T) {
	p, s := beam.NewPipelineWithRoot()
	in := steps(s,
		step{add: []event.Event{
			order("o1", "r-1", "", event.OrderCreated, t0+10*sec, 10),
			order("o1", "r-1", "d-1", event.Delivered, t0+20*sec, 0),
		}, watermark: t0 + 2*minute}, // [-1,1) and [0,2) fire ON_TIME
		// Late for both windows, within the 3 minutes allowed.
		step{add: []event.Event{order("o2", "r-1", "d-2", event.OrderCreated, t0+40*sec, 5)}, watermark: t0 + 3*minute},
	)
	w := onRunner(Windows{Size: 2 * time.Minute, Period: time.Minute, AllowedLateness: 3 * time.Minute})
	dv := beam.ParDo(s, testDeliveries, in)
	rows := beam.Flatten(s,
		beam.ParDo(s, formatRestaurantPane, RestaurantKPIs(s, in, dv, w)),
		beam.ParDo(s, formatZonePane, ZoneKPIs(s, beam.ParDo(s, inZoneU0, in), dv, w)),
	)
	// By hand: the delivery (12 min) and o1 in both windows; o2 adds an
	// order, 5.00 of GMV and driver d-2 in the LATE panes.
	runAndCompare(t, p, s, rows,
		"[-1,1) #0 ON_TIME r-1 c=1 d=1 gmv=10.00 n=1 p50=12",
		"[0,2) #0 ON_TIME r-1 c=1 d=1 gmv=10.00 n=1 p50=12",
		"[-1,1) #1 LATE r-1 c=2 d=1 gmv=15.00 n=1 p50=12",
		"[0,2) #1 LATE r-1 c=2 d=1 gmv=15.00 n=1 p50=12",
		"[-1,1) #0 ON_TIME u0 c=1 d=1 gmv=10.00 n=1 p50=12 drivers=1",
		"[0,2) #0 ON_TIME u0 c=1 d=1 gmv=10.00 n=1 p50=12 drivers=1",
		"[-1,1) #1 LATE u0 c=2 d=1 gmv=15.00 n=1 p50=12 drivers=2",
		"[0,2) #1 LATE u0 c=2 d=1 gmv=15.00 n=1 p50=12 drivers=2",
	)
}

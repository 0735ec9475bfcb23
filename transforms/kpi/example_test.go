package kpi_test

import (
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/deliverypipe/deliverypipe/transforms/event"
	"github.com/deliverypipe/deliverypipe/transforms/kpi"
)

// The seed's aggregate: events per type in 5-minute windows every minute,
// with late panes for 10 minutes.
func ExampleEventTypeCounts() {
	p, s := beam.NewPipelineWithRoot()
	events := beam.Create(s, event.Event{EventID: "e-1", EventType: event.OrderCreated, OrderID: "o-1"}) // a source stamped with event time in a real graph
	w := kpi.Windows{Size: kpi.DefaultSize, Period: kpi.DefaultPeriod, AllowedLateness: kpi.DefaultAllowedLateness}
	counts := kpi.EventTypeCounts(s, events, w) // PCollection<kpi.EventTypeCount>
	_, _ = p, counts
}

// On a runner without triggers (the in-process prism of Beam Go v2.62), one
// on-time pane per window and no late data.
func ExampleSlidingWindows() {
	_, s := beam.NewPipelineWithRoot()
	events := beam.Create(s, event.Event{EventID: "e-1", EventType: event.OrderCreated, OrderID: "o-1"})
	windowed := kpi.SlidingWindows(s, events, 5*time.Minute, time.Minute, 0, kpi.OnTimeOnly())
	_ = windowed
}

// Per-restaurant KPIs: counts and GMV from the events, delivery minutes from
// the lifecycle's deliveries, each in the windows of its own event time.
func ExampleRestaurantKPIs() {
	_, s := beam.NewPipelineWithRoot()
	events := beam.Create(s, event.Event{EventID: "e-1", EventType: event.OrderCreated, OrderID: "o-1", RestaurantID: "r-1", TotalPrice: 12.5})
	deliveries := beam.Create(s, kpi.Delivery{OrderID: "o-0", RestaurantID: "r-1", Minutes: 18})
	w := kpi.Windows{Size: kpi.DefaultSize, Period: kpi.DefaultPeriod, AllowedLateness: kpi.DefaultAllowedLateness}
	rows := kpi.RestaurantKPIs(s, events, deliveries, w) // PCollection<kpi.RestaurantKPI>
	_ = rows
}

// Per-zone KPIs take events keyed by their zone, the geohash of the event's location.
func ExampleZoneKPIs() {
	_, s := beam.NewPipelineWithRoot()
	e := event.Event{EventID: "e-1", EventType: event.OrderAccepted, DriverID: "d-1", Location: event.Location{Lat: 52.52, Lon: 13.405}}
	events := beam.ParDo(s, func(e event.Event) (string, event.Event) { return event.Zone(e.Location), e }, beam.Create(s, e))
	deliveries := beam.Create(s, kpi.Delivery{OrderID: "o-0", Zone: "u33dbc", Minutes: 18})
	w := kpi.Windows{Size: kpi.DefaultSize, Period: kpi.DefaultPeriod, AllowedLateness: kpi.DefaultAllowedLateness}
	rows := kpi.ZoneKPIs(s, events, deliveries, w) // PCollection<kpi.ZoneKPI>
	_ = rows
}

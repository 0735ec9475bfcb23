package kpi

import (
	"fmt"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// benchInput is keys restaurants with one order each (created, accepted,
// picked up, delivered, a minute apart) and its delivery, spread over an hour.
func benchInput(keys int) ([]event.Event, []timedDelivery) {
	events := make([]event.Event, 0, 4*keys)
	deliveries := make([]timedDelivery, 0, keys)
	for k := range keys {
		r, o := fmt.Sprintf("r-%d", k), fmt.Sprintf("o-%d", k)
		at := t0 + int64(k%60)*minute + int64(k%1000)*10
		for i, typ := range []event.Type{event.OrderCreated, event.OrderAccepted, event.PickedUp, event.Delivered} {
			events = append(events, order(o, r, "d-1", typ, at+int64(i)*minute, 10))
		}
		deliveries = append(deliveries, timedDelivery{at + 3*minute, Delivery{OrderID: o, RestaurantID: r, Minutes: 1}})
	}
	return events, deliveries
}

// benchmarkRestaurantKPIs runs RestaurantKPIs over 20k keys × 4 events in
// the default sliding windows (5 min every 1 min) on the test runner.
func benchmarkRestaurantKPIs(b *testing.B, opts ...AggregateOption) {
	events, deliveries := benchInput(20_000)
	for b.Loop() {
		p, s := beam.NewPipelineWithRoot()
		ev := beam.ParDo(s, stampEvent, beam.CreateList(s, events))
		dv := beam.ParDo(s, stampDelivery, beam.CreateList(s, deliveries))
		RestaurantKPIs(s, ev, dv, Windows{Size: DefaultSize, Period: DefaultPeriod, Options: []WindowOption{OnTimeOnly()}}, opts...)
		if _, err := ptest.RunWithMetrics(p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(events)*b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkRestaurantKPIsGrouped(b *testing.B) { benchmarkRestaurantKPIs(b) }

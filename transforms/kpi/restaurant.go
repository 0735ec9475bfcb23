package kpi

import (
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func init() {
	register.Function3x0(restaurantOfEvent)
	register.Function2x0(restaurantOfEvents)
	register.Function3x0(restaurantOfDelivery)
	register.Function4x1(foldRestaurantKPIs)
	beam.RegisterType(reflect.TypeFor[RestaurantKPI]())
	beam.RegisterType(reflect.TypeFor[Delivery]())
}

// RestaurantKPI holds one restaurant's order KPIs in one pane of one window.
// Definitions in README.md.
type RestaurantKPI struct {
	WindowStart     int64   `parquet:"window_start,timestamp(millisecond)"` // Unix ms, inclusive
	WindowEnd       int64   `parquet:"window_end,timestamp(millisecond)"`   // Unix ms, exclusive
	Pane            int64   `parquet:"pane"`
	Timing          string  `parquet:"timing"`
	RestaurantID    string  `parquet:"restaurant_id"`
	OrdersCreated   int64   `parquet:"orders_created"`
	OrdersDelivered int64   `parquet:"orders_delivered"`
	OrdersCancelled int64   `parquet:"orders_cancelled"`
	GMV             float64 `parquet:"gmv"`               // sum of total_price of order_created events, summed in cents
	DeliveryCount   int64   `parquet:"delivery_count"`    // deliveries with a known delivery time
	DeliveryMinMean float64 `parquet:"delivery_min_mean"` // 0 when DeliveryCount is 0
	DeliveryMinP50  float64 `parquet:"delivery_min_p50"`
	DeliveryMinP90  float64 `parquet:"delivery_min_p90"`
}

// RestaurantKPIs computes per restaurant, window and pane: orders created,
// delivered and cancelled, GMV, and mean/p50/p90 delivery minutes.
//
// events is a PCollection<event.Event> and deliveries a PCollection<Delivery>,
// both timestamped with event time and unwindowed (events may also be a
// PCollection<event.Batch>, each event at its EventTimeMillis); the windows of w are
// applied after a per-bundle pre-aggregation (preaggregate.go). Counts and
// GMV come from the events, delivery minutes from the deliveries, each in
// the windows of its own timestamp. The result is a PCollection<RestaurantKPI>:
// a GroupByKey per bucket of restaurants (WithBuckets) and a fold that stamps
// each row with its window and pane.
func RestaurantKPIs(s beam.Scope, events, deliveries beam.PCollection, w Windows, opts ...AggregateOption) beam.PCollection {
	return UnbatchRestaurantKPIs(s, RestaurantKPIBatches(s, events, deliveries, w, opts...))
}

// RestaurantKPIBatches is RestaurantKPIs with the rows of each firing of a bucket of
// restaurants as one element, a PCollection<RestaurantKPIBatch>: what the Parquet sink
// takes, so that rows cross the runner in batches (batch.go).
func RestaurantKPIBatches(s beam.Scope, events, deliveries beam.PCollection, w Windows, opts ...AggregateOption) beam.PCollection {
	s = s.Scope("kpi.RestaurantKPIs")
	obs := beam.Flatten(s,
		observeEvents(s, events, restaurantOfEvent, restaurantOfEvents),
		beam.ParDo(s, restaurantOfDelivery, deliveries),
	)
	c := aggregateOptions(opts)
	partial := beam.ParDo(s, &preGroupFn{PeriodMillis: w.slotMillis(), Buckets: c.buckets, TrackDrivers: false}, obs)
	batches := beam.ParDo(s, foldRestaurantKPIs, beam.GroupByKey(s, w.apply(s, partial)))
	if w.config().normalizePanes {
		batches = normalizeRestaurantKPIBatches(s, batches)
	}
	return batches
}

func restaurantOfEvent(ts beam.EventTime, e event.Event, emit func(observations)) {
	if e.RestaurantID != "" {
		emit(observations{Items: []timedObservation{{Millis: ts.Milliseconds(), Entity: e.RestaurantID, Obs: observeEvent(e)}}})
	}
}

func restaurantOfEvents(b event.Batch, emit func(observations)) {
	observeBatch(b, func(e *event.Event) string { return e.RestaurantID }, emit)
}

func restaurantOfDelivery(ts beam.EventTime, d Delivery, emit func(observations)) {
	if d.RestaurantID != "" {
		emit(observations{Items: []timedObservation{{Millis: ts.Milliseconds(), Entity: d.RestaurantID, Obs: observeDelivery(d)}}})
	}
}

func foldRestaurantKPIs(p beam.PaneInfo, w beam.Window, bucket string, groups func(*entityGroup) bool) RestaurantKPIBatch {
	f := panes(w, p)
	ids, sums := foldGroups(orderKPIFn{TrackDrivers: false}, groups)
	b := RestaurantKPIBatch{Bucket: bucket, Rows: make([]RestaurantKPI, len(ids))}
	for i, id := range ids {
		b.Rows[i] = restaurantKPI(f, id, sums[i])
	}
	return b
}

func restaurantKPI(f paneFields, id string, m summary) RestaurantKPI {
	return RestaurantKPI{
		WindowStart: f.start, WindowEnd: f.end, Pane: f.index, Timing: f.timing,
		RestaurantID: id, OrdersCreated: m.Created, OrdersDelivered: m.Delivered, OrdersCancelled: m.Cancelled,
		GMV: float64(m.GMVCents) / 100, DeliveryCount: m.Samples,
		DeliveryMinMean: m.Mean, DeliveryMinP50: m.P50, DeliveryMinP90: m.P90,
	}
}

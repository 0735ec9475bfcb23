package kpi

import (
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func init() {
	register.Function4x0(zoneOfEvent)
	register.Function2x0(zoneOfEvents)
	register.Function3x0(zoneOfDelivery)
	register.Function4x1(foldZoneKPIs)
	beam.RegisterType(reflect.TypeFor[ZoneKPI]())
}

// ZoneKPI holds one delivery zone's order KPIs in one pane of one window:
// the RestaurantKPI measures plus the distinct active drivers.
type ZoneKPI struct {
	WindowStart     int64   `parquet:"window_start,timestamp(millisecond)"`
	WindowEnd       int64   `parquet:"window_end,timestamp(millisecond)"`
	Pane            int64   `parquet:"pane"`
	Timing          string  `parquet:"timing"`
	Zone            string  `parquet:"zone"`
	OrdersCreated   int64   `parquet:"orders_created"`
	OrdersDelivered int64   `parquet:"orders_delivered"`
	OrdersCancelled int64   `parquet:"orders_cancelled"`
	GMV             float64 `parquet:"gmv"`
	DeliveryCount   int64   `parquet:"delivery_count"`
	DeliveryMinMean float64 `parquet:"delivery_min_mean"`
	DeliveryMinP50  float64 `parquet:"delivery_min_p50"`
	DeliveryMinP90  float64 `parquet:"delivery_min_p90"`
	ActiveDrivers   int64   `parquet:"active_drivers"` // distinct non-empty driver_id of the zone's events
}

// ZoneKPIs computes the RestaurantKPIs measures per delivery zone, plus the
// number of distinct active drivers (an exact set in the accumulator).
//
// events is a PCollection<event.Batch> (what the pipeline passes: Track's
// unique events), each event at its EventTimeMillis in the zone of its own
// location (event.Zone), or a PCollection<KV<string, event.Event>> of
// events keyed by their zone and timestamped with event time; deliveries is
// a PCollection<Delivery> (counted in Delivery.Zone), timestamped with event
// time; both unwindowed. An empty zone is not counted. The
// result is a PCollection<ZoneKPI>, pre-aggregated, windowed, grouped and
// folded like RestaurantKPIs.
func ZoneKPIs(s beam.Scope, events, deliveries beam.PCollection, w Windows, opts ...AggregateOption) beam.PCollection {
	return UnbatchZoneKPIs(s, ZoneKPIBatches(s, events, deliveries, w, opts...))
}

// ZoneKPIBatches is ZoneKPIs with the rows of each firing of a bucket of
// zones as one element, a PCollection<ZoneKPIBatch>: what the Parquet sink
// takes, so that rows cross the runner in batches (batch.go).
func ZoneKPIBatches(s beam.Scope, events, deliveries beam.PCollection, w Windows, opts ...AggregateOption) beam.PCollection {
	s = s.Scope("kpi.ZoneKPIs")
	obs := beam.Flatten(s,
		observeEvents(s, events, zoneOfEvent, zoneOfEvents),
		beam.ParDo(s, zoneOfDelivery, deliveries),
	)
	c := aggregateOptions(opts)
	partial := beam.ParDo(s, &preGroupFn{PeriodMillis: w.slotMillis(), Buckets: c.buckets, TrackDrivers: true}, obs)
	batches := beam.ParDo(s, foldZoneKPIs, beam.GroupByKey(s, w.apply(s, partial)))
	if w.config().normalizePanes {
		batches = normalizeZoneKPIBatches(s, batches)
	}
	return batches
}

func zoneOfEvent(ts beam.EventTime, zone string, e event.Event, emit func(observations)) {
	if zone != "" {
		emit(observations{Items: []timedObservation{{Millis: ts.Milliseconds(), Entity: zone, Obs: observeEvent(e)}}})
	}
}

// zoneOfEvents puts each event in the zone of its own location.
func zoneOfEvents(b event.Batch, emit func(observations)) {
	observeBatch(b, func(e *event.Event) string { return event.Zone(e.Location) }, emit)
}

// zoneOfDelivery contributes only the delivery time: the driver is already
// counted from the zone's events.
func zoneOfDelivery(ts beam.EventTime, d Delivery, emit func(observations)) {
	if d.Zone != "" {
		o := observeDelivery(d)
		o.DriverID = ""
		emit(observations{Items: []timedObservation{{Millis: ts.Milliseconds(), Entity: d.Zone, Obs: o}}})
	}
}

func foldZoneKPIs(p beam.PaneInfo, w beam.Window, bucket string, groups func(*entityGroup) bool) ZoneKPIBatch {
	f := panes(w, p)
	ids, sums := foldGroups(orderKPIFn{TrackDrivers: true}, groups)
	b := ZoneKPIBatch{Bucket: bucket, Rows: make([]ZoneKPI, len(ids))}
	for i, id := range ids {
		b.Rows[i] = zoneKPI(f, id, sums[i])
	}
	return b
}

func zoneKPI(f paneFields, zone string, m summary) ZoneKPI {
	return ZoneKPI{
		WindowStart: f.start, WindowEnd: f.end, Pane: f.index, Timing: f.timing,
		Zone: zone, OrdersCreated: m.Created, OrdersDelivered: m.Delivered, OrdersCancelled: m.Cancelled,
		GMV: float64(m.GMVCents) / 100, DeliveryCount: m.Samples,
		DeliveryMinMean: m.Mean, DeliveryMinP50: m.P50, DeliveryMinP90: m.P90,
		ActiveDrivers: m.ActiveDrivers,
	}
}

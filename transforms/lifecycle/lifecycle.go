// Package lifecycle joins the events of each order into one OrderFact.
package lifecycle

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/mtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/state"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/timers"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/deliverypipe/deliverypipe/transforms/enrich"
	"github.com/deliverypipe/deliverypipe/transforms/event"
	"github.com/deliverypipe/deliverypipe/transforms/kpi"
)

func init() {
	register.DoFn7x1[context.Context, beam.EventTime, state.Provider, timers.Provider, string, event.Event, func(OrderFact), error](&joinFn{})
	register.Function1x2(orderKey)
	register.Function2x0(toDelivery)
	register.Emitter1[OrderFact]()
	register.Emitter1[kpi.Delivery]()
	beam.RegisterType(reflect.TypeFor[OrderFact]())
	beam.RegisterType(reflect.TypeFor[orderState]())
}

// Defaults of Join's options.
const (
	DefaultGrace   = time.Minute
	DefaultHorizon = 2 * time.Hour
)

var (
	emittedCount = beam.NewCounter("lifecycle", "emitted")
	expiredCount = beam.NewCounter("lifecycle", "expired")
	afterCount   = beam.NewCounter("lifecycle", "after_emit")
)

// Option configures Join.
type Option func(*joinFn)

// WithGrace sets how long, in event time after an order's delivered or
// cancelled event, Join waits for stragglers before emitting (default 1 min).
func WithGrace(d time.Duration) Option { return func(f *joinFn) { f.GraceMillis = d.Milliseconds() } }

// WithHorizon sets how long, in event time after an order's first event, it
// may stay unfinished before it expires (default 2 h).
func WithHorizon(d time.Duration) Option {
	return func(f *joinFn) { f.HorizonMillis = d.Milliseconds() }
}

// Join joins the events of events (a PCollection<event.Event> in the global
// window, timestamped with event time, deduplicated) per order_id and returns
// a PCollection<OrderFact>:
//   - when the watermark passes the delivered (or cancelled) time + grace, one
//     fact with Complete=true, timestamped at that delivered/cancelled time;
//     steps may arrive in any order and may be missing;
//   - when the watermark passes the first event + horizon without a
//     delivered or cancelled event, one fact with Complete=false, timestamped
//     at the expiry (counter lifecycle.expired).
//
// Events of an order after its fact was emitted are counted
// (lifecycle.after_emit) and dropped until the horizon has passed.
//
// One bag-state cell holds the order's per-event parts (folded on read) and
// one event-time timer serves grace and expiry, so each event costs one state
// read, one append and one timer set (the round trips dominate on prism; a
// value write would cost a clear and an append). The timer's
// output timestamp holds the watermark at the delivered time during the
// grace, so downstream event-time windows see the fact on time.
func Join(s beam.Scope, events beam.PCollection, opts ...Option) beam.PCollection {
	s = s.Scope("lifecycle.Join")
	fn := &joinFn{
		GraceMillis:   DefaultGrace.Milliseconds(),
		HorizonMillis: DefaultHorizon.Milliseconds(),
		Order:         state.MakeBagState[orderState]("order"),
		Fire:          timers.InEventTime("fire"),
	}
	for _, o := range opts {
		o(fn)
	}
	return beam.ParDo(s, fn, beam.ParDo(s, orderKey, events))
}

// Deliveries turns facts (a PCollection<OrderFact>) into the kpi.Delivery
// of every delivered order with a known pick-up time, keeping timestamps.
func Deliveries(s beam.Scope, facts beam.PCollection) beam.PCollection {
	return beam.ParDo(s.Scope("lifecycle.Deliveries"), toDelivery, facts)
}

func toDelivery(f OrderFact, emit func(kpi.Delivery)) {
	if f.DeliveredMillis != 0 && f.PickedUpMillis != 0 {
		emit(kpi.Delivery{OrderID: f.OrderID, RestaurantID: f.RestaurantID, DriverID: f.DriverID, Zone: f.Zone, Minutes: f.DeliveryMinutes})
	}
}

func orderKey(e event.Event) (string, event.Event) { return e.OrderID, e }

// orderState is an order's state, or one part of it in the bag.
type orderState struct {
	Fact        OrderFact
	FirstMillis int64 // earliest event time seen
	Emitted     bool
}

type joinFn struct {
	GraceMillis, HorizonMillis int64
	// Order is a bag of per-event parts folded on read: an event then costs
	// one append (one state round trip) where a value write costs a clear
	// and an append.
	Order state.Bag[orderState]
	Fire  timers.EventTime
}

func (f *joinFn) ProcessElement(ctx context.Context, ts beam.EventTime, sp state.Provider, tp timers.Provider, id string, e event.Event, emit func(OrderFact)) error {
	parts, _, err := f.Order.Read(sp)
	if err != nil {
		return fmt.Errorf("lifecycle: read state of order %q: %w", id, err)
	}
	st := fold(parts)
	if st.Emitted {
		afterCount.Inc(ctx, 1)
		return nil
	}
	part := orderState{FirstMillis: e.EventTimeMillis, Fact: OrderFact{OrderID: id, RestaurantID: e.RestaurantID, DriverID: e.DriverID}}
	t := e.EventTimeMillis
	switch e.EventType {
	case event.OrderCreated:
		part.Fact.CreatedMillis = t
	case event.OrderAccepted:
		part.Fact.AcceptedMillis = t
	case event.PickedUp:
		part.Fact.PickedUpMillis = t
	case event.Delivered:
		part.Fact.DeliveredMillis = t
		part.Fact.Zone = enrich.Zone(e.Location)
	case event.Cancelled:
		part.Fact.CancelledMillis = t
	}
	if err := f.Order.Add(sp, part); err != nil {
		return fmt.Errorf("lifecycle: write state of order %q: %w", id, err)
	}
	st.merge(part)
	fact := &st.Fact
	if end := fact.terminalMillis(); end != 0 {
		f.Fire.Set(tp, time.UnixMilli(end+f.GraceMillis), timers.WithOutputTimestamp(time.UnixMilli(end)))
	} else {
		f.Fire.Set(tp, time.UnixMilli(st.FirstMillis+f.HorizonMillis))
	}
	return nil
}

func (f *joinFn) OnTimer(ctx context.Context, ts beam.EventTime, sp state.Provider, tp timers.Provider, id string, timer timers.Context, emit func(OrderFact)) error {
	parts, ok, err := f.Order.Read(sp)
	if err != nil {
		return fmt.Errorf("lifecycle: read state of order %q: %w", id, err)
	}
	if !ok {
		return nil
	}
	st := fold(parts)
	expiry := st.FirstMillis + f.HorizonMillis
	if st.Emitted || st.Fact.terminalMillis() == 0 {
		if !st.Emitted {
			st.Fact.finish()
			expiredCount.Inc(ctx, 1)
			emit(st.Fact)
		}
		return f.Order.Clear(sp)
	}
	st.Fact.finish()
	emittedCount.Inc(ctx, 1)
	emit(st.Fact)
	if err := f.Order.Clear(sp); err != nil {
		return fmt.Errorf("lifecycle: clear state of order %q: %w", id, err)
	}
	if now := mtime.Time(ts).Milliseconds(); expiry <= now {
		return nil
	}
	// Keep a tombstone until the horizon, so stragglers do not start a new
	// order that would later expire as incomplete.
	if err := f.Order.Add(sp, orderState{Emitted: true, FirstMillis: st.FirstMillis}); err != nil {
		return fmt.Errorf("lifecycle: write state of order %q: %w", id, err)
	}
	f.Fire.Set(tp, time.UnixMilli(expiry))
	return nil
}

// fold merges the state parts of an order in the order they were added.
func fold(parts []orderState) orderState {
	var st orderState
	for _, p := range parts {
		st.merge(p)
	}
	return st
}

// merge adds one part (one event's contribution, or a tombstone) to st,
// with the rules of the fact: earliest time per step, the first restaurant,
// the latest non-empty driver, the zone of the latest delivered event.
func (st *orderState) merge(p orderState) {
	f, q := &st.Fact, &p.Fact
	if q.OrderID != "" {
		f.OrderID = q.OrderID
	}
	if f.RestaurantID == "" {
		f.RestaurantID = q.RestaurantID
	}
	if q.DriverID != "" {
		f.DriverID = q.DriverID
	}
	if q.Zone != "" {
		f.Zone = q.Zone
	}
	for _, s := range []struct{ cur, t *int64 }{
		{&f.CreatedMillis, &q.CreatedMillis}, {&f.AcceptedMillis, &q.AcceptedMillis},
		{&f.PickedUpMillis, &q.PickedUpMillis}, {&f.DeliveredMillis, &q.DeliveredMillis},
		{&f.CancelledMillis, &q.CancelledMillis},
	} {
		if *s.t != 0 {
			*s.cur = earliest(*s.cur, *s.t)
		}
	}
	if p.FirstMillis != 0 {
		st.FirstMillis = earliest(st.FirstMillis, p.FirstMillis)
	}
	st.Emitted = st.Emitted || p.Emitted
}

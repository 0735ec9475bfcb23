// Package lifecycle deduplicates order events and joins the events of each
// order into one OrderFact, in one stateful stage.
package lifecycle

import (
	"context"
	"fmt"
	"hash/fnv"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/mtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/state"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/timers"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func init() {
	register.DoFn7x1[context.Context, state.Provider, timers.Provider, string, event.Batch, func(beam.EventTime, event.Batch), func(beam.EventTime, OrderFact), error](&trackFn{})
	register.Emitter2[beam.EventTime, event.Batch]()
	register.Emitter2[beam.EventTime, OrderFact]()
	beam.RegisterType(reflect.TypeFor[OrderFact]())
	beam.RegisterType(reflect.TypeFor[trackFn]())
}

// Defaults of Track's options.
const (
	DefaultGrace        = time.Minute
	DefaultHorizon      = 2 * time.Hour
	DefaultDedupHorizon = time.Hour
	DefaultBuckets      = 16
)

// Timer granularity: deadlines are rounded up to a tick, so that one timer
// firing serves every order of a bucket due in the same tick instead of one
// timer per order. Facts are emitted on the minute;
// forgetting only frees memory, so it waits for a coarser tick.
const (
	emitTick   = int64(60_000)
	forgetTick = int64(15 * 60_000)
)

// maxArmed bounds the timers armed per key at once. When the watermark jumps
// (a catching-up stream, the end of a bounded input) every armed tick fires
// in one runner round, so the more are armed, the fewer rounds, each of
// which reads and writes the key's cell: with 4, a one-hour jump took 15
// rounds. The Go harness sends every timer as its own data message, and on a
// Beam 2.62 Flink runner without our job-server patch a bundle that sends
// more than the runner's 100-message inbound queue and gRPC window hold
// deadlocks (runners/README.md, "Known problems"); the local and the EMR job
// servers apply the patch. A bundle sets at most DefaultBuckets × maxArmed
// timers.
const maxArmed = 64

var (
	emittedCount = beam.NewCounter("lifecycle", "emitted")
	expiredCount = beam.NewCounter("lifecycle", "expired")
	afterCount   = beam.NewCounter("lifecycle", "after_emit")
	// forgottenCount counts orders whose state was dropped: at the end of a
	// bounded run it equals emitted + expired when all state has expired.
	forgottenCount = beam.NewCounter("lifecycle", "forgotten")
	// duplicates is the counter dedup.Duplicates names, the one counter of
	// repeats for the read = valid + dead-lettered + duplicates balance,
	// declared here so that the lifecycle does not import the dedup stage.
	duplicates = beam.NewCounter("dedup", "duplicates")
)

// Option configures Track.
type Option func(*trackFn)

// WithGrace sets how long, in event time after an order's delivered or
// cancelled event, Track waits for stragglers before emitting (default 1 min;
// the emission waits for the next whole minute after that).
func WithGrace(d time.Duration) Option { return func(f *trackFn) { f.GraceMillis = d.Milliseconds() } }

// WithHorizon sets how long, in event time after an order's first event, it
// may stay unfinished before it expires (default 2 h).
func WithHorizon(d time.Duration) Option {
	return func(f *trackFn) { f.HorizonMillis = d.Milliseconds() }
}

// WithDedupHorizon sets how long, in event time after an order's latest
// event, its event ids are still remembered (default 1 h; they are kept at
// least until the order's horizon has passed too).
func WithDedupHorizon(d time.Duration) Option {
	return func(f *trackFn) { f.DedupMillis = d.Milliseconds() }
}

// WithoutBundleCache makes every batch and timer read its key's cell from the
// runner, and write it back, instead of reusing the copy read or written
// earlier in the same bundle and writing each changed cell once when the
// bundle finishes. The cache is exact (fresh reads were compared with it);
// no runner preset needs this since the in-process prism of Beam Go v2.62,
// whose late drops it made rarer, was replaced by v2.77 with SDF splits off.
// It is the path that touches state only inside ProcessElement and OnTimer.
func WithoutBundleCache() Option { return func(f *trackFn) { f.NoCache = true } }

// WithBuckets sets how many state keys the orders are spread over (default
// 16). Every key holds the state of all its orders in one cell, so a bundle
// costs one state read and one write per key it touches, whatever the number
// of events: fewer keys amortise better on runners where a state access is a
// round trip (prism), more keys keep each cell small when many orders are
// open at once and allow more parallelism. 0 keys the state by order_id.
func WithBuckets(n int) Option { return func(f *trackFn) { f.Buckets = n } }

// Track deduplicates events (a PCollection<event.Event> in the global window;
// they are re-stamped from each event's EventTimeMillis, whatever their
// element timestamps) by
// event_id and joins them per order_id. It returns the first event of every
// event_id, as a PCollection<event.Batch> (the new events of each batch of a
// bucket, the batch timestamped with its earliest event: see event.Batch),
// and a PCollection<OrderFact>:
//   - when the watermark passes the delivered (or cancelled) time + grace,
//     rounded up to the minute, one fact with Complete=true, timestamped at
//     that delivered/cancelled time; steps may arrive in any order and may
//     be missing;
//   - when the watermark passes the first event + horizon without a
//     delivered or cancelled event, one fact with Complete=false, timestamped
//     at the expiry (counter lifecycle.expired).
//
// A repeated event_id is dropped (counter dedup.duplicates) as long as its
// order is remembered: until the watermark passes the later of first event +
// horizon and latest event + dedup horizon, rounded up to 15 minutes. Event ids belong to orders (a
// repeat is a resent event), so remembering them in the order's state is
// enough. Events of an order after its fact was emitted are passed on as
// events but do not change the fact (counter lifecycle.after_emit).
//
// Cost: events are batched per bucket of orders within a bundle, and each
// bucket is one state cell (all its open orders) with one event-time timer
// per minute at which something is due (dynamic timer tags, supported by
// the portable Flink runner since Beam 2.28). On prism, where each
// state access is a round trip to the runner and each key and timer costs
// runner bookkeeping, this replaces per-event state reads and writes (two
// stateful stages, dedup by event_id and a join by order_id, measured at
// 1.8k events/s together) by a few per bundle. The timer's output timestamp
// holds the watermark at the earliest fact still to be emitted, so
// downstream event-time windows see every fact on time. The price: a cell is
// read and rewritten whole, so its cost grows with the open orders per
// bucket (raise WithBuckets for streams with many open orders). Within a
// bundle a key's cell is read and decoded once, then kept, and written once
// when the bundle finishes (WithoutBundleCache turns that off). Only value state and
// event-time timers are used, as Flink requires; it runs on Flink in make
// test-flink.
func Track(s beam.Scope, events beam.PCollection, opts ...Option) (unique, facts beam.PCollection) {
	s = s.Scope("lifecycle.Track")
	fn := &trackFn{
		GraceMillis:   DefaultGrace.Milliseconds(),
		HorizonMillis: DefaultHorizon.Milliseconds(),
		DedupMillis:   DefaultDedupHorizon.Milliseconds(),
		Buckets:       DefaultBuckets,
		Orders:        state.MakeValueState[bucketState]("orders"),
		Fire:          timers.InEventTime("fire"),
	}
	for _, o := range opts {
		o(fn)
	}
	batches := beam.ParDo(s, &batchFn{Buckets: fn.Buckets, MaxBuffered: maxBuffered}, events)
	outs := beam.ParDoN(s, fn, batches)
	return outs[0], outs[1]
}

// bucketKey is the state key of an order: its bucket, or the order id itself
// when buckets is 0. FNV-1a is stable across processes, as keys must be.
func bucketKey(orderID string, buckets int) string {
	if buckets <= 0 {
		return orderID
	}
	h := fnv.New32a()
	h.Write([]byte(orderID))
	return strconv.Itoa(int(h.Sum32() % uint32(buckets)))
}

// eventHash is the dedup key of an event id (FNV-1a: stable across
// processes, as state must be).
func eventHash(id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()
}

// orderState is one open (or emitted, still remembered) order.
type orderState struct {
	Fact        OrderFact
	FirstMillis int64 // earliest event time seen
	LastMillis  int64 // latest event time seen
	// EventHashes are the 64-bit FNV-1a hashes of the ids of the events
	// seen, for dedup: 8 bytes where a UUID id took 37, in a cell that is
	// read and written whole. Two ids of one order collide with
	// probability about 2⁻⁶⁰; the cost would be one event taken for a
	// repeat.
	EventHashes []uint64
	Emitted     bool
}

// bucketState is the state cell of one key: its orders, in first-seen
// order, and the timers armed for it.
type bucketState struct {
	Orders []orderState
	Armed  []armedTimer
}

// armedTimer is one armed timer of a key: its tick (the timer's tag and
// firing time) and the output timestamp it holds the watermark at.
type armedTimer struct {
	Tick, Hold int64
}

type trackFn struct {
	GraceMillis, HorizonMillis, DedupMillis int64
	Buckets                                 int
	NoCache                                 bool
	Orders                                  state.Value[bucketState]
	Fire                                    timers.EventTime

	// cells are the decoded cells of the keys read or written in the
	// current bundle. Only this instance changes a key's state while the
	// bundle runs, so its copy stays equal to what the runner will hold: a
	// key met again in the same bundle (Flink's batch translation gives a
	// key all its batches, and then each round of its timers, in one
	// bundle) skips the state round trip and the decode, and a changed cell
	// is written once, when the bundle finishes, instead of after every
	// batch and timer. Dropped when the bundle ends.
	cells map[string]*cell
}

// cell is a key's state as last read or written in this bundle.
type cell struct {
	st bucketState
	ok bool // the state exists (or, when dirty, is to be written, not cleared)
	// index maps order ids to their position in st.Orders; nil until a
	// batch needs it, and after orders are dropped.
	index map[string]int
	// dirty says st changed since it was read; sp is the provider of the
	// key's last call, which FinishBundle writes it with.
	dirty bool
	sp    state.Provider
}

// StartBundle starts with no cells known. It lists the emitters only
// because Beam Go requires the bundle methods of a DoFn that emits to.
func (f *trackFn) StartBundle(_ func(beam.EventTime, event.Batch), _ func(beam.EventTime, OrderFact)) {
	f.cells = map[string]*cell{}
}

// FinishBundle writes the changed cells and forgets them all: the next
// bundle may run elsewhere, or after a retry. The writes go out while the
// bundle is still open, with the state provider of each key's last call
// (it names the key and the bundle's state channel), so the runner commits
// them with the bundle's outputs and timers.
func (f *trackFn) FinishBundle(_ func(beam.EventTime, event.Batch), _ func(beam.EventTime, OrderFact)) error {
	defer func() { f.cells = nil }()
	for key, c := range f.cells {
		if c.dirty {
			if err := f.write(c.sp, key, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// read returns key's cell, from this bundle's copy when there is one.
func (f *trackFn) read(sp state.Provider, key string) (*cell, error) {
	if c, ok := f.cells[key]; ok {
		return c, nil
	}
	st, ok, err := f.Orders.Read(sp)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: read state of key %q: %w", key, err)
	}
	c := &cell{st: st, ok: ok}
	if !f.NoCache {
		if f.cells == nil { // a DoFn used without StartBundle (direct calls)
			f.cells = map[string]*cell{}
		}
		f.cells[key] = c
	}
	return c, nil
}

// write writes c's state, or clears it when it has no orders left.
func (f *trackFn) write(sp state.Provider, key string, c *cell) error {
	if !c.ok {
		if err := f.Orders.Clear(sp); err != nil {
			return fmt.Errorf("lifecycle: clear state of key %q: %w", key, err)
		}
		return nil
	}
	if err := f.Orders.Write(sp, c.st); err != nil {
		return fmt.Errorf("lifecycle: write state of key %q: %w", key, err)
	}
	return nil
}

// ProcessElement folds a batch of one key's events into its state: at most
// one state read per bundle, and its timers set.
func (f *trackFn) ProcessElement(ctx context.Context, sp state.Provider, tp timers.Provider, key string, b event.Batch, emit func(beam.EventTime, event.Batch), _ func(beam.EventTime, OrderFact)) error {
	c, err := f.read(sp, key)
	if err != nil {
		return err
	}
	st := &c.st
	if c.index == nil {
		c.index = make(map[string]int, len(st.Orders)+len(b.Events))
		for i, o := range st.Orders {
			c.index[o.Fact.OrderID] = i
		}
	}
	unique := make([]event.Event, 0, len(b.Events))
	for _, e := range b.Events {
		i, ok := c.index[e.OrderID]
		if !ok {
			i = len(st.Orders)
			c.index[e.OrderID] = i
			st.Orders = append(st.Orders, orderState{Fact: OrderFact{OrderID: e.OrderID}})
		}
		o := &st.Orders[i]
		h := eventHash(e.EventID)
		if slices.Contains(o.EventHashes, h) {
			duplicates.Inc(ctx, 1)
			continue
		}
		o.EventHashes = append(o.EventHashes, h)
		unique = append(unique, e)
		if o.Emitted {
			afterCount.Inc(ctx, 1)
			o.LastMillis = max(o.LastMillis, e.EventTimeMillis)
			continue
		}
		o.add(e)
	}
	if len(unique) > 0 {
		u := event.Batch{Events: unique}
		emit(mtime.FromMilliseconds(u.MinMillis()), u)
	}
	return f.save(sp, tp, key, c)
}

// OnTimer emits the facts that are due at the firing time and forgets the
// orders whose memory has expired, then re-arms the timer.
func (f *trackFn) OnTimer(ctx context.Context, sp state.Provider, tp timers.Provider, key string, timer timers.Context, _ func(beam.EventTime, event.Batch), emit func(beam.EventTime, OrderFact)) error {
	c, err := f.read(sp, key)
	if err != nil {
		return err
	}
	if !c.ok {
		return nil
	}
	st := &c.st
	// The tag starts with the firing time (the timestamp Beam Go passes to
	// OnTimer is the output timestamp), and the watermark has passed it.
	tick, _, _ := strings.Cut(timer.Tag, "/")
	now, err := strconv.ParseInt(tick, 10, 64)
	if err != nil {
		return fmt.Errorf("lifecycle: timer tag %q of key %q: %w", timer.Tag, key, err)
	}
	st.Armed = slices.DeleteFunc(st.Armed, func(a armedTimer) bool { return a.Tick <= now })
	// In place, by index: an orderState is large, and a cell has many.
	kept := 0
	for i := range st.Orders {
		o := &st.Orders[i]
		if !o.Emitted && f.fireAt(o) <= now {
			o.Fact.finish()
			if o.Fact.Complete {
				emittedCount.Inc(ctx, 1)
			} else {
				expiredCount.Inc(ctx, 1)
			}
			emit(mtime.FromMilliseconds(f.factAt(o)), o.Fact)
			o.Emitted = true
			// From now on the order is remembered for dedup only (its
			// times and event hashes): the rest of the fact would only
			// make the cell, written whole, larger.
			o.Fact = OrderFact{OrderID: o.Fact.OrderID}
		}
		if o.Emitted && f.forgetAt(o) <= now {
			forgottenCount.Inc(ctx, 1)
			continue
		}
		if kept != i {
			st.Orders[kept] = *o
		}
		kept++
	}
	if kept < len(st.Orders) {
		c.index = nil // positions moved
		clear(st.Orders[kept:])
		st.Orders = st.Orders[:kept]
	}
	return f.save(sp, tp, key, c)
}

// save arms one timer per tick at which something is due in c, tagged with
// the tick, for the earliest maxArmed ticks (when the watermark jumps, at
// the end of a bounded input or in a catching-up stream, they fire in one
// round instead of one round per tick), and marks c to be written (cleared
// when it has no orders) when the bundle finishes; without the bundle cache
// it writes c now. A tick's timer holds the output watermark at the
// earliest fact it will emit. Ticks already armed with the same or an
// earlier hold are not set again; a timer whose work moved to another tick
// fires and finds nothing due.
func (f *trackFn) save(sp state.Provider, tp timers.Provider, key string, c *cell) error {
	st := &c.st
	c.ok, c.dirty, c.sp = len(st.Orders) > 0, true, sp
	if !c.ok {
		*st = bucketState{}
		c.index = nil
		return f.flushUncached(key, c)
	}
	holds := map[int64]int64{}
	due := func(tick, hold int64) {
		if h, ok := holds[tick]; !ok || hold < h {
			holds[tick] = hold
		}
	}
	for i := range st.Orders {
		o := &st.Orders[i]
		if o.Emitted {
			t := f.forgetAt(o)
			due(t, t)
		} else {
			t := f.fireAt(o)
			due(t, min(f.factAt(o), t))
		}
	}
	// Arm only the earliest maxArmed ticks; the earliest one also holds
	// the watermark for the facts of the ticks not armed yet.
	ticks := slices.Sorted(maps.Keys(holds))
	for _, t := range ticks[min(maxArmed, len(ticks)):] {
		holds[ticks[0]] = min(holds[ticks[0]], holds[t])
	}
	for _, tick := range ticks[:min(maxArmed, len(ticks))] {
		hold := holds[tick]
		if slices.ContainsFunc(st.Armed, func(a armedTimer) bool { return a.Tick == tick && a.Hold <= hold }) {
			continue
		}
		// An earlier hold for an armed tick gets a timer of its own (the tag
		// names tick and hold) instead of re-setting the tick's timer:
		// prism (v2.77) may fire the replaced timer and release its hold
		// twice, which panics its watermark accounting. The later timer of
		// the tick finds nothing due.
		tag := strconv.FormatInt(tick, 10) + "/" + strconv.FormatInt(hold, 10)
		f.Fire.Set(tp, time.UnixMilli(tick), timers.WithTag(tag), timers.WithOutputTimestamp(time.UnixMilli(hold)))
		st.Armed = append(st.Armed, armedTimer{Tick: tick, Hold: hold})
	}
	return f.flushUncached(key, c)
}

// flushUncached writes c now when there is no bundle cache to write it at
// the end of the bundle.
func (f *trackFn) flushUncached(key string, c *cell) error {
	if !f.NoCache {
		return nil
	}
	c.dirty = false
	return f.write(c.sp, key, c)
}

// factAt is the timestamp of an order's fact: when it ended, or its expiry.
func (f *trackFn) factAt(o *orderState) int64 {
	if end := o.Fact.terminalMillis(); end != 0 {
		return end
	}
	return o.FirstMillis + f.HorizonMillis
}

// fireAt is when an order's fact is emitted, on a tick.
func (f *trackFn) fireAt(o *orderState) int64 {
	if end := o.Fact.terminalMillis(); end != 0 {
		return roundUp(end+f.GraceMillis, emitTick)
	}
	return roundUp(o.FirstMillis+f.HorizonMillis, emitTick)
}

// forgetAt is when an emitted order (and its event ids) is forgotten, on a
// tick: stragglers until then are recognised as belonging to a finished
// order and repeats as duplicates.
func (f *trackFn) forgetAt(o *orderState) int64 {
	return roundUp(max(o.FirstMillis+f.HorizonMillis, o.LastMillis+f.DedupMillis), forgetTick)
}

func roundUp(ms, tick int64) int64 {
	if r := ms % tick; r != 0 {
		return ms + tick - r
	}
	return ms
}

// add merges one event into an unemitted order, with the rules of the fact:
// earliest time per step, the first restaurant, the latest non-empty driver,
// the zone of the earliest delivered event.
func (o *orderState) add(e event.Event) {
	t := e.EventTimeMillis
	if o.FirstMillis == 0 || t < o.FirstMillis {
		o.FirstMillis = t
	}
	o.LastMillis = max(o.LastMillis, t)
	fa := &o.Fact
	if fa.RestaurantID == "" {
		fa.RestaurantID = e.RestaurantID
	}
	if e.DriverID != "" {
		fa.DriverID = e.DriverID
	}
	switch e.EventType {
	case event.OrderCreated:
		fa.CreatedMillis = earliest(fa.CreatedMillis, t)
	case event.OrderAccepted:
		fa.AcceptedMillis = earliest(fa.AcceptedMillis, t)
	case event.PickedUp:
		fa.PickedUpMillis = earliest(fa.PickedUpMillis, t)
	case event.Delivered:
		if fa.DeliveredMillis == 0 || t < fa.DeliveredMillis {
			fa.DeliveredMillis = t
			fa.Zone = event.Zone(e.Location)
		}
	case event.Cancelled:
		fa.CancelledMillis = earliest(fa.CancelledMillis, t)
	}
}

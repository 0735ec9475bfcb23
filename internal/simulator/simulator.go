package simulator

import (
	"container/heap"
	"fmt"
	"iter"
	"math/rand/v2"

	"github.com/google/uuid"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// Simulator generates events for one Config. It is immutable after New; every
// call to Events replays the same sequence.
type Simulator struct {
	cfg         Config
	restaurants []Restaurant
	drivers     []Driver
}

// New validates cfg and builds the dimensions.
func New(cfg Config) (*Simulator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("simulator config: %w", err)
	}
	rs, ds := dimensions(cfg)
	return &Simulator{cfg: cfg, restaurants: rs, drivers: ds}, nil
}

// Config returns the configuration the simulator was built with.
func (s *Simulator) Config() Config { return s.cfg }

// Generate returns all events of a bounded run (Config.Orders > 0) in
// emission order.
func (s *Simulator) Generate() ([]event.Event, error) {
	if s.cfg.Orders == 0 {
		return nil, fmt.Errorf("simulator: Generate needs Orders > 0; use Events for an unbounded run")
	}
	out := make([]event.Event, 0, s.cfg.Orders*4)
	for e := range s.Events() {
		out = append(out, e)
	}
	return out, nil
}

// Events yields events in emission order: by emission time, which is the event
// time except for out-of-order, duplicate and late copies (see Config). Ties
// keep generation order. With Orders == 0 the sequence is endless. Each event
// owns its Items and Metadata.
func (s *Simulator) Events() iter.Seq[event.Event] {
	return func(yield func(event.Event) bool) {
		g := &generator{
			s:    s,
			rng:  rand.New(rand.NewPCG(uint64(s.cfg.Seed), 0xe4e7)),
			next: s.cfg.Start.UnixMilli(),
		}
		g.ids = uuidReader{g.rng}
		for n := 0; s.cfg.Orders == 0 || n < s.cfg.Orders; n++ {
			created := g.next
			// Every event of this and later orders is emitted at or after
			// created, so whatever is due by then is final.
			for len(g.q) > 0 && g.q[0].emit <= created {
				if !yield(heap.Pop(&g.q).(*pending).ev) {
					return
				}
			}
			g.order(n, created)
			g.next += max(1, int64(g.rng.ExpFloat64()*60000/s.cfg.OrdersPerMinute))
		}
		for len(g.q) > 0 {
			if !yield(heap.Pop(&g.q).(*pending).ev) {
				return
			}
		}
	}
}

type generator struct {
	s    *Simulator
	rng  *rand.Rand
	ids  uuidReader
	next int64 // creation time of the next order, Unix ms
	seq  uint64
	q    emitQueue
}

var (
	appVersions = []string{"5.2.0", "5.3.1", "5.4.0"}
	platforms   = []string{"ios", "android", "web"}
)

const minute = int64(60_000)

// between returns a uniform duration in [lo, hi) minutes, in ms.
func (g *generator) between(lo, hi float64) int64 {
	return int64((lo + g.rng.Float64()*(hi-lo)) * float64(minute))
}

// order generates one order's lifecycle and queues its events for emission.
func (g *generator) order(n int, created int64) {
	c := g.s.cfg
	// Squaring a uniform skews demand towards low-numbered restaurants, so
	// some are busy and many are quiet, as on a real platform.
	u := g.rng.Float64()
	r := &g.s.restaurants[int(u*u*float64(len(g.s.restaurants)))]
	d := &g.s.drivers[g.rng.IntN(len(g.s.drivers))]
	customer := c.City.clamp(c.City.offset(r.Location, (g.rng.Float64()*2-1)*3, (g.rng.Float64()*2-1)*3))
	driverAt := c.City.clamp(c.City.offset(r.Location, (g.rng.Float64()*2-1)*1.5, (g.rng.Float64()*2-1)*1.5))

	lines := 1 + g.rng.IntN(5)
	items := make([]event.Item, 0, lines)
	var cents int64
	for _, k := range g.rng.Perm(len(r.menu))[:lines] {
		m := r.menu[k]
		qty := int64(1 + g.rng.IntN(3))
		cents += qty * m.cents
		items = append(items, event.Item{ItemID: m.id, Qty: qty, Price: float64(m.cents) / 100})
	}
	base := event.Event{
		SchemaVersion: event.CurrentSchemaVersion,
		OrderID:       fmt.Sprintf("o-%08d", n+1),
		DriverID:      d.ID,
		RestaurantID:  r.ID,
		Items:         items,
		TotalPrice:    float64(cents) / 100,
	}
	app, platform := appVersions[g.rng.IntN(len(appVersions))], platforms[g.rng.IntN(len(platforms))]

	step := func(t event.Type, at int64, loc event.Location) {
		e := base
		e.EventType, e.EventTimeMillis, e.Location = t, at, loc
		e.Items = append([]event.Item(nil), items...)
		e.Metadata = map[string]string{"app_version": app, "platform": platform}
		g.emit(e)
		// No draw when resends are off: the default stream stays as it was.
		if c.ResendShare > 0 && g.rng.Float64() < c.ResendShare {
			r := e
			r.EventTimeMillis += 1000 + g.rng.Int64N(c.ResendBy.Milliseconds()-999)
			r.Items = append([]event.Item(nil), items...)
			r.Metadata = map[string]string{"app_version": app, "platform": platform}
			g.emit(r) // a new event_id
		}
	}

	step(event.OrderCreated, created, customer)
	cancel := g.rng.Float64() < c.CancelShare
	if cancel && g.rng.IntN(2) == 0 {
		step(event.Cancelled, created+g.between(1, 5), customer)
		return
	}
	accepted := created + g.between(1, 3)
	step(event.OrderAccepted, accepted, driverAt)
	if cancel {
		step(event.Cancelled, accepted+g.between(1, 10), driverAt)
		return
	}
	pickedUp := created + g.between(8, 25)
	step(event.PickedUp, pickedUp, r.Location)
	step(event.Delivered, pickedUp+g.between(10, 35), customer)
}

// emit assigns the event id and queues the event (and a duplicate, if drawn)
// at its emission time.
func (g *generator) emit(e event.Event) {
	c := g.s.cfg
	id, err := uuid.NewRandomFromReader(g.ids)
	if err != nil { // uuidReader never fails
		panic(err)
	}
	e.EventID = id.String()
	at := e.EventTimeMillis
	switch u := g.rng.Float64(); {
	case u < c.LateShare:
		at += c.LateBy.Milliseconds()
	case u < c.LateShare+c.OutOfOrderShare:
		at += 1000 + g.rng.Int64N(max(1, c.OutOfOrderBy.Milliseconds()-999))
	}
	g.push(at, e)
	if g.rng.Float64() < c.DuplicateShare {
		dup := e
		dup.Items = append([]event.Item(nil), e.Items...)
		dup.Metadata = map[string]string{"app_version": e.Metadata["app_version"], "platform": e.Metadata["platform"]}
		g.push(at+1000+g.rng.Int64N(59_000), dup)
	}
}

func (g *generator) push(at int64, e event.Event) {
	g.seq++
	heap.Push(&g.q, &pending{emit: at, seq: g.seq, ev: e})
}

// uuidReader feeds uuid.NewRandomFromReader from the seeded generator, so
// event ids are unique and reproducible.
type uuidReader struct{ rng *rand.Rand }

func (r uuidReader) Read(p []byte) (int, error) {
	for i := 0; i < len(p); i += 8 {
		v := r.rng.Uint64()
		for j := i; j < min(i+8, len(p)); j++ {
			p[j] = byte(v)
			v >>= 8
		}
	}
	return len(p), nil
}

type pending struct {
	emit int64
	seq  uint64
	ev   event.Event
}

// emitQueue is a min-heap on (emission time, generation order).
type emitQueue []*pending

func (q emitQueue) Len() int { return len(q) }
func (q emitQueue) Less(i, j int) bool {
	return q[i].emit < q[j].emit || (q[i].emit == q[j].emit && q[i].seq < q[j].seq)
}
func (q emitQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *emitQueue) Push(x any)   { *q = append(*q, x.(*pending)) }
func (q *emitQueue) Pop() any {
	old := *q
	p := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return p
}

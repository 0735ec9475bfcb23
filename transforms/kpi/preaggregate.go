package kpi

import (
	"hash/fnv"
	"reflect"
	"slices"
	"strconv"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/mtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func init() {
	register.DoFn2x0[counts, func(beam.EventTime, string, int64)](&preCountFn{})
	register.Emitter3[beam.EventTime, string, int64]()
	register.Emitter1[counts]()
	register.DoFn2x0[observations, func(beam.EventTime, string, entityGroup)](&preGroupFn{})
	register.Emitter1[observations]()
	register.Emitter3[beam.EventTime, string, entityGroup]()
	register.Iter1[entityGroup]()
	beam.RegisterType(reflect.TypeFor[preCountFn]())
	beam.RegisterType(reflect.TypeFor[preGroupFn]())
	beam.RegisterType(reflect.TypeFor[entityGroup]())
	beam.RegisterType(reflect.TypeFor[entityAccum]())
	beam.RegisterType(reflect.TypeFor[counts]())
	beam.RegisterType(reflect.TypeFor[observations]())
}

// Pre-aggregation before the window fan-out. Every element is in
// size/period sliding windows, and the runner's GroupByKey pays per element
// and window (on prism it dominated the graph: docs/benchmarks.md). With
// size a multiple of period, all elements of one period slot [k·period,
// (k+1)·period) fall in the same windows, so a bundle's elements are first
// summed per key and slot in the global window, emitted at the slot's last
// millisecond in FinishBundle, and only these partial sums are windowed and
// grouped. The GroupByKey after the windowing still fires the panes, so rows
// carry the runner's pane as before; a bundle's late elements of one slot
// arrive as one partial sum and so as one LATE pane.

// The pre-aggregating DoFns take what one input element contributes as one
// element: one event's or delivery's, or a whole event.Batch's (Track's
// unique events), so that a batch crosses the DoFn chain once, not once per
// event (event.Batch). Each contribution carries its own event time.

// timedCount is one contribution to a key's count.
type timedCount struct {
	Millis int64
	Key    string
	N      int64
}

// counts are the contributions of one input element to preCountFn.
type counts struct {
	Items []timedCount
}

// timedObservation is one contribution to an entity's KPIs.
type timedObservation struct {
	Millis int64
	Entity string
	Obs    observation
}

// observations are the contributions of one input element to preGroupFn.
type observations struct {
	Items []timedObservation
}

// observeBatch emits the observations of b's events, each for the entity
// entityOf names (none when it names ""), at the event's own time; nothing
// when no event has an entity.
func observeBatch(b event.Batch, entityOf func(*event.Event) string, emit func(observations)) {
	obs := observations{Items: make([]timedObservation, 0, len(b.Events))}
	for i := range b.Events {
		e := &b.Events[i]
		if entity := entityOf(e); entity != "" {
			obs.Items = append(obs.Items, timedObservation{Millis: e.EventTimeMillis, Entity: entity, Obs: observeEvent(*e)})
		}
	}
	if len(obs.Items) > 0 {
		emit(obs)
	}
}

// observeEvents maps events with perBatch when it is a
// PCollection<event.Batch>, and with perEvent when it holds single events.
func observeEvents(s beam.Scope, events beam.PCollection, perEvent, perBatch any) beam.PCollection {
	if events.Type().Type() == reflect.TypeFor[event.Batch]() {
		return beam.ParDo(s, perBatch, events)
	}
	return beam.ParDo(s, perEvent, events)
}

// maxPending bounds the partial sums a pre-aggregating DoFn holds before it
// flushes early (a flush only splits sums, it never changes them).
const maxPending = 20_000

// slotEnd is the last millisecond of the period slot that contains ms.
func slotEnd(ms, period int64) beam.EventTime {
	start := ms - ((ms%period)+period)%period
	return mtime.FromMilliseconds(start + period - 1)
}

type slotKey struct {
	slot int64
	key  string
}

// preCountFn sums int64 values per key and slot within a bundle.
type preCountFn struct {
	PeriodMillis int64

	sums map[slotKey]int64
}

func (f *preCountFn) StartBundle(_ func(beam.EventTime, string, int64)) {
	f.sums = map[slotKey]int64{}
}

func (f *preCountFn) ProcessElement(c counts, emit func(beam.EventTime, string, int64)) {
	for _, it := range c.Items {
		f.sums[slotKey{int64(slotEnd(it.Millis, f.PeriodMillis)), it.Key}] += it.N
		if len(f.sums) >= maxPending {
			f.FinishBundle(emit)
		}
	}
}

func (f *preCountFn) FinishBundle(emit func(beam.EventTime, string, int64)) {
	for k, n := range f.sums {
		emit(mtime.Time(k.slot), k.key, n)
	}
	clear(f.sums)
}

// entityAccum is one entity's (restaurant's, zone's) partial KPIs.
type entityAccum struct {
	Entity string
	Accum  accum
}

// entityGroup is the partial KPIs of the entities of one bucket.
type entityGroup struct {
	Entities []entityAccum
}

// preGroupFn folds observations per entity and slot within a bundle, and
// emits them grouped by a bucket of entities: the GroupByKey then handles a
// few groups per slot instead of one element per entity and window. A pane
// therefore belongs to a bucket: a LATE pane carries the accumulated rows of
// every entity of the bucket in that window, changed or not (the row with
// the highest pane of an entity and window is still its final value).
type preGroupFn struct {
	PeriodMillis int64
	Buckets      int
	TrackDrivers bool

	sums map[slotKey]*accum
}

func (f *preGroupFn) StartBundle(_ func(beam.EventTime, string, entityGroup)) {
	f.sums = map[slotKey]*accum{}
}

func (f *preGroupFn) ProcessElement(obs observations, emit func(beam.EventTime, string, entityGroup)) {
	fn := orderKPIFn{TrackDrivers: f.TrackDrivers}
	for _, it := range obs.Items {
		k := slotKey{int64(slotEnd(it.Millis, f.PeriodMillis)), it.Entity}
		a := f.sums[k]
		if a == nil {
			a = &accum{}
			f.sums[k] = a
		}
		*a = fn.AddInput(*a, it.Obs)
		if len(f.sums) >= maxPending {
			f.FinishBundle(emit)
		}
	}
}

func (f *preGroupFn) FinishBundle(emit func(beam.EventTime, string, entityGroup)) {
	groups := map[slotKey]*entityGroup{}
	for k, a := range f.sums {
		gk := slotKey{k.slot, entityBucket(k.key, f.Buckets)}
		g := groups[gk]
		if g == nil {
			g = &entityGroup{}
			groups[gk] = g
		}
		g.Entities = append(g.Entities, entityAccum{Entity: k.key, Accum: *a})
	}
	for k, g := range groups {
		emit(mtime.Time(k.slot), k.key, *g)
	}
	clear(f.sums)
}

// entityBucket is the group key of an entity (FNV-1a, stable across workers).
func entityBucket(entity string, buckets int) string {
	h := fnv.New32a()
	h.Write([]byte(entity))
	return strconv.Itoa(int(h.Sum32() % uint32(buckets)))
}

// foldGroups merges a bucket's partial KPIs per entity and returns the
// entities in order with their summaries.
func foldGroups(fn orderKPIFn, groups func(*entityGroup) bool) ([]string, []summary) {
	merged := map[string]accum{}
	var g entityGroup
	for groups(&g) {
		for _, e := range g.Entities {
			if a, ok := merged[e.Entity]; ok {
				merged[e.Entity] = fn.MergeAccumulators(a, e.Accum)
			} else {
				merged[e.Entity] = e.Accum
			}
		}
	}
	ids := make([]string, 0, len(merged))
	for id := range merged {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]summary, len(ids))
	for i, id := range ids {
		out[i] = fn.ExtractOutput(merged[id])
	}
	return ids, out
}

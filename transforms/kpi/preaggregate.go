package kpi

import (
	"hash/fnv"
	"reflect"
	"slices"
	"strconv"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/mtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

func init() {
	register.DoFn4x0[beam.EventTime, string, int64, func(beam.EventTime, string, int64)](&preCountFn{})
	register.Emitter3[beam.EventTime, string, int64]()
	register.DoFn4x0[beam.EventTime, string, observation, func(beam.EventTime, string, entityGroup)](&preGroupFn{})
	register.Emitter3[beam.EventTime, string, entityGroup]()
	register.Iter1[entityGroup]()
	beam.RegisterType(reflect.TypeFor[preCountFn]())
	beam.RegisterType(reflect.TypeFor[preGroupFn]())
	beam.RegisterType(reflect.TypeFor[entityGroup]())
	beam.RegisterType(reflect.TypeFor[entityAccum]())
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

// maxPending bounds the partial sums a pre-aggregating DoFn holds before it
// flushes early (a flush only splits sums, it never changes them).
const maxPending = 20_000

// slotEnd is the last millisecond of the period slot that contains ts.
func slotEnd(ts beam.EventTime, period int64) beam.EventTime {
	ms := mtime.Time(ts).Milliseconds()
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

func (f *preCountFn) ProcessElement(ts beam.EventTime, key string, n int64, emit func(beam.EventTime, string, int64)) {
	f.sums[slotKey{int64(slotEnd(ts, f.PeriodMillis)), key}] += n
	if len(f.sums) >= maxPending {
		f.FinishBundle(emit)
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

func (f *preGroupFn) ProcessElement(ts beam.EventTime, entity string, o observation, emit func(beam.EventTime, string, entityGroup)) {
	k := slotKey{int64(slotEnd(ts, f.PeriodMillis)), entity}
	a := f.sums[k]
	if a == nil {
		a = &accum{}
		f.sums[k] = a
	}
	fn := orderKPIFn{TrackDrivers: f.TrackDrivers}
	*a = fn.AddInput(*a, o)
	if len(f.sums) >= maxPending {
		f.FinishBundle(emit)
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

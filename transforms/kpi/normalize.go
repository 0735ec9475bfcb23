package kpi

import (
	"fmt"
	"hash/fnv"
	"reflect"
	"slices"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/state"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/typex"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

// The normalizers of NormalizePanes: one stateful stage per KPI table, keyed
// by the row's event type, or for restaurants and zones by the batch's
// bucket, with one state cell per key and window. A restaurant or zone
// firing is normalized as a whole batch, so on prism as on the other
// runners a LATE pane holds every entity of its bucket. Beam Go's state and register APIs want concrete
// types, hence three small DoFns around one generic rule (nextPane).

func init() {
	register.DoFn5x1[beam.PaneInfo, state.Provider, string, EventTypeCount, func(EventTypeCount), error](&normalizeEventTypeFn{})
	register.DoFn5x1[beam.PaneInfo, state.Provider, string, RestaurantKPIBatch, func(RestaurantKPIBatch), error](&normalizeRestaurantBatchFn{})
	register.DoFn5x1[beam.PaneInfo, state.Provider, string, ZoneKPIBatch, func(ZoneKPIBatch), error](&normalizeZoneBatchFn{})
	register.Function1x2(keyEventTypeCount)
	register.Function1x2(keyRestaurantKPIBatch)
	register.Function1x2(keyZoneKPIBatch)
	register.Emitter1[EventTypeCount]()
	register.Emitter1[RestaurantKPIBatch]()
	register.Emitter1[ZoneKPIBatch]()
	beam.RegisterType(reflect.TypeFor[paneLog[EventTypeCount]]())
	beam.RegisterType(reflect.TypeFor[paneLog[uint64]]())
}

// paneLog is what a normalizer remembers of one entity in one window: how
// many panes it emitted, the last one's row (pane fields zeroed), the
// runner's index of the newest firing seen, and whether the runner closed
// the window.
type paneLog[R comparable] struct {
	Emitted     int64
	RunnerIndex int64
	Closed      bool
	Last        R
}

// nextPane decides what becomes of a firing with pane p whose row, pane
// fields zeroed, is row. It is dropped when the window has closed, when it
// repeats the last emitted row, and when it is older (by the runner's pane
// index) than a firing already seen: the firings of a window reach this
// stage from different bundles, not always in order, and with accumulating
// panes the newer one holds everything the older one did. Otherwise index
// and timing are the pane to write: the n-th emitted pane gets index n;
// the first is ON_TIME unless the runner's own first firing says LATE (a
// window that got late data only), every later one is LATE (only late data
// can change an accumulated row).
func nextPane[R comparable](log *paneLog[R], p beam.PaneInfo, row R) (index int64, timing string, emit bool) {
	if log.Closed || (log.Emitted > 0 && p.Index <= log.RunnerIndex) {
		return 0, "", false
	}
	log.Closed, log.RunnerIndex = p.IsLast, p.Index
	if log.Emitted > 0 && row == log.Last {
		return 0, "", false
	}
	index, timing = log.Emitted, OnTime
	if index > 0 || (p.Index == 0 && p.Timing == typex.PaneLate) {
		timing = Late
	}
	log.Emitted++
	log.Last = row
	return index, timing, true
}

// normalize reads key's log, applies nextPane and writes the log back.
func normalize[R comparable](sp state.Provider, cell state.Value[paneLog[R]], p beam.PaneInfo, row R) (int64, string, bool, error) {
	log, _, err := cell.Read(sp)
	if err != nil {
		return 0, "", false, err
	}
	index, timing, emit := nextPane(&log, p, row)
	if err := cell.Write(sp, log); err != nil {
		return 0, "", false, err
	}
	return index, timing, emit, nil
}

func keyEventTypeCount(c EventTypeCount) (string, EventTypeCount)             { return c.EventType, c }
func keyRestaurantKPIBatch(b RestaurantKPIBatch) (string, RestaurantKPIBatch) { return b.Bucket, b }
func keyZoneKPIBatch(b ZoneKPIBatch) (string, ZoneKPIBatch)                   { return b.Bucket, b }

func normalizeEventTypeCounts(s beam.Scope, counts beam.PCollection) beam.PCollection {
	s = s.Scope("kpi.NormalizePanes")
	return beam.ParDo(s, &normalizeEventTypeFn{Log: state.MakeValueState[paneLog[EventTypeCount]]("panes")}, beam.ParDo(s, keyEventTypeCount, counts))
}

func normalizeRestaurantKPIBatches(s beam.Scope, batches beam.PCollection) beam.PCollection {
	s = s.Scope("kpi.NormalizePanes")
	return beam.ParDo(s, &normalizeRestaurantBatchFn{Log: state.MakeValueState[paneLog[uint64]]("panes")}, beam.ParDo(s, keyRestaurantKPIBatch, batches))
}

func normalizeZoneKPIBatches(s beam.Scope, batches beam.PCollection) beam.PCollection {
	s = s.Scope("kpi.NormalizePanes")
	return beam.ParDo(s, &normalizeZoneBatchFn{Log: state.MakeValueState[paneLog[uint64]]("panes")}, beam.ParDo(s, keyZoneKPIBatch, batches))
}

// emitNormalized applies normalize to row, whose pane fields fields
// points at, and emits it with its corrected pane unless it is dropped.
func emitNormalized[R comparable](sp state.Provider, cell state.Value[paneLog[R]], p beam.PaneInfo, row R, fields func(*R) (*int64, *string), emit func(R)) error {
	pane, timing := fields(&row)
	*pane, *timing = 0, ""
	index, tm, ok, err := normalize(sp, cell, p, row)
	if ok {
		*pane, *timing = index, tm
		emit(row)
	}
	return err
}

type normalizeEventTypeFn struct {
	Log state.Value[paneLog[EventTypeCount]]
}

func (fn *normalizeEventTypeFn) ProcessElement(p beam.PaneInfo, sp state.Provider, _ string, c EventTypeCount, emit func(EventTypeCount)) error {
	return emitNormalized(sp, fn.Log, p, c, func(c *EventTypeCount) (*int64, *string) { return &c.Pane, &c.Timing }, emit)
}

// emitNormalizedBatch applies normalize to a batch's rows as one firing:
// the log keeps a hash of the rows with their pane fields zeroed, and the
// rows of an emitted firing all get its pane.
func emitNormalizedBatch[R any](sp state.Provider, cell state.Value[paneLog[uint64]], p beam.PaneInfo, rows []R, fields func(*R) (*int64, *string), emit func()) error {
	h := fnv.New64a()
	for i := range rows {
		pane, timing := fields(&rows[i])
		*pane, *timing = 0, ""
		fmt.Fprintf(h, "%v\n", rows[i])
	}
	index, tm, ok, err := normalize(sp, cell, p, h.Sum64())
	if ok {
		for i := range rows {
			pane, timing := fields(&rows[i])
			*pane, *timing = index, tm
		}
		emit()
	}
	return err
}

type normalizeRestaurantBatchFn struct {
	Log state.Value[paneLog[uint64]]
}

func (fn *normalizeRestaurantBatchFn) ProcessElement(p beam.PaneInfo, sp state.Provider, _ string, b RestaurantKPIBatch, emit func(RestaurantKPIBatch)) error {
	b.Rows = slices.Clone(b.Rows)
	return emitNormalizedBatch(sp, fn.Log, p, b.Rows, func(k *RestaurantKPI) (*int64, *string) { return &k.Pane, &k.Timing }, func() { emit(b) })
}

type normalizeZoneBatchFn struct {
	Log state.Value[paneLog[uint64]]
}

func (fn *normalizeZoneBatchFn) ProcessElement(p beam.PaneInfo, sp state.Provider, _ string, b ZoneKPIBatch, emit func(ZoneKPIBatch)) error {
	b.Rows = slices.Clone(b.Rows)
	return emitNormalizedBatch(sp, fn.Log, p, b.Rows, func(k *ZoneKPI) (*int64, *string) { return &k.Pane, &k.Timing }, func() { emit(b) })
}

package kpi

import (
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

func init() {
	register.Function2x0(unbatchRestaurantKPIs)
	register.Emitter1[RestaurantKPI]()
	register.Function2x0(unbatchZoneKPIs)
	register.Emitter1[ZoneKPI]()
	beam.RegisterType(reflect.TypeFor[RestaurantKPIBatch]())
	beam.RegisterType(reflect.TypeFor[ZoneKPIBatch]())
}

// Batches of KPI rows. A firing of one bucket of entities in one window
// yields its rows at once; kept together, they cross the runner to the
// Parquet sink's GroupByKey as one element (s3parquet.WriteBatches) instead
// of one per row, which on Flink's streaming translation costs a trigger and
// state update per element. The rows keep their window and pane fields, so
// a batch's rows are exactly the rows the unbatched collection holds.

// RestaurantKPIBatch is the rows of one firing of a bucket of restaurants,
// in one window and pane, in restaurant order.
type RestaurantKPIBatch struct {
	Bucket string // the group of restaurants (WithBuckets)
	Rows   []RestaurantKPI
}

// ParquetRows returns the rows for s3parquet.WriteBatches.
func (b RestaurantKPIBatch) ParquetRows() []any { return anyRows(b.Rows) }

// ZoneKPIBatch is the rows of one firing of a bucket of zones, in one window
// and pane, in zone order.
type ZoneKPIBatch struct {
	Bucket string // the group of zones (WithBuckets)
	Rows   []ZoneKPI
}

// ParquetRows returns the rows for s3parquet.WriteBatches.
func (b ZoneKPIBatch) ParquetRows() []any { return anyRows(b.Rows) }

func anyRows[R any](rows []R) []any {
	out := make([]any, len(rows))
	for i, r := range rows {
		out[i] = r
	}
	return out
}

// UnbatchRestaurantKPIs turns a PCollection<RestaurantKPIBatch> into the
// PCollection<RestaurantKPI> of its rows, in the batches' windows and panes.
func UnbatchRestaurantKPIs(s beam.Scope, batches beam.PCollection) beam.PCollection {
	return beam.ParDo(s.Scope("kpi.Unbatch"), unbatchRestaurantKPIs, batches)
}

// UnbatchZoneKPIs turns a PCollection<ZoneKPIBatch> into the
// PCollection<ZoneKPI> of its rows, in the batches' windows and panes.
func UnbatchZoneKPIs(s beam.Scope, batches beam.PCollection) beam.PCollection {
	return beam.ParDo(s.Scope("kpi.Unbatch"), unbatchZoneKPIs, batches)
}

func unbatchRestaurantKPIs(b RestaurantKPIBatch, emit func(RestaurantKPI)) {
	for _, r := range b.Rows {
		emit(r)
	}
}

func unbatchZoneKPIs(b ZoneKPIBatch, emit func(ZoneKPI)) {
	for _, r := range b.Rows {
		emit(r)
	}
}

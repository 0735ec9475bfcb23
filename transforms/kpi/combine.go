package kpi

import (
	"math"
	"reflect"
	"slices"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func init() {
	beam.RegisterType(reflect.TypeFor[observation]())
	beam.RegisterType(reflect.TypeFor[accum]())
	beam.RegisterType(reflect.TypeFor[summary]())
}

// observation is what one event or one delivery contributes to an entity's
// KPIs in a window.
type observation struct {
	Created, Delivered, Cancelled int64
	PriceCents                    int64
	HasMinutes                    bool
	Minutes                       float64
	DriverID                      string
}

func observeEvent(e event.Event) observation {
	o := observation{DriverID: e.DriverID}
	switch e.EventType {
	case event.OrderCreated:
		o.Created = 1
		o.PriceCents = cents(e.TotalPrice)
	case event.Delivered:
		o.Delivered = 1
	case event.Cancelled:
		o.Cancelled = 1
	}
	return o
}

func observeDelivery(d Delivery) observation {
	return observation{HasMinutes: true, Minutes: d.Minutes, DriverID: d.DriverID}
}

// cents rounds a price to integer cents, so GMV sums are exact and do not
// depend on the order a runner merges accumulators in.
func cents(price float64) int64 { return int64(math.Round(price * 100)) }

// accum is the combiner's accumulator. Minutes keeps every delivery time
// (exact percentiles; memory grows with deliveries per entity and window,
// a few hundred at most here, so a sketch is not worth its error). Drivers is
// kept sorted and unique after every merge.
type accum struct {
	Created, Delivered, Cancelled int64
	GMVCents                      int64
	Minutes                       []float64
	Drivers                       []string
}

// summary is the combiner's output, before the window and pane are added.
type summary struct {
	Created, Delivered, Cancelled int64
	GMVCents                      int64
	Samples                       int64
	Mean, P50, P90                float64
	ActiveDrivers                 int64
}

// orderKPIFn (the methods of a combiner, called by the folds) combines observations into the order KPIs of one entity.
// TrackDrivers keeps the distinct driver set (zones need it, restaurants do not).
type orderKPIFn struct {
	TrackDrivers bool
}

func (f *orderKPIFn) CreateAccumulator() accum { return accum{} }

func (f *orderKPIFn) AddInput(a accum, o observation) accum {
	a.Created += o.Created
	a.Delivered += o.Delivered
	a.Cancelled += o.Cancelled
	a.GMVCents += o.PriceCents
	if o.HasMinutes {
		a.Minutes = append(a.Minutes, o.Minutes)
	}
	if f.TrackDrivers && o.DriverID != "" {
		if i, found := slices.BinarySearch(a.Drivers, o.DriverID); !found {
			a.Drivers = slices.Insert(a.Drivers, i, o.DriverID)
		}
	}
	return a
}

func (f *orderKPIFn) MergeAccumulators(a, b accum) accum {
	a.Created += b.Created
	a.Delivered += b.Delivered
	a.Cancelled += b.Cancelled
	a.GMVCents += b.GMVCents
	a.Minutes = append(a.Minutes, b.Minutes...)
	if len(b.Drivers) > 0 {
		a.Drivers = append(a.Drivers, b.Drivers...)
		slices.Sort(a.Drivers)
		a.Drivers = slices.Compact(a.Drivers)
	}
	return a
}

func (f *orderKPIFn) ExtractOutput(a accum) summary {
	s := summary{
		Created: a.Created, Delivered: a.Delivered, Cancelled: a.Cancelled,
		GMVCents: a.GMVCents, Samples: int64(len(a.Minutes)), ActiveDrivers: int64(len(a.Drivers)),
	}
	if len(a.Minutes) == 0 {
		return s
	}
	m := slices.Clone(a.Minutes)
	slices.Sort(m)
	var sum float64
	for _, x := range m {
		sum += x
	}
	s.Mean = sum / float64(len(m))
	s.P50 = NearestRank(m, 50)
	s.P90 = NearestRank(m, 90)
	return s
}

// NearestRank returns the p-th percentile (0 < p <= 100) of sorted, a
// non-empty ascending slice, by the nearest-rank method: the value at rank
// ceil(p/100 × n), counting from 1. It is always one of the values.
func NearestRank(sorted []float64, p float64) float64 {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

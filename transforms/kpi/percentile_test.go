package kpi

import (
	"fmt"
	"testing"
)

// percentileRanks is the specification of the delivery-minute percentiles
// (README, "KPI definitions"): nearest rank, values sorted ascending, rank
// ⌈p/100·n⌉ counted from 1. Written out by hand for n = 6 … 20, so a rank
// rounded instead of ceiled (p90 of 6 → 5, of 11 → 10, …) differs.
var percentileRanks = []struct {
	n, p50, p90 int
}{
	{6, 3, 6},    // 3.0, 5.4
	{7, 4, 7},    // 3.5, 6.3
	{8, 4, 8},    // 4.0, 7.2
	{9, 5, 9},    // 4.5, 8.1
	{10, 5, 9},   // 5.0, 9.0
	{11, 6, 10},  // 5.5, 9.9
	{12, 6, 11},  // 6.0, 10.8
	{13, 7, 12},  // 6.5, 11.7
	{14, 7, 13},  // 7.0, 12.6
	{15, 8, 14},  // 7.5, 13.5
	{16, 8, 15},  // 8.0, 14.4
	{17, 9, 16},  // 8.5, 15.3
	{18, 9, 17},  // 9.0, 16.2
	{19, 10, 18}, // 9.5, 17.1
	{20, 10, 18}, // 10.0, 18.0
}

// minutesOfRank is the value of rank r (from 1) among the test's samples:
// distinct and not equal to the rank, so a rank off by one or an index
// taken for a value shows.
func minutesOfRank(r int) float64 { return 100 + 2.5*float64(r) }

func TestPercentileRanks(t *testing.T) {
	for _, c := range percentileRanks {
		t.Run(fmt.Sprint("n=", c.n), func(t *testing.T) {
			sorted := make([]float64, c.n)
			for r := 1; r <= c.n; r++ {
				sorted[r-1] = minutesOfRank(r)
			}
			if got, want := NearestRank(sorted, 50), minutesOfRank(c.p50); got != want {
				t.Errorf("NearestRank(p50) = %v, want rank %d = %v", got, c.p50, want)
			}
			if got, want := NearestRank(sorted, 90), minutesOfRank(c.p90); got != want {
				t.Errorf("NearestRank(p90) = %v, want rank %d = %v", got, c.p90, want)
			}
			// Through the KPI combiner, deliveries added in descending
			// order and split over two accumulators: it must sort first.
			f := &orderKPIFn{}
			a, b := f.CreateAccumulator(), f.CreateAccumulator()
			for r := c.n; r >= 1; r-- {
				d := observeDelivery(Delivery{Minutes: minutesOfRank(r)})
				if r%2 == 0 {
					a = f.AddInput(a, d)
				} else {
					b = f.AddInput(b, d)
				}
			}
			s := f.ExtractOutput(f.MergeAccumulators(a, b))
			if s.Samples != int64(c.n) || s.P50 != minutesOfRank(c.p50) || s.P90 != minutesOfRank(c.p90) {
				t.Errorf("combiner: n=%d p50=%v p90=%v, want n=%d p50=%v (rank %d) p90=%v (rank %d)",
					s.Samples, s.P50, s.P90, c.n, minutesOfRank(c.p50), c.p50, minutesOfRank(c.p90), c.p90)
			}
		})
	}
}

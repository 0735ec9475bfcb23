package reference

import (
	"fmt"
	"testing"
)

// TestDeliveryStatsPercentiles pins the reference's percentiles to the
// README's rule (nearest rank, sorted ascending, rank ⌈p/100·n⌉ from 1),
// written out by hand for n = 6 … 20: the reference must not share a
// rounding bug with the pipeline.
func TestDeliveryStatsPercentiles(t *testing.T) {
	for _, c := range []struct{ n, p50, p90 int }{
		{6, 3, 6}, {7, 4, 7}, {8, 4, 8}, {9, 5, 9}, {10, 5, 9},
		{11, 6, 10}, {12, 6, 11}, {13, 7, 12}, {14, 7, 13}, {15, 8, 14},
		{16, 8, 15}, {17, 9, 16}, {18, 9, 17}, {19, 10, 18}, {20, 10, 18},
	} {
		t.Run(fmt.Sprint("n=", c.n), func(t *testing.T) {
			// Rank r holds 100+2.5r, inserted in descending order.
			val := func(r int) float64 { return 100 + 2.5*float64(r) }
			g := &GroupKPI{}
			sum := 0.0
			for r := c.n; r >= 1; r-- {
				g.DeliveryMinutes = append(g.DeliveryMinutes, val(r))
				sum += val(r)
			}
			n, mean, p50, p90 := g.DeliveryStats()
			if n != int64(c.n) || mean != sum/float64(c.n) || p50 != val(c.p50) || p90 != val(c.p90) {
				t.Errorf("DeliveryStats = n %d mean %v p50 %v p90 %v, want n %d mean %v p50 %v (rank %d) p90 %v (rank %d)",
					n, mean, p50, p90, c.n, sum/float64(c.n), val(c.p50), c.p50, val(c.p90), c.p90)
			}
		})
	}
	if n, mean, p50, p90 := (&GroupKPI{}).DeliveryStats(); n != 0 || mean != 0 || p50 != 0 || p90 != 0 {
		t.Errorf("no deliveries: %d %v %v %v, want zeros", n, mean, p50, p90)
	}
}

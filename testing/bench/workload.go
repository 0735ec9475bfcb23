// Package bench holds the performance harness of deliverypipe (issue 8,
// `make bench`): a deterministic workload, the full graph over it on any Beam
// runner, and the same computation as a plain Go loop (the ceiling). The
// benchmarks live in bench_test.go; run.sh runs them interleaved and
// reports medians and spreads.
package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/deliverypipe/deliverypipe/internal/simulator"
)

// Workload is a deterministic set of order events, as the wire form the
// pipeline reads, plus the dimension CSVs the enrichment joins with.
type Workload struct {
	Lines          [][]byte // one JSON event per element, in emission order
	Orders         int
	RestaurantsCSV string
	DriversCSV     string
}

// Config returns the simulator configuration of the benchmarks: realistic
// cardinality (thousands of restaurants and drivers, 4–5 events per order
// counting duplicates), a busy city, and the default shares of cancelled,
// out-of-order, duplicate and late events.
func Config(orders int, seed int64) simulator.Config {
	c := simulator.DefaultConfig()
	c.Seed, c.Orders = seed, orders
	c.Restaurants, c.Drivers = 2000, 5000
	c.OrdersPerMinute = 200
	c.Start = time.Date(2024, 3, 1, 11, 0, 0, 0, time.UTC)
	return c
}

// NewWorkload generates orders orders with the given seed and writes the
// dimension CSVs into dir.
func NewWorkload(dir string, orders int, seed int64) (*Workload, error) {
	sim, err := simulator.New(Config(orders, seed))
	if err != nil {
		return nil, err
	}
	if err := sim.WriteDimensionsCSV(dir); err != nil {
		return nil, err
	}
	w := &Workload{Orders: orders, RestaurantsCSV: filepath.Join(dir, "restaurants.csv"), DriversCSV: filepath.Join(dir, "drivers.csv")}
	for e := range sim.Events() {
		b, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("bench: encoding event %s: %w", e.EventID, err)
		}
		w.Lines = append(w.Lines, b)
	}
	return w, nil
}

// WriteJSONLines writes the events to path, one per line: the input of the
// file source and of the PySpark peer.
func (w *Workload) WriteJSONLines(path string) error {
	var buf bytes.Buffer
	for _, l := range w.Lines {
		buf.Write(l)
		buf.WriteByte('\n')
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("bench: writing %s: %w", path, err)
	}
	return nil
}

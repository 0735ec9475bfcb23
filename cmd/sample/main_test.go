package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/deliverypipe/deliverypipe/pipelines/delivery"
	"github.com/deliverypipe/deliverypipe/testing/reference"
	"github.com/deliverypipe/deliverypipe/testing/simulator"
	"github.com/deliverypipe/deliverypipe/transforms/kpi"
)

func TestMain(m *testing.M) {
	beam.Init()
	os.Exit(m.Run())
}

func readLines[T any](t *testing.T, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSample runs the sample graph and compares its files with the
// independent reference computed from the same simulated events.
func TestSample(t *testing.T) {
	const orders, seed = 200, 7
	dir := t.TempDir()
	n, err := run(context.Background(), orders, seed, dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := simulator.DefaultConfig()
	cfg.Orders, cfg.Seed = orders, seed
	sim, err := simulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sent, err := sim.Generate()
	if err != nil {
		t.Fatal(err)
	}
	if n != len(sent) {
		t.Fatalf("run reports %d events, simulator made %d", n, len(sent))
	}
	events := reference.Dedup(sent)
	opts := delivery.DefaultOptions()

	want := reference.EventTypeCounts(events, opts.WindowSize, opts.WindowPeriod)
	got := map[reference.WindowKey]int64{}
	for _, c := range readLines[kpi.EventTypeCount](t, filepath.Join(dir, delivery.LocalEventTypeCounts)) {
		got[reference.WindowKey{WindowStart: c.WindowStart, EventType: c.EventType}] += c.Count
	}
	if d := reference.Diff(want, got, 10); len(d) > 0 {
		t.Errorf("event-type counts differ from the reference:\n%v", d)
	}

	wantR := reference.RestaurantKPIs(events, reference.Orders(events), opts.WindowSize, opts.WindowPeriod)
	rows := readLines[kpi.RestaurantKPI](t, filepath.Join(dir, delivery.LocalRestaurantKPIs))
	if len(rows) != len(wantR) {
		t.Errorf("%d restaurant KPI rows; reference has %d", len(rows), len(wantR))
	}
	for _, r := range rows {
		w := wantR[reference.GroupKey{WindowStart: r.WindowStart, Key: r.RestaurantID}]
		if w == nil || r.OrdersCreated != w.Created || int64(r.GMV*100+0.5) != w.GMVCents {
			t.Errorf("restaurant %s window %d: created %d GMV %.2f; reference %+v", r.RestaurantID, r.WindowStart, r.OrdersCreated, r.GMV, w)
			break
		}
	}

	if dead := readLines[json.RawMessage](t, filepath.Join(dir, delivery.LocalDeadLetters)); len(dead) != len(badRecords) {
		t.Errorf("%d dead letters; want %d (the bad records)", len(dead), len(badRecords))
	}
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/deliverypipe/deliverypipe/internal/simulator"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery/tables"
	"github.com/deliverypipe/deliverypipe/testing/e2e/compare"
	"github.com/deliverypipe/deliverypipe/testing/reference"
	"github.com/deliverypipe/deliverypipe/transforms/event"
	"github.com/deliverypipe/deliverypipe/transforms/kpi"
	"github.com/deliverypipe/deliverypipe/transforms/lifecycle"
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

// newestPanes keeps the row of the highest pane per key, as the KPI table's
// pane-versioned upserts do.
func newestPanes[R any](rows []R, key func(R) string, pane func(R) int64) []R {
	best := map[string]R{}
	var order []string
	for _, r := range rows {
		k := key(r)
		b, ok := best[k]
		if !ok {
			order = append(order, k)
		}
		if !ok || pane(r) > pane(b) {
			best[k] = r
		}
	}
	out := make([]R, 0, len(order))
	for _, k := range order {
		out = append(out, best[k])
	}
	return out
}

// forwardOnly keeps per order the status the order-status table ends with
// (io/dynamodbio.UpsertForward): the greatest (rank, event time), ties kept
// first. The rank is the one the pipeline wrote, so a wrong rank shows in
// the comparison with the reference's own ranks.
func forwardOnly(all []lifecycle.Status) []lifecycle.Status {
	best := map[string]lifecycle.Status{}
	for _, s := range all {
		b, ok := best[s.OrderID]
		if !ok || s.Rank > b.Rank || (s.Rank == b.Rank && s.EventTimeMs > b.EventTimeMs) {
			best[s.OrderID] = s
		}
	}
	out := make([]lifecycle.Status, 0, len(best))
	for _, s := range best {
		out = append(out, s)
	}
	return out
}

// TestSample runs the sample graph and compares every output file with the
// independent reference computed from the same simulated events: event-type
// counts, restaurant and zone KPIs (counts, GMV, delivery count, mean, p50,
// p90, active drivers), order statuses, dead letters and order facts.
func TestSample(t *testing.T) {
	const orders, seed = 1000, 7 // enough for windows of 6+ deliveries
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
	// The windows as README's "KPI definitions" states them, not the
	// defaults under test: 5 minutes every minute.
	const size, period = 5 * time.Minute, time.Minute
	opts := delivery.DefaultOptions()
	opts.WindowSize, opts.WindowPeriod = size, period
	want := compare.Expect(sent, opts, len(badRecords))

	var got compare.Got
	got.EventTypeRows = readLines[kpi.EventTypeCount](t, filepath.Join(dir, delivery.LocalEventTypeCounts))
	got.RestaurantRows = readLines[kpi.RestaurantKPI](t, filepath.Join(dir, delivery.LocalRestaurantKPIs))
	got.ZoneRows = readLines[kpi.ZoneKPI](t, filepath.Join(dir, delivery.LocalZoneKPIs))
	// The KPI items are the rows of the newest pane (what the KPI table keeps).
	for _, r := range newestPanes(got.EventTypeRows, func(r kpi.EventTypeCount) string { return fmt.Sprint(r.WindowStart, r.EventType) },
		func(r kpi.EventTypeCount) int64 { return r.Pane }) {
		got.EventTypeItems = append(got.EventTypeItems, tables.EventTypeItemOf(r))
	}
	for _, r := range newestPanes(got.RestaurantRows, func(r kpi.RestaurantKPI) string { return fmt.Sprint(r.WindowStart, r.RestaurantID) },
		func(r kpi.RestaurantKPI) int64 { return r.Pane }) {
		got.RestaurantItems = append(got.RestaurantItems, tables.RestaurantItemOf(r))
	}
	for _, r := range newestPanes(got.ZoneRows, func(r kpi.ZoneKPI) string { return fmt.Sprint(r.WindowStart, r.Zone) },
		func(r kpi.ZoneKPI) int64 { return r.Pane }) {
		got.ZoneItems = append(got.ZoneItems, tables.ZoneItemOf(r))
	}
	all := readLines[lifecycle.Status](t, filepath.Join(dir, localStatuses))
	// Every status row's rank, not only the final ones: in the sample every
	// order ends delivered or cancelled, which hides a wrong rank of an
	// earlier step from the final statuses.
	for _, st := range all {
		if r, ok := compare.StatusRank[event.Type(st.Status)]; !ok || st.Rank != r {
			t.Errorf("status row %+v: want rank %d", st, r)
			break
		}
	}
	got.Statuses = forwardOnly(all)
	got.DeadLetterLines = len(readLines[json.RawMessage](t, filepath.Join(dir, delivery.LocalDeadLetters)))

	for _, r := range got.EventTypeRows {
		if r.WindowEnd-r.WindowStart != size.Milliseconds() || r.WindowStart%period.Milliseconds() != 0 {
			t.Errorf("row %+v: want a 5-minute window starting on a whole minute", r)
			break
		}
	}
	// The reference must exercise what it compares.
	// Percentile ranks by rounding and by the ceiling first differ at 6
	// samples (p90: rank 5 and 6), so some window must have that many.
	deliveries, drivers, most := 0, 0, 0
	for _, z := range want.Zones {
		deliveries += len(z.DeliveryMinutes)
		drivers += len(z.Drivers)
	}
	for _, r := range want.Restaurants {
		most = max(most, len(r.DeliveryMinutes))
	}
	if len(want.Zones) == 0 || deliveries == 0 || drivers == 0 || most < 6 || len(want.Statuses) != orders {
		t.Fatalf("reference: %d zone rows, %d deliveries, %d drivers, at most %d deliveries in a restaurant window, %d statuses: the comparison would prove little",
			len(want.Zones), deliveries, drivers, most, len(want.Statuses))
	}
	for _, c := range compare.Compare(want, got) {
		t.Run(c.Name, func(t *testing.T) {
			for _, d := range c.Diffs {
				t.Error(d)
			}
		})
	}

	// Order facts: the earliest time of each step and the delivery minutes
	// derived from them, per order, as the reference folds them.
	wantOrders := reference.Orders(reference.Dedup(sent))
	facts := readLines[lifecycle.OrderFact](t, filepath.Join(dir, delivery.LocalOrderFacts))
	if len(facts) != len(wantOrders) {
		t.Errorf("%d order facts; reference has %d orders", len(facts), len(wantOrders))
	}
	bad := 0
	for _, f := range facts {
		o := wantOrders[f.OrderID]
		if o == nil {
			t.Errorf("fact for unknown order %s", f.OrderID)
			continue
		}
		del := 0.0
		if o.PickedUp != 0 && o.Delivered != 0 {
			del = float64(o.Delivered-o.PickedUp) / 60_000
		}
		if f.RestaurantID != o.RestaurantID || f.CreatedMillis != o.Created || f.AcceptedMillis != o.Accepted ||
			f.PickedUpMillis != o.PickedUp || f.DeliveredMillis != o.Delivered || f.CancelledMillis != o.Cancelled ||
			f.Zone != o.DeliveryZone || math.Abs(f.DeliveryMinutes-del) > 1e-9 || f.Complete != (o.Delivered != 0 || o.Cancelled != 0) {
			if bad++; bad <= 5 {
				t.Errorf("fact %+v; reference %+v (delivery minutes %g)", f, *o, del)
			}
		}
	}
}

package dynamodbio

import (
	"fmt"
	"math/rand"
	"reflect"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// TestUpsertVersioned feeds panes of one KPI in the given runs (each run one
// pipeline, so arrival order across runs is fixed) and checks the stored item
// is the highest pane seen, with refused panes counted.
func TestUpsertVersioned(t *testing.T) {
	pane := func(p, count int64) kpiItem {
		timing := "LATE"
		if p == 0 {
			timing = "ON_TIME"
		}
		return kpiItem{PK: "event_type#delivered", SK: 1710028500000, Pane: p, Timing: timing, Count: count, GMV: float64(count) * 10}
	}
	for _, tc := range []struct {
		name        string
		runs        [][]kpiItem
		wantSkipped int64 // over all runs
	}{
		{name: "late pane updates", runs: [][]kpiItem{{pane(0, 5)}, {pane(1, 7)}}},
		{name: "older pane refused", runs: [][]kpiItem{{pane(2, 9)}, {pane(1, 7)}, {pane(0, 5)}}, wantSkipped: 2},
		{name: "replay rewrites the same values", runs: [][]kpiItem{{pane(0, 5)}, {pane(1, 7)}, {pane(0, 5)}, {pane(1, 7)}}, wantSkipped: 1},
		{name: "panes in one bundle", runs: [][]kpiItem{{pane(1, 7), pane(0, 5), pane(3, 12), pane(2, 9)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := setup(t)
			table := versionedTable(t, c)
			want := tc.runs[0][0]
			var skipped int64
			for _, items := range tc.runs {
				for _, it := range items {
					if it.Pane >= want.Pane {
						want = it
					}
				}
				counters := run(t, func(s beam.Scope) {
					UpsertVersioned(s, beam.CreateList(s, items), table)
				})
				skipped += counters["skipped_older_pane"]
			}
			if got := scan[kpiItem](t, c, table); !reflect.DeepEqual(got, []kpiItem{want}) {
				t.Errorf("stored %+v, want %+v", got, want)
			}
			// Within one bundle the order of concurrent puts is not fixed, so
			// refusals are counted exactly only when each run has one item.
			if len(tc.runs) > 1 && skipped != tc.wantSkipped {
				t.Errorf("skipped_older_pane = %d, want %d", skipped, tc.wantSkipped)
			}
		})
	}
}

// TestUpsertForward feeds an order's status events in arrival order, one
// pipeline run each, and checks the stored status is the greatest by (rank,
// event time), computed here from event.Type.Rank.
func TestUpsertForward(t *testing.T) {
	ev := func(typ event.Type, ms int64) statusItem {
		return statusItem{OrderID: "o-1", Status: string(typ), Rank: typ.Rank(), EventTimeMs: ms}
	}
	for _, tc := range []struct {
		name        string
		arrivals    []statusItem
		wantSkipped int64
	}{
		{name: "in order", arrivals: []statusItem{ev(event.OrderCreated, 1), ev(event.OrderAccepted, 2), ev(event.PickedUp, 3), ev(event.Delivered, 4)}},
		{name: "out of order event ignored", arrivals: []statusItem{ev(event.OrderCreated, 1), ev(event.PickedUp, 3), ev(event.OrderAccepted, 2)}, wantSkipped: 1},
		{name: "replay ignored", arrivals: []statusItem{ev(event.PickedUp, 3), ev(event.PickedUp, 3), ev(event.OrderCreated, 1)}, wantSkipped: 2},
		{name: "equal rank, later event time wins", arrivals: []statusItem{ev(event.Delivered, 4), ev(event.Cancelled, 5)}},
		{name: "equal rank, earlier event time ignored", arrivals: []statusItem{ev(event.Cancelled, 5), ev(event.Delivered, 4)}, wantSkipped: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := setup(t)
			table := forwardTable(t, c)
			want := tc.arrivals[0]
			var skipped int64
			for _, it := range tc.arrivals {
				if it.Rank > want.Rank || it.Rank == want.Rank && it.EventTimeMs > want.EventTimeMs {
					want = it
				}
				counters := run(t, func(s beam.Scope) {
					UpsertForward(s, beam.Create(s, it), table)
				})
				skipped += counters["skipped_not_forward"]
			}
			if got := scan[statusItem](t, c, table); !reflect.DeepEqual(got, []statusItem{want}) {
				t.Errorf("stored %+v, want %+v", got, want)
			}
			if skipped != tc.wantSkipped {
				t.Errorf("skipped_not_forward = %d, want %d", skipped, tc.wantSkipped)
			}
		})
	}
}

// TestUpsertForwardOneBundle writes many orders' status events in one
// pipeline, each order's events shuffled (a replay's bundle carries several
// events per order, which the writer coalesces), and checks every stored
// status against the greatest by (rank, event time) computed here, and that
// each row was either put, refused or coalesced.
func TestUpsertForwardOneBundle(t *testing.T) {
	types := []event.Type{event.OrderCreated, event.OrderAccepted, event.PickedUp, event.Delivered, event.Cancelled}
	rng := rand.New(rand.NewSource(5))
	var rows []statusItem
	want := map[string]statusItem{}
	for o := 0; o < 300; o++ {
		id := fmt.Sprintf("o-%03d", o)
		for i := 0; i < 1+rng.Intn(6); i++ {
			typ := types[rng.Intn(len(types))]
			it := statusItem{OrderID: id, Status: string(typ), Rank: typ.Rank(), EventTimeMs: int64(rng.Intn(5))}
			rows = append(rows, it)
			if w, ok := want[id]; !ok || it.Rank > w.Rank || it.Rank == w.Rank && it.EventTimeMs > w.EventTimeMs {
				want[id] = it
			}
		}
	}
	rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	c := setup(t)
	table := forwardTable(t, c)
	counters := run(t, func(s beam.Scope) { UpsertForward(s, beam.CreateList(s, rows), table) })
	got := scan[statusItem](t, c, table)
	if len(got) != len(want) {
		t.Errorf("%d items stored, want %d", len(got), len(want))
	}
	for _, g := range got {
		if w := want[g.OrderID]; g.Rank != w.Rank || g.EventTimeMs != w.EventTimeMs {
			t.Errorf("order %s stored %+v, want %+v", g.OrderID, g, w)
		}
	}
	n := counters["applied_"+table] + counters["skipped_not_forward"] + counters["coalesced_"+table]
	if n != int64(len(rows)) {
		t.Errorf("applied + skipped + coalesced = %d, want the %d rows (counters %v)", n, len(rows), counters)
	}
}

package bench

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/deliverypipe/deliverypipe/testing/reference"
	"github.com/deliverypipe/deliverypipe/transforms/event"
	"github.com/deliverypipe/deliverypipe/transforms/parse"
)

var (
	peerInput  = flag.String("peer-input", "", "directory to write the workload into as JSON Lines, for the PySpark peer")
	peerResult = flag.String("peer-result", "", "the PySpark peer's output directory (its Parquet tables), to check against the reference")
)

// TestWritePeerInput writes the flags' workload for peer/peer.py (run.sh).
func TestWritePeerInput(t *testing.T) {
	if *peerInput == "" {
		t.Skip("no -peer-input")
	}
	if err := os.MkdirAll(*peerInput, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := workload(t).WriteJSONLines(filepath.Join(*peerInput, "events.jsonl")); err != nil {
		t.Fatal(err)
	}
}

// Rows of the tables peer.py writes (Spark's Parquet: every column
// optional, window starts as Unix milliseconds).
type (
	peerEventTypeRow struct {
		Start     int64  `parquet:"start,optional"`
		EventType string `parquet:"event_type,optional"`
		Count     int64  `parquet:"count,optional"`
	}
	peerRestaurantRow struct {
		Start        int64  `parquet:"start,optional"`
		RestaurantID string `parquet:"restaurant_id,optional"`
		Created      int64  `parquet:"created,optional"`
		Delivered    int64  `parquet:"delivered,optional"`
		Cancelled    int64  `parquet:"cancelled,optional"`
		GMVCents     int64  `parquet:"gmv_cents,optional"`
	}
	peerZoneRow struct {
		Start         int64  `parquet:"start,optional"`
		Zone          string `parquet:"zone,optional"`
		Created       int64  `parquet:"created,optional"`
		Delivered     int64  `parquet:"delivered,optional"`
		Cancelled     int64  `parquet:"cancelled,optional"`
		GMVCents      int64  `parquet:"gmv_cents,optional"`
		ActiveDrivers int64  `parquet:"active_drivers,optional"`
	}
)

// peerRows maps a table's rows to "window start, key" → values, the form in
// which TestPeerMatchesReference compares them with the reference's.
type peerRows map[string][]int64

func peerKey(start int64, key string) string { return fmt.Sprintf("window %d %s", start, key) }

// readPeerTable reads every Parquet file Spark wrote under dir (part-*.parquet;
// _SUCCESS and the .crc files are skipped) as rows of T.
func readPeerTable[T any](dir string, row func(T) (string, []int64)) (peerRows, error) {
	files, err := filepath.Glob(filepath.Join(dir, "part-*.parquet"))
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("bench: no part-*.parquet files in %s", dir)
	}
	out := peerRows{}
	for _, f := range files {
		rows, err := parquet.ReadFile[T](f)
		if err != nil {
			return nil, fmt.Errorf("bench: reading %s: %w", f, err)
		}
		for _, r := range rows {
			k, v := row(r)
			if _, dup := out[k]; dup {
				return nil, fmt.Errorf("bench: %s: two rows for %s", dir, k)
			}
			out[k] = v
		}
	}
	return out, nil
}

// groupRows are the reference's restaurant or zone KPIs that the peer
// computes (counts and GMV, and active drivers for zones), leaving out the
// windows that only a delivery-time row reaches: they have no events of
// their own, so the peer's event aggregation has no row for them.
func groupRows(groups map[reference.GroupKey]*reference.GroupKPI, drivers bool) peerRows {
	out := peerRows{}
	for k, g := range groups {
		if g.Created+g.Delivered+g.Cancelled == 0 && len(g.Drivers) == 0 {
			continue
		}
		v := []int64{g.Created, g.Delivered, g.Cancelled, g.GMVCents}
		if drivers {
			v = append(v, int64(len(g.Drivers)))
		}
		out[peerKey(k.WindowStart, k.Key)] = v
	}
	return out
}

// TestPeerMatchesReference checks the Parquet tables of the PySpark peer
// (-peer-result, peer.py's --out) against the reference on the same
// workload: event-type counts, restaurant counts and GMV, zone counts, GMV
// and active drivers, row for row, so the speed comparison is between equal
// results.
func TestPeerMatchesReference(t *testing.T) {
	if *peerResult == "" {
		t.Skip("no -peer-result")
	}
	w := workload(t)
	var valid []event.Event
	for _, l := range w.Lines {
		var e event.Event
		if err := parse.Decode(l, &e); err != nil {
			t.Fatal(err)
		}
		valid = append(valid, e)
	}
	o := options()
	events := reference.Dedup(valid)
	orders := reference.Orders(events)
	wantTypes := peerRows{}
	for k, n := range reference.EventTypeCounts(events, o.WindowSize, o.WindowPeriod) {
		wantTypes[peerKey(k.WindowStart, k.EventType)] = []int64{n}
	}
	for _, tc := range []struct {
		table string
		want  peerRows
		read  func(dir string) (peerRows, error)
	}{
		{"event_type_counts", wantTypes, func(dir string) (peerRows, error) {
			return readPeerTable(dir, func(r peerEventTypeRow) (string, []int64) {
				return peerKey(r.Start, r.EventType), []int64{r.Count}
			})
		}},
		{"restaurant_kpis", groupRows(reference.RestaurantKPIs(events, orders, o.WindowSize, o.WindowPeriod), false),
			func(dir string) (peerRows, error) {
				return readPeerTable(dir, func(r peerRestaurantRow) (string, []int64) {
					return peerKey(r.Start, r.RestaurantID), []int64{r.Created, r.Delivered, r.Cancelled, r.GMVCents}
				})
			}},
		{"zone_kpis", groupRows(reference.ZoneKPIs(events, orders, o.WindowSize, o.WindowPeriod), true),
			func(dir string) (peerRows, error) {
				return readPeerTable(dir, func(r peerZoneRow) (string, []int64) {
					return peerKey(r.Start, r.Zone), []int64{r.Created, r.Delivered, r.Cancelled, r.GMVCents, r.ActiveDrivers}
				})
			}},
	} {
		t.Run(tc.table, func(t *testing.T) {
			if len(tc.want) == 0 {
				t.Fatal("the reference has no rows: the check would prove nothing")
			}
			got, err := tc.read(filepath.Join(*peerResult, tc.table))
			if err != nil {
				t.Fatal(err)
			}
			if d := diffPeerRows(tc.want, got, 10); len(d) > 0 {
				t.Errorf("peer %s differs from the reference (peer %d rows, reference %d):\n%s",
					tc.table, len(got), len(tc.want), strings.Join(d, "\n"))
			}
		})
	}
}

// diffPeerRows lists up to limit rows that differ between want and got,
// sorted, and then how many differ in all.
func diffPeerRows(want, got peerRows, limit int) []string {
	var d []string
	for k, v := range want {
		if g, ok := got[k]; !ok {
			d = append(d, fmt.Sprintf("%s: missing, reference %v", k, v))
		} else if !slices.Equal(g, v) {
			d = append(d, fmt.Sprintf("%s: peer %v, reference %v", k, g, v))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			d = append(d, fmt.Sprintf("%s: peer %v, not in the reference", k, g))
		}
	}
	slices.Sort(d)
	if n := len(d); n > limit {
		d = append(d[:limit], fmt.Sprintf("... %d rows differ in all", n))
	}
	return d
}

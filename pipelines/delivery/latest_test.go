package delivery

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/deliverypipe/deliverypipe/io/s3parquet"
	"github.com/deliverypipe/deliverypipe/runners/presets/presetstest"
	"github.com/deliverypipe/deliverypipe/testing/stepsource"
	"github.com/deliverypipe/deliverypipe/transforms/event"
	"github.com/deliverypipe/deliverypipe/transforms/kpi"
)

func init() {
	register.Function2x0(latestTestDeliveries)
	register.Function1x2(latestTestInZoneU0)
}

// latestTestDeliveries turns each delivered event into a 12-minute delivery
// in zone u0, at the delivered event's time.
func latestTestDeliveries(e event.Event, emit func(kpi.Delivery)) {
	if e.EventType == event.Delivered {
		emit(kpi.Delivery{OrderID: e.OrderID, RestaurantID: e.RestaurantID, DriverID: e.DriverID, Zone: "u0", Minutes: 12})
	}
}

func latestTestInZoneU0(e event.Event) (string, event.Event) { return "u0", e }

// objectPaneRE takes the window start and pane out of an object's name.
var objectPaneRE = regexp.MustCompile(`/(\d{8}T\d{6}Z)-\d{8}T\d{6}Z-p(\d+)-s\d+(-part\d+)?\.parquet$`)

// TestLatestPaneViewsDuckDB runs the KPI transforms with late data on the
// test runner, writes their rows with the Parquet sink (WithLocalDir), and
// runs each table's latest-pane view, the query the shipped DDL
// (pipelines/delivery/tables/ddl/<table>_latest.sql) holds with only its FROM relation
// replaced by DuckDB's read_parquet over the written objects: every key and
// window comes out once, with its final (accumulated) values, although the
// windows with late data have an object per pane. DuckDB and pyarrow are
// pinned in testing/interop/requirements.txt (make py-deps, run here when
// missing; the test fails, not skips, when they cannot be installed).
func TestLatestPaneViewsDuckDB(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	python := filepath.Join(root, ".cache/venv/bin/python")
	if _, err := os.Stat(filepath.Join(root, ".cache/venv/.installed")); err != nil {
		if out, err := exec.Command("make", "-C", root, "py-deps").CombinedOutput(); err != nil {
			t.Fatalf("make py-deps: %v\n%s", err, out)
		}
	}

	const (
		t0     = int64(1_767_225_600_000) // 2026-01-01T00:00:00Z
		sec    = int64(1000)
		minute = 60 * sec
		bucket = "latest-views"
	)
	order := func(id, restaurant, driver string, typ event.Type, at int64, price float64) event.Event {
		return event.Event{EventID: id + "/" + string(typ), EventType: typ, OrderID: id, RestaurantID: restaurant, DriverID: driver, EventTimeMillis: at, TotalPrice: price}
	}
	p, s := beam.NewPipelineWithRoot()
	// Windows of 2 min every 1 min: the events at 0:10 to 0:40 are in
	// [-1,1) and [0,2), which fire ON_TIME when the watermark reaches 2:00;
	// o2 comes after that, late for both, within the 3 minutes allowed.
	in := stepsource.Events(s, stepsource.DefaultPause,
		stepsource.Step{Events: []event.Event{
			order("o1", "r-1", "", event.OrderCreated, t0+10*sec, 10),
			order("o3", "r-2", "", event.OrderCreated, t0+15*sec, 7),
			order("o1", "r-1", "d-1", event.Delivered, t0+20*sec, 0),
		}, Watermark: t0 + 2*minute},
		stepsource.Step{Events: []event.Event{order("o2", "r-1", "d-2", event.OrderCreated, t0+40*sec, 5)}, Watermark: t0 + 3*minute},
	)
	w := kpi.Windows{Size: 2 * time.Minute, Period: time.Minute, AllowedLateness: 3 * time.Minute}
	if presetstest.Workarounds().NormalizePanes {
		w.Options = append(w.Options, kpi.NormalizePanes())
	}
	dv := beam.ParDo(s, latestTestDeliveries, in)
	dir := t.TempDir()
	cols := map[string]beam.PCollection{
		EventTypeCountsTableName: kpi.EventTypeCounts(s, in, w),
		RestaurantKPIsTableName:  kpi.RestaurantKPIs(s, in, dv, w),
		ZoneKPIsTableName:        kpi.ZoneKPIs(s, beam.ParDo(s, latestTestInZoneU0, in), dv, w),
	}
	for table, col := range cols {
		s3parquet.Write(s, bucket, table, col, s3parquet.WithLocalDir(dir))
	}
	ptest.RunAndValidate(t, p)

	// By hand, the final value of every key in both windows: o1 (10.00,
	// delivered in 12 min by d-1), o3 (7.00, r-2) on time, o2 (5.00, r-1,
	// d-2) late. Keys that got late data end in LATE pane 1 (one late
	// element: one LATE pane, on prism and on Flink); r-2 got none, but a
	// LATE pane re-emits every restaurant of its bucket, so its pane is 0
	// or 1 (pane -1 below: not checked) with the same values.
	type row = map[string]any
	var want = map[string][]row{}
	for _, start := range []int64{t0 - minute, t0} {
		win := row{"window_start": start, "window_end": start + 2*minute}
		with := func(kv row) row {
			out := row{}
			for k, v := range win {
				out[k] = v
			}
			for k, v := range kv {
				out[k] = v
			}
			return out
		}
		want[EventTypeCountsTableName] = append(want[EventTypeCountsTableName],
			with(row{"event_type": "order_created", "pane": 1, "timing": "LATE", "count": 3}),
			with(row{"event_type": "delivered", "pane": 0, "timing": "ON_TIME", "count": 1}),
		)
		want[RestaurantKPIsTableName] = append(want[RestaurantKPIsTableName],
			with(row{"restaurant_id": "r-1", "pane": 1, "timing": "LATE", "orders_created": 2, "orders_delivered": 1, "orders_cancelled": 0,
				"gmv": 15.0, "delivery_count": 1, "delivery_min_mean": 12.0, "delivery_min_p50": 12.0, "delivery_min_p90": 12.0}),
			with(row{"restaurant_id": "r-2", "pane": -1, "timing": "", "orders_created": 1, "orders_delivered": 0, "orders_cancelled": 0,
				"gmv": 7.0, "delivery_count": 0, "delivery_min_mean": 0.0, "delivery_min_p50": 0.0, "delivery_min_p90": 0.0}),
		)
		want[ZoneKPIsTableName] = append(want[ZoneKPIsTableName],
			with(row{"zone": "u0", "pane": 1, "timing": "LATE", "orders_created": 3, "orders_delivered": 1, "orders_cancelled": 0,
				"gmv": 22.0, "delivery_count": 1, "delivery_min_mean": 12.0, "delivery_min_p50": 12.0, "delivery_min_p90": 12.0, "active_drivers": 2}),
		)
	}
	partition := map[int64][2]string{t0 - minute: {"2025-12-31", "23"}, t0: {"2026-01-01", "00"}}

	for _, v := range latestPaneViews {
		t.Run(v.table, func(t *testing.T) {
			tableDir := filepath.Join(dir, bucket, v.table)
			// The windows with late data have an object per pane.
			panes := map[string]map[string]bool{}
			err := filepath.WalkDir(tableDir, func(path string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				m := objectPaneRE.FindStringSubmatch(filepath.ToSlash(path))
				if m == nil {
					return fmt.Errorf("object %s does not match the naming scheme", path)
				}
				if panes[m[1]] == nil {
					panes[m[1]] = map[string]bool{}
				}
				panes[m[1]][m[2]] = true
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			many := false
			for _, ps := range panes {
				many = many || len(ps) >= 2
			}
			if !many {
				t.Fatalf("no window of %s has objects of two panes: %v", v.table, panes)
			}

			from := fmt.Sprintf("read_parquet('%s/*/*/*.parquet', hive_partitioning = true, hive_types = {'dt': 'VARCHAR', 'hour': 'VARCHAR'})", filepath.ToSlash(tableDir))
			query, err := s3parquet.LatestPaneSelect(from, v.row, v.keys...)
			if err != nil {
				t.Fatal(err)
			}
			// The shipped view is this query over the Athena table.
			athena, err := s3parquet.AthenaLatestPaneView(v.table, v.comment, v.row, v.keys...)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(athena, strings.Replace(query, from, "${DATABASE}."+v.table, 1)) {
				t.Fatalf("the Athena view does not hold the query run here:\n%s\n--- query\n%s", athena, query)
			}
			cmd := exec.Command(python, filepath.Join(root, "testing/interop/duckdb_query.py"))
			cmd.Stdin = strings.NewReader(query)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("duckdb_query.py: %v\n%s\n--- query\n%s", err, stderr.String(), query)
			}
			var got []row
			for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
				if len(line) == 0 {
					continue
				}
				var r row
				if err := json.Unmarshal(line, &r); err != nil {
					t.Fatalf("DuckDB row %s: %v", line, err)
				}
				got = append(got, r)
			}

			// One row per key and window, with the partition of its window.
			key := func(r row) string { return fmt.Sprint(r[v.keys[0]], "@", r["window_start"]) }
			seen := map[string]bool{}
			for _, r := range got {
				if seen[key(r)] {
					t.Errorf("%s appears twice in the view", key(r))
				}
				seen[key(r)] = true
				start, _ := r["window_start"].(float64)
				if pt := partition[int64(start)]; r["dt"] != pt[0] || r["hour"] != pt[1] {
					t.Errorf("%s: dt=%v hour=%v, want %s %s", key(r), r["dt"], r["hour"], pt[0], pt[1])
				}
				delete(r, "dt")
				delete(r, "hour")
			}
			exp := normalizeRows(t, want[v.table])
			for _, r := range exp {
				if r["pane"] == -1.0 {
					// Pane not checked: take the view's, and its timing.
					for _, g := range got {
						if key(g) == key(r) {
							if g["pane"] != 0.0 && g["pane"] != 1.0 {
								t.Errorf("%s: pane %v, want 0 or 1", key(r), g["pane"])
							}
							r["pane"], r["timing"] = g["pane"], g["timing"]
						}
					}
				}
			}
			sortRows := func(rs []row) {
				sort.Slice(rs, func(i, j int) bool { return key(rs[i]) < key(rs[j]) })
			}
			sortRows(got)
			sortRows(exp)
			if !reflect.DeepEqual(got, exp) {
				t.Errorf("view %s_latest:\n%s\nwant:\n%s", v.table, dumpRows(got), dumpRows(exp))
			}
		})
	}
}

// normalizeRows gives rows the types they have after a JSON round trip
// (numbers as float64), as the view's rows have.
func normalizeRows(t *testing.T, rows []map[string]any) []map[string]any {
	t.Helper()
	b, err := json.Marshal(rows)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func dumpRows(rows []map[string]any) string {
	var b strings.Builder
	for _, r := range rows {
		j, _ := json.Marshal(r)
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

package delivery

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/deliverypipe/deliverypipe/io/s3parquet"
	"github.com/deliverypipe/deliverypipe/transforms/enrich"
	"github.com/deliverypipe/deliverypipe/transforms/kpi"
	"github.com/deliverypipe/deliverypipe/transforms/lifecycle"
)

var updateDDL = flag.Bool("update-ddl", false, "rewrite pipelines/delivery/tables/ddl from the row types")

// TestAthenaDDLCurrent keeps the shipped Glue/Athena DDL equal to what the
// row types of the Parquet tables render to (go test -run DDL -update-ddl).
func TestAthenaDDLCurrent(t *testing.T) {
	tables := []struct {
		name, comment string
		row           any
	}{
		{EventsTableName, "Enriched event archive (pipelines/delivery WriteAWS, rows enrich.ArchiveRow), hourly event-time windows.\ndt/hour: the window start. metadata/extra: JSON text.", enrich.ArchiveRow{}},
		{EventTypeCountsTableName, "Event counts per type and sliding window (kpi.EventTypeCount). Panes accumulate: the row\nwith the highest pane per (window_start, event_type) is the final value.", kpi.EventTypeCount{}},
		{RestaurantKPIsTableName, "Restaurant KPIs per sliding window (kpi.RestaurantKPI); definitions in README.md.\nThe row with the highest pane per (window_start, restaurant_id) is the final value.", kpi.RestaurantKPI{}},
		{ZoneKPIsTableName, "Zone KPIs per sliding window (kpi.ZoneKPI); zone = geohash-6 of the location.\nThe row with the highest pane per (window_start, zone) is the final value.", kpi.ZoneKPI{}},
		{OrderFactsTableName, "One fact per finished or expired order (lifecycle.OrderFact), hourly windows of the fact's time.", lifecycle.OrderFact{}},
	}
	for _, tt := range tables {
		t.Run(tt.name, func(t *testing.T) {
			want, err := s3parquet.AthenaDDL(tt.name, tt.comment, tt.row)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("tables", "ddl", tt.name+".sql")
			if *updateDDL {
				if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (regenerate: go test ./pipelines/delivery -run DDL -update-ddl)", err)
			}
			if string(got) != want {
				t.Errorf("%s is stale; regenerate: go test ./pipelines/delivery -run DDL -update-ddl\n--- want\n%s", path, want)
			}
		})
	}
}

// latestPaneViews are the KPI tables' latest-pane views: each (key, window)
// once, holding its highest pane. TestAthenaLatestPaneViewDDLCurrent keeps
// pipelines/delivery/tables/ddl/<table>_latest.sql equal to what they render to, and
// TestLatestPaneViewsDuckDB runs the same query on objects the sinks wrote.
var latestPaneViews = []struct {
	table, comment string
	row            any
	keys           []string
}{
	{EventTypeCountsTableName, "Latest pane of kpis: one row per (event_type, window_start), the one with the highest pane\n(panes accumulate, so its count is the final value). Create after kpis.sql.", kpi.EventTypeCount{}, []string{"event_type"}},
	{RestaurantKPIsTableName, "Latest pane of restaurant_kpis: one row per (restaurant_id, window_start), the one with the\nhighest pane, so the final KPIs (a LATE pane re-emits every restaurant of its bucket, changed\nor not; the highest pane is still the final value). Create after restaurant_kpis.sql.", kpi.RestaurantKPI{}, []string{"restaurant_id"}},
	{ZoneKPIsTableName, "Latest pane of zone_kpis: one row per (zone, window_start), the one with the highest pane,\nso the final KPIs (a LATE pane re-emits every zone of its bucket, changed or not; the highest\npane is still the final value). Create after zone_kpis.sql.", kpi.ZoneKPI{}, []string{"zone"}},
}

// TestAthenaLatestPaneViewDDLCurrent keeps the shipped latest-pane views
// (CREATE OR REPLACE VIEW <table>_latest) equal to what
// s3parquet.AthenaLatestPaneView renders (go test -run DDL -update-ddl).
func TestAthenaLatestPaneViewDDLCurrent(t *testing.T) {
	for _, v := range latestPaneViews {
		t.Run(v.table, func(t *testing.T) {
			want, err := s3parquet.AthenaLatestPaneView(v.table, v.comment, v.row, v.keys...)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("tables", "ddl", v.table+"_latest.sql")
			if *updateDDL {
				if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (regenerate: go test ./pipelines/delivery -run DDL -update-ddl)", err)
			}
			if string(got) != want {
				t.Errorf("%s is stale; regenerate: go test ./pipelines/delivery -run DDL -update-ddl\n--- want\n%s", path, want)
			}
		})
	}
}

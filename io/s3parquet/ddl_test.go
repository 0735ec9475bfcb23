package s3parquet

import (
	"strings"
	"testing"
)

type paneRow struct {
	WindowStart int64  `parquet:"window_start,timestamp(millisecond)"`
	Pane        int64  `parquet:"pane"`
	Key         string `parquet:"key"`
	Value       int64  `parquet:"value"`
}

// TestLatestPaneSelect pins the latest-pane query's text over any relation
// and its refusals (the shipped views: pipelines/delivery ddl_test.go).
func TestLatestPaneSelect(t *testing.T) {
	got, err := LatestPaneSelect("read_parquet('x/*.parquet')", paneRow{}, "key")
	if err != nil {
		t.Fatal(err)
	}
	want := `SELECT window_start, pane, key, value, dt, hour
FROM (
  SELECT window_start, pane, key, value, dt, hour,
    row_number() OVER (PARTITION BY key, window_start, dt, hour ORDER BY pane DESC) AS pane_rank
  FROM read_parquet('x/*.parquet')
) AS panes
WHERE pane_rank = 1`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	view, err := AthenaLatestPaneView("t", "one\ntwo", paneRow{}, "key")
	if err != nil {
		t.Fatal(err)
	}
	if wantView := "-- one\n-- two\nCREATE OR REPLACE VIEW ${DATABASE}.t_latest AS\n" + strings.Replace(want, "read_parquet('x/*.parquet')", "${DATABASE}.t", 1) + ";\n"; view != wantView {
		t.Errorf("view\n%s\nwant\n%s", view, wantView)
	}
	for _, keys := range [][]string{nil, {"missing"}} {
		if _, err := LatestPaneSelect("t", paneRow{}, keys...); err == nil {
			t.Errorf("keys %q: no error", keys)
		}
	}
	if _, err := LatestPaneSelect("t", struct {
		Key string `parquet:"key"`
	}{}, "key"); err == nil {
		t.Error("a row without window_start and pane: no error")
	}
}

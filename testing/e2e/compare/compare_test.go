package compare

import (
	"strings"
	"testing"

	"github.com/deliverypipe/deliverypipe/internal/simulator"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery/tables"
	"github.com/deliverypipe/deliverypipe/testing/reference"
	"github.com/deliverypipe/deliverypipe/transforms/kpi"
)

// TestCompareEventTypePanes builds outputs from the reference itself, then
// shows which changes Compare reports: the newest Parquet pane decides, an
// older pane with other values is fine, an off-by-one in the newest is not.
func TestCompareEventTypePanes(t *testing.T) {
	cfg := simulator.DefaultConfig()
	cfg.Orders = 30
	sim, err := simulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sent, err := sim.Generate()
	if err != nil {
		t.Fatal(err)
	}
	o := delivery.DefaultOptions()
	want := Expect(sent, o, 0)
	var first reference.WindowKey
	for k := range want.EventTypes {
		first = k
		break
	}
	build := func(edit func(rows []kpi.EventTypeCount) []kpi.EventTypeCount) Got {
		var g Got
		for k, n := range want.EventTypes {
			g.EventTypeItems = append(g.EventTypeItems, tables.EventTypeItemOf(kpi.EventTypeCount{WindowStart: k.WindowStart, EventType: k.EventType, Count: n}))
			g.EventTypeRows = append(g.EventTypeRows, kpi.EventTypeCount{WindowStart: k.WindowStart, EventType: k.EventType, Count: n, Pane: 1})
		}
		g.EventTypeRows = edit(g.EventTypeRows)
		return g
	}
	tests := []struct {
		name     string
		edit     func([]kpi.EventTypeCount) []kpi.EventTypeCount
		wantDiff string // "" = the parquet check passes
	}{
		{"as the reference", func(r []kpi.EventTypeCount) []kpi.EventTypeCount { return r }, ""},
		{"older pane with a partial count", func(r []kpi.EventTypeCount) []kpi.EventTypeCount {
			return append(r, kpi.EventTypeCount{WindowStart: first.WindowStart, EventType: first.EventType, Count: 1, Pane: 0})
		}, ""},
		{"newest pane off by one", func(r []kpi.EventTypeCount) []kpi.EventTypeCount {
			return append(r, kpi.EventTypeCount{WindowStart: first.WindowStart, EventType: first.EventType, Count: want.EventTypes[first] + 1, Pane: 2})
		}, first.EventType},
		{"two rows of one pane disagree", func(r []kpi.EventTypeCount) []kpi.EventTypeCount {
			return append(r, kpi.EventTypeCount{WindowStart: first.WindowStart, EventType: first.EventType, Count: 0, Pane: 1})
		}, "two different rows"},
		{"a row missing", func(r []kpi.EventTypeCount) []kpi.EventTypeCount { return r[1:] }, "present=false"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checks := Compare(want, build(tc.edit))
			var parquet Check
			for _, c := range checks {
				if c.Name == "parquet" {
					parquet = c
				}
			}
			got := strings.Join(parquet.Diffs, "\n")
			switch {
			case tc.wantDiff == "" && got != "":
				t.Errorf("unexpected differences:\n%s", got)
			case tc.wantDiff != "" && !strings.Contains(got, tc.wantDiff):
				t.Errorf("differences %q, want one mentioning %q", got, tc.wantDiff)
			}
			if tc.wantDiff != "" && Equal(checks) {
				t.Error("Equal reports true despite a difference")
			}
		})
	}
}

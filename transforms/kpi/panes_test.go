package kpi

import (
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/typex"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// TestNoLateDataOnePane is the pane rule of README.md on the runner the
// tests run on: with the full strategy (late firings, 10 min allowed
// lateness, accumulating) a window that receives no late data has exactly
// one pane, index 0, ON_TIME, in every KPI table. Prism without
// NormalizePanes adds a LATE copy of every window here.
func TestNoLateDataOnePane(t *testing.T) {
	p, s := beam.NewPipelineWithRoot()
	// Ordered events of one order, all on time (a bounded input): windows
	// of 2 min every 1 min, so each event is in 2 windows.
	in := steps(s, step{add: []event.Event{
		order("o1", "r-1", "", event.OrderCreated, t0+10*sec, 10),
		order("o1", "r-1", "d-1", event.OrderAccepted, t0+70*sec, 0),
		order("o1", "r-1", "d-1", event.Delivered, t0+130*sec, 0),
	}})
	w := onRunner(Windows{Size: 2 * time.Minute, Period: time.Minute, AllowedLateness: 10 * time.Minute})
	dv := beam.ParDo(s, testDeliveries, in)
	rows := beam.Flatten(s,
		beam.ParDo(s, formatPane, EventTypeCounts(s, in, w)),
		beam.ParDo(s, formatRestaurantPane, RestaurantKPIs(s, in, dv, w)),
		beam.ParDo(s, formatZonePane, ZoneKPIs(s, beam.ParDo(s, inZoneU0, in), dv, w)),
	)
	// By hand: created at 0:10 in [-1,1) and [0,2); accepted at 1:10 in
	// [0,2) and [1,3); delivered at 2:10 in [1,3) and [2,4), with its
	// 12-minute delivery.
	runAndCompare(t, p, s, rows,
		"[-1,1) #0 ON_TIME order_created=1",
		"[0,2) #0 ON_TIME order_created=1",
		"[0,2) #0 ON_TIME order_accepted=1",
		"[1,3) #0 ON_TIME order_accepted=1",
		"[1,3) #0 ON_TIME delivered=1",
		"[2,4) #0 ON_TIME delivered=1",
		"[-1,1) #0 ON_TIME r-1 c=1 d=0 gmv=10.00 n=0 p50=0",
		"[0,2) #0 ON_TIME r-1 c=1 d=0 gmv=10.00 n=0 p50=0",
		"[1,3) #0 ON_TIME r-1 c=0 d=1 gmv=0.00 n=1 p50=12",
		"[2,4) #0 ON_TIME r-1 c=0 d=1 gmv=0.00 n=1 p50=12",
		"[-1,1) #0 ON_TIME u0 c=1 d=0 gmv=10.00 n=0 p50=0 drivers=0",
		"[0,2) #0 ON_TIME u0 c=1 d=0 gmv=10.00 n=0 p50=0 drivers=1",
		"[1,3) #0 ON_TIME u0 c=0 d=1 gmv=0.00 n=1 p50=12 drivers=1",
		"[2,4) #0 ON_TIME u0 c=0 d=1 gmv=0.00 n=1 p50=12 drivers=1",
	)
}

// TestNextPane pins NormalizePanes' rule on firings as prism sends them.
func TestNextPane(t *testing.T) {
	onTime := beam.PaneInfo{Timing: typex.PaneOnTime, IsFirst: true}
	late := func(index int64, last bool) beam.PaneInfo {
		return beam.PaneInfo{Timing: typex.PaneLate, Index: index, IsLast: last}
	}
	type firing struct {
		pane beam.PaneInfo
		row  int64 // the accumulated value the firing carries
	}
	type out struct {
		index  int64
		timing string
	}
	tests := []struct {
		name    string
		firings []firing
		want    []out
	}{
		{"on time, then a closing repeat", []firing{{onTime, 2}, {late(1, true), 2}}, []out{{0, OnTime}}},
		{"the closing repeat arrives first", []firing{{late(1, true), 2}, {onTime, 2}}, []out{{0, OnTime}}},
		{"the closing pane with late data arrives first", []firing{{late(1, true), 4}, {onTime, 2}}, []out{{0, OnTime}}},
		{"late data at the closing pane", []firing{{onTime, 2}, {late(1, true), 4}}, []out{{0, OnTime}, {1, Late}}},
		{"a firing after the window closed", []firing{{onTime, 2}, {late(1, true), 4}, {late(2, false), 1}}, []out{{0, OnTime}, {1, Late}}},
		{"per-element late panes and a repeat", []firing{{onTime, 2}, {late(1, false), 3}, {late(2, false), 4}, {late(3, true), 4}}, []out{{0, OnTime}, {1, Late}, {2, Late}}},
		{"only late data", []firing{{late(0, false), 1}, {late(1, true), 1}}, []out{{0, Late}}},
		{"on time and last (no lateness)", []firing{{beam.PaneInfo{Timing: typex.PaneOnTime, IsFirst: true, IsLast: true}, 2}, {late(1, false), 3}}, []out{{0, OnTime}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var log paneLog[int64]
			var got []out
			for _, f := range tc.firings {
				if i, tm, ok := nextPane(&log, f.pane, f.row); ok {
					got = append(got, out{i, tm})
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("emitted %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("pane %d = %v, want %v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

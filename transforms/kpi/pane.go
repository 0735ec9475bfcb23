package kpi

import (
	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/typex"
)

// Pane timings written into the KPI rows. Unknown is what a runner reports
// when it attaches no pane information to a firing.
const (
	Early   = "EARLY"
	OnTime  = "ON_TIME"
	Late    = "LATE"
	Unknown = "UNKNOWN"
)

// paneFields is the window and pane part of every KPI row.
type paneFields struct {
	start, end, index int64
	timing            string
}

// panes reads the window bounds (Unix ms, end exclusive) and the pane of a
// firing. Windows other than interval windows (the global window) get 0, 0.
func panes(w beam.Window, p beam.PaneInfo) paneFields {
	f := paneFields{index: p.Index, timing: Unknown}
	if p == (beam.PaneInfo{}) {
		// The zero PaneInfo (EARLY, index 0, not first) cannot come from a
		// real firing, whose first pane has IsFirst set: it means the runner
		// sent none (no runner of ours since Beam Go v2.77).
		return withWindow(f, w)
	}
	switch p.Timing {
	case typex.PaneEarly:
		f.timing = Early
	case typex.PaneOnTime:
		f.timing = OnTime
	case typex.PaneLate:
		f.timing = Late
	}
	return withWindow(f, w)
}

func withWindow(f paneFields, w beam.Window) paneFields {
	if iw, ok := w.(window.IntervalWindow); ok {
		f.start, f.end = iw.Start.Milliseconds(), iw.End.Milliseconds()
	}
	return f
}

// PaneIndex is the row's pane: sinks that write a window's panes as separate
// objects name them by it (io/s3parquet.PaneIndexer).
func (c EventTypeCount) PaneIndex() int64 { return c.Pane }

// PaneIndex is the row's pane (see EventTypeCount.PaneIndex).
func (k RestaurantKPI) PaneIndex() int64 { return k.Pane }

// PaneIndex is the row's pane (see EventTypeCount.PaneIndex).
func (k ZoneKPI) PaneIndex() int64 { return k.Pane }

package kpi

import (
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// TestDefaultWindows runs the default windows (README, "KPI definitions":
// 5 minutes every minute, aligned to the epoch) on known events and states
// the windows each falls in, so a changed default size or period fails here.
func TestDefaultWindows(t *testing.T) {
	p, s := beam.NewPipelineWithRoot()
	in := stream(t, s, step{add: []event.Event{
		ev("a", event.OrderCreated, t0+2*minute+30_000), // 2:30
		ev("b", event.Delivered, t0+5*minute),           // 5:00, on a boundary: starts [5,10)
	}})
	w := Windows{Size: DefaultSize, Period: DefaultPeriod, Options: []WindowOption{OnTimeOnly()}}
	got := beam.ParDo(s, formatEventTypeCount, EventTypeCounts(s, in, w))
	// By hand: [s, s+5) for every whole minute s with s ≤ t < s+5.
	equals(s, got,
		"[-2,3) order_created=1",
		"[-1,4) order_created=1",
		"[0,5) order_created=1",
		"[1,6) order_created=1",
		"[2,7) order_created=1",
		"[1,6) delivered=1",
		"[2,7) delivered=1",
		"[3,8) delivered=1",
		"[4,9) delivered=1",
		"[5,10) delivered=1",
	)
	ptest.RunAndValidate(t, p)
	// Not observable on the in-process prism (it fires ON_TIME only).
	if DefaultAllowedLateness != 10*time.Minute {
		t.Errorf("default allowed lateness %v, want 10m (README)", DefaultAllowedLateness)
	}
}

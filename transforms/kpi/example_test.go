package kpi_test

import (
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/deliverypipe/deliverypipe/transforms/event"
	"github.com/deliverypipe/deliverypipe/transforms/kpi"
)

// The seed's aggregate: events per type in 5-minute windows every minute,
// with late panes for 10 minutes.
func ExampleEventTypeCounts() {
	p, s := beam.NewPipelineWithRoot()
	events := beam.Create(s, event.Event{EventID: "e-1", EventType: event.OrderCreated, OrderID: "o-1"}) // a source stamped with event time in a real graph
	windowed := kpi.SlidingWindows(s, events, kpi.DefaultSize, kpi.DefaultPeriod, kpi.DefaultAllowedLateness)
	counts := kpi.EventTypeCounts(s, windowed) // PCollection<kpi.EventTypeCount>
	_, _ = p, counts
}

// On a runner without triggers (the in-process prism of Beam Go v2.62), one
// on-time pane per window and no late data.
func ExampleSlidingWindows() {
	_, s := beam.NewPipelineWithRoot()
	events := beam.Create(s, event.Event{EventID: "e-1", EventType: event.OrderCreated, OrderID: "o-1"})
	windowed := kpi.SlidingWindows(s, events, 5*time.Minute, time.Minute, 0, kpi.OnTimeOnly())
	_ = windowed
}

package lifecycle_test

import (
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/deliverypipe/deliverypipe/transforms/event"
	"github.com/deliverypipe/deliverypipe/transforms/lifecycle"
)

// Deduplicate order events and join them into one fact per order; the
// deduplicated events feed the archive and the KPIs, the facts the
// delivery-time KPIs.
func ExampleTrack() {
	_, s := beam.NewPipelineWithRoot()
	events := beam.Create(s, event.Event{EventID: "e-1", EventType: event.OrderCreated, OrderID: "o-1"})
	unique, facts := lifecycle.Track(s, events, lifecycle.WithHorizon(2*time.Hour), lifecycle.WithBuckets(64))
	_, _ = unique, facts // PCollection<event.Batch>, PCollection<lifecycle.OrderFact>
}

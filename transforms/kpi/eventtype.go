package kpi

import (
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/transforms/stats"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func init() {
	register.Function1x1(eventTypeOf)
	register.Function4x1(toEventTypeCount)
	beam.RegisterType(reflect.TypeFor[EventTypeCount]())
}

// EventTypeCount is the number of events of one type in one pane of one
// window (the seed's aggregate).
type EventTypeCount struct {
	WindowStart int64  `parquet:"window_start,timestamp(millisecond)" dynamodbav:"window_start"` // Unix ms, inclusive
	WindowEnd   int64  `parquet:"window_end,timestamp(millisecond)" dynamodbav:"window_end"`     // Unix ms, exclusive
	Pane        int64  `parquet:"pane" dynamodbav:"pane"`                                        // pane index, 0 for the first firing
	Timing      string `parquet:"timing" dynamodbav:"timing"`                                    // EARLY, ON_TIME, LATE or UNKNOWN
	EventType   string `parquet:"event_type" dynamodbav:"event_type"`
	Count       int64  `parquet:"count" dynamodbav:"count"`
}

// EventTypeCounts counts the events of windowed (a windowed
// PCollection<event.Event>, see SlidingWindows) per event type, window and
// pane, and returns a PCollection<EventTypeCount>. The count is a lifted
// combiner; with accumulating panes a LATE row holds the window's full count.
func EventTypeCounts(s beam.Scope, windowed beam.PCollection) beam.PCollection {
	s = s.Scope("kpi.EventTypeCounts")
	counts := stats.Count(s, beam.ParDo(s, eventTypeOf, windowed))
	return beam.ParDo(s, toEventTypeCount, counts)
}

func eventTypeOf(e event.Event) string { return string(e.EventType) }

func toEventTypeCount(p beam.PaneInfo, w beam.Window, typ string, n int) EventTypeCount {
	f := panes(w, p)
	return EventTypeCount{WindowStart: f.start, WindowEnd: f.end, Pane: f.index, Timing: f.timing, EventType: typ, Count: int64(n)}
}

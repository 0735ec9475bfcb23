package kpi

import (
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func init() {
	register.Function2x1(eventTypeOne)
	register.Function1x1(eventTypesOf)
	register.Iter1[int64]()
	register.Function4x1(sumEventTypeCount)
	beam.RegisterType(reflect.TypeFor[EventTypeCount]())
}

// EventTypeCount is the number of events of one type in one pane of one
// window (the seed's aggregate).
type EventTypeCount struct {
	WindowStart int64  `parquet:"window_start,timestamp(millisecond)"` // Unix ms, inclusive
	WindowEnd   int64  `parquet:"window_end,timestamp(millisecond)"`   // Unix ms, exclusive
	Pane        int64  `parquet:"pane"`                                // pane index, 0 for the first firing
	Timing      string `parquet:"timing"`                              // EARLY, ON_TIME, LATE or UNKNOWN
	EventType   string `parquet:"event_type"`
	Count       int64  `parquet:"count"`
}

// EventTypeCounts counts the events of events (a PCollection<event.Event>
// timestamped with event time, or a PCollection<event.Batch>, each event at
// its EventTimeMillis; unwindowed) per event type, window of w and
// pane, and returns a PCollection<EventTypeCount>. The counts are summed per
// type and period slot within a bundle, then windowed, grouped and summed by
// a ParDo that reads the pane; with accumulating panes a LATE row holds the
// window's full count.
func EventTypeCounts(s beam.Scope, events beam.PCollection, w Windows) beam.PCollection {
	s = s.Scope("kpi.EventTypeCounts")
	partial := beam.ParDo(s, &preCountFn{PeriodMillis: w.slotMillis()}, observeEvents(s, events, eventTypeOne, eventTypesOf))
	counts := beam.ParDo(s, sumEventTypeCount, beam.GroupByKey(s, w.apply(s, partial)))
	if w.config().normalizePanes {
		counts = normalizeEventTypeCounts(s, counts)
	}
	return counts
}

func eventTypeOne(ts beam.EventTime, e event.Event) counts {
	return counts{Items: []timedCount{{Millis: ts.Milliseconds(), Key: string(e.EventType), N: 1}}}
}

func eventTypesOf(b event.Batch) counts {
	c := counts{Items: make([]timedCount, len(b.Events))}
	for i := range b.Events {
		c.Items[i] = timedCount{Millis: b.Events[i].EventTimeMillis, Key: string(b.Events[i].EventType), N: 1}
	}
	return c
}

func sumEventTypeCount(p beam.PaneInfo, w beam.Window, typ string, ns func(*int64) bool) EventTypeCount {
	var sum, n int64
	for ns(&n) {
		sum += n
	}
	return eventTypeCount(panes(w, p), typ, sum)
}

func eventTypeCount(f paneFields, typ string, n int64) EventTypeCount {
	return EventTypeCount{WindowStart: f.start, WindowEnd: f.end, Pane: f.index, Timing: f.timing, EventType: typ, Count: n}
}

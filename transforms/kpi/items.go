package kpi

import (
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

func init() {
	register.Function1x1(eventTypeItem)
	beam.RegisterType(reflect.TypeFor[EventTypeItem]())
}

// EventTypeItem is an EventTypeCount as a DynamoDB KPI item: partition key
// "event_type#<type>", sort key the window start, and the pane index that
// io/dynamodbio.UpsertVersioned compares.
type EventTypeItem struct {
	PK        string `dynamodbav:"pk"`
	SK        int64  `dynamodbav:"sk"`
	WindowEnd int64  `dynamodbav:"window_end"`
	Pane      int64  `dynamodbav:"pane"`
	Timing    string `dynamodbav:"timing"`
	EventType string `dynamodbav:"event_type"`
	Count     int64  `dynamodbav:"count"`
}

// EventTypeKey is the KPI table partition key of an event type.
func EventTypeKey(eventType string) string { return "event_type#" + eventType }

// EventTypeItems maps PCollection<EventTypeCount> to PCollection<EventTypeItem>.
func EventTypeItems(s beam.Scope, counts beam.PCollection) beam.PCollection {
	return beam.ParDo(s.Scope("kpi.EventTypeItems"), eventTypeItem, counts)
}

func eventTypeItem(c EventTypeCount) EventTypeItem {
	return EventTypeItem{
		PK: EventTypeKey(c.EventType), SK: c.WindowStart, WindowEnd: c.WindowEnd,
		Pane: c.Pane, Timing: c.Timing, EventType: c.EventType, Count: c.Count,
	}
}

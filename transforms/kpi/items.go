package kpi

import (
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

func init() {
	register.Function1x1(eventTypeItem)
	register.Function1x1(restaurantItem)
	register.Function1x1(zoneItem)
	beam.RegisterType(reflect.TypeFor[EventTypeItem]())
	beam.RegisterType(reflect.TypeFor[RestaurantItem]())
	beam.RegisterType(reflect.TypeFor[ZoneItem]())
}

// Partition-key prefixes of the KPI table: one entity kind each.
const (
	EventTypePrefix  = "event_type#"
	RestaurantPrefix = "restaurant#"
	ZonePrefix       = "zone#"
)

// EventTypeItem is an EventTypeCount as a DynamoDB KPI item: partition key
// "event_type#<type>", sort key the window start, and the pane index that
// io/dynamodbio.UpsertVersioned compares.
type EventTypeItem struct {
	PK string `dynamodbav:"pk"`
	SK int64  `dynamodbav:"sk"`
	EventTypeCount
}

// RestaurantItem is a RestaurantKPI as a KPI item ("restaurant#<id>", window start).
type RestaurantItem struct {
	PK string `dynamodbav:"pk"`
	SK int64  `dynamodbav:"sk"`
	RestaurantKPI
}

// ZoneItem is a ZoneKPI as a KPI item ("zone#<geohash>", window start).
type ZoneItem struct {
	PK string `dynamodbav:"pk"`
	SK int64  `dynamodbav:"sk"`
	ZoneKPI
}

// EventTypeKey is the KPI table partition key of an event type.
func EventTypeKey(eventType string) string { return EventTypePrefix + eventType }

// EventTypeItems maps PCollection<EventTypeCount> to PCollection<EventTypeItem>.
func EventTypeItems(s beam.Scope, counts beam.PCollection) beam.PCollection {
	return beam.ParDo(s.Scope("kpi.EventTypeItems"), eventTypeItem, counts)
}

// RestaurantItems maps PCollection<RestaurantKPI> to PCollection<RestaurantItem>.
func RestaurantItems(s beam.Scope, kpis beam.PCollection) beam.PCollection {
	return beam.ParDo(s.Scope("kpi.RestaurantItems"), restaurantItem, kpis)
}

// ZoneItems maps PCollection<ZoneKPI> to PCollection<ZoneItem>.
func ZoneItems(s beam.Scope, kpis beam.PCollection) beam.PCollection {
	return beam.ParDo(s.Scope("kpi.ZoneItems"), zoneItem, kpis)
}

func eventTypeItem(c EventTypeCount) EventTypeItem {
	return EventTypeItem{PK: EventTypeKey(c.EventType), SK: c.WindowStart, EventTypeCount: c}
}

func restaurantItem(k RestaurantKPI) RestaurantItem {
	return RestaurantItem{PK: RestaurantPrefix + k.RestaurantID, SK: k.WindowStart, RestaurantKPI: k}
}

func zoneItem(k ZoneKPI) ZoneItem {
	return ZoneItem{PK: ZonePrefix + k.Zone, SK: k.WindowStart, ZoneKPI: k}
}

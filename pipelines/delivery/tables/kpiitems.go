// Package tables is the storage schema of the job's tables, written down
// once beside the sinks that write them (pipelines/delivery): the DynamoDB
// table definitions (KPITable, StatusTable), the KPI table's partition-key
// prefixes, the attribute names of its items and the maps between those
// items and the KPI rows of transforms/kpi, which carry no storage tags; and
// the Athena DDL of the Parquet tables (ddl/, rendered from the row types by
// pipelines/delivery's TestAthenaDDLCurrent). The readers (cmd/dashboard,
// cmd/kpireport, the end-to-end checks) read through it.
//
// An item's attributes are named like the columns of the row's Parquet table
// (TestAttributesAreParquetColumns).
package tables

import (
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/deliverypipe/deliverypipe/transforms/kpi"
)

func init() {
	register.Function1x1(EventTypeItemOf)
	register.Function1x1(RestaurantItemOf)
	register.Function1x1(ZoneItemOf)
	beam.RegisterType(reflect.TypeFor[EventTypeItem]())
	beam.RegisterType(reflect.TypeFor[RestaurantItem]())
	beam.RegisterType(reflect.TypeFor[ZoneItem]())
}

// Partition-key prefixes of the KPI table: one entity kind each. The sort
// key is the window start (Unix ms).
const (
	EventTypePrefix  = "event_type#"
	RestaurantPrefix = "restaurant#"
	ZonePrefix       = "zone#"
)

// EventTypeItem is a kpi.EventTypeCount as a KPI item: partition key
// "event_type#<type>", sort key the window start, and the pane index that
// io/dynamodbio.UpsertVersioned compares.
type EventTypeItem struct {
	PK          string `dynamodbav:"pk"`
	SK          int64  `dynamodbav:"sk"`
	WindowStart int64  `dynamodbav:"window_start"`
	WindowEnd   int64  `dynamodbav:"window_end"`
	Pane        int64  `dynamodbav:"pane"`
	Timing      string `dynamodbav:"timing"`
	EventType   string `dynamodbav:"event_type"`
	Count       int64  `dynamodbav:"count"`
}

// RestaurantItem is a kpi.RestaurantKPI as a KPI item ("restaurant#<id>",
// window start).
type RestaurantItem struct {
	PK              string  `dynamodbav:"pk"`
	SK              int64   `dynamodbav:"sk"`
	WindowStart     int64   `dynamodbav:"window_start"`
	WindowEnd       int64   `dynamodbav:"window_end"`
	Pane            int64   `dynamodbav:"pane"`
	Timing          string  `dynamodbav:"timing"`
	RestaurantID    string  `dynamodbav:"restaurant_id"`
	OrdersCreated   int64   `dynamodbav:"orders_created"`
	OrdersDelivered int64   `dynamodbav:"orders_delivered"`
	OrdersCancelled int64   `dynamodbav:"orders_cancelled"`
	GMV             float64 `dynamodbav:"gmv"`
	DeliveryCount   int64   `dynamodbav:"delivery_count"`
	DeliveryMinMean float64 `dynamodbav:"delivery_min_mean"`
	DeliveryMinP50  float64 `dynamodbav:"delivery_min_p50"`
	DeliveryMinP90  float64 `dynamodbav:"delivery_min_p90"`
}

// ZoneItem is a kpi.ZoneKPI as a KPI item ("zone#<geohash>", window start).
type ZoneItem struct {
	PK              string  `dynamodbav:"pk"`
	SK              int64   `dynamodbav:"sk"`
	WindowStart     int64   `dynamodbav:"window_start"`
	WindowEnd       int64   `dynamodbav:"window_end"`
	Pane            int64   `dynamodbav:"pane"`
	Timing          string  `dynamodbav:"timing"`
	Zone            string  `dynamodbav:"zone"`
	OrdersCreated   int64   `dynamodbav:"orders_created"`
	OrdersDelivered int64   `dynamodbav:"orders_delivered"`
	OrdersCancelled int64   `dynamodbav:"orders_cancelled"`
	GMV             float64 `dynamodbav:"gmv"`
	DeliveryCount   int64   `dynamodbav:"delivery_count"`
	DeliveryMinMean float64 `dynamodbav:"delivery_min_mean"`
	DeliveryMinP50  float64 `dynamodbav:"delivery_min_p50"`
	DeliveryMinP90  float64 `dynamodbav:"delivery_min_p90"`
	ActiveDrivers   int64   `dynamodbav:"active_drivers"`
}

// KPIItem is any item of the KPI table, for readers: the attributes of the
// three kinds together (TestKPIItemReadsEveryKind); an attribute the item's
// kind lacks decodes as zero.
type KPIItem struct {
	PK              string  `dynamodbav:"pk"`
	SK              int64   `dynamodbav:"sk"`
	WindowStart     int64   `dynamodbav:"window_start"`
	WindowEnd       int64   `dynamodbav:"window_end"`
	Pane            int64   `dynamodbav:"pane"`
	Timing          string  `dynamodbav:"timing"`
	EventType       string  `dynamodbav:"event_type"`
	Count           int64   `dynamodbav:"count"`
	RestaurantID    string  `dynamodbav:"restaurant_id"`
	Zone            string  `dynamodbav:"zone"`
	OrdersCreated   int64   `dynamodbav:"orders_created"`
	OrdersDelivered int64   `dynamodbav:"orders_delivered"`
	OrdersCancelled int64   `dynamodbav:"orders_cancelled"`
	GMV             float64 `dynamodbav:"gmv"`
	DeliveryCount   int64   `dynamodbav:"delivery_count"`
	DeliveryMinMean float64 `dynamodbav:"delivery_min_mean"`
	DeliveryMinP50  float64 `dynamodbav:"delivery_min_p50"`
	DeliveryMinP90  float64 `dynamodbav:"delivery_min_p90"`
	ActiveDrivers   int64   `dynamodbav:"active_drivers"`
}

// EventTypeKey is the partition key of an event type's items.
func EventTypeKey(eventType string) string { return EventTypePrefix + eventType }

// EventTypeItems maps PCollection<kpi.EventTypeCount> to PCollection<EventTypeItem>.
func EventTypeItems(s beam.Scope, counts beam.PCollection) beam.PCollection {
	return beam.ParDo(s.Scope("tables.EventTypeItems"), EventTypeItemOf, counts)
}

// RestaurantItems maps PCollection<kpi.RestaurantKPI> to PCollection<RestaurantItem>.
func RestaurantItems(s beam.Scope, kpis beam.PCollection) beam.PCollection {
	return beam.ParDo(s.Scope("tables.RestaurantItems"), RestaurantItemOf, kpis)
}

// ZoneItems maps PCollection<kpi.ZoneKPI> to PCollection<ZoneItem>.
func ZoneItems(s beam.Scope, kpis beam.PCollection) beam.PCollection {
	return beam.ParDo(s.Scope("tables.ZoneItems"), ZoneItemOf, kpis)
}

// EventTypeItemOf is the item of c.
func EventTypeItemOf(c kpi.EventTypeCount) EventTypeItem {
	return EventTypeItem{PK: EventTypeKey(c.EventType), SK: c.WindowStart, WindowStart: c.WindowStart, WindowEnd: c.WindowEnd,
		Pane: c.Pane, Timing: c.Timing, EventType: c.EventType, Count: c.Count}
}

// Row is the row it holds.
func (it EventTypeItem) Row() kpi.EventTypeCount {
	return kpi.EventTypeCount{WindowStart: it.WindowStart, WindowEnd: it.WindowEnd, Pane: it.Pane, Timing: it.Timing,
		EventType: it.EventType, Count: it.Count}
}

// RestaurantItemOf is the item of k.
func RestaurantItemOf(k kpi.RestaurantKPI) RestaurantItem {
	return RestaurantItem{PK: RestaurantPrefix + k.RestaurantID, SK: k.WindowStart, WindowStart: k.WindowStart, WindowEnd: k.WindowEnd,
		Pane: k.Pane, Timing: k.Timing, RestaurantID: k.RestaurantID,
		OrdersCreated: k.OrdersCreated, OrdersDelivered: k.OrdersDelivered, OrdersCancelled: k.OrdersCancelled, GMV: k.GMV,
		DeliveryCount: k.DeliveryCount, DeliveryMinMean: k.DeliveryMinMean, DeliveryMinP50: k.DeliveryMinP50, DeliveryMinP90: k.DeliveryMinP90}
}

// Row is the row it holds.
func (it RestaurantItem) Row() kpi.RestaurantKPI {
	return kpi.RestaurantKPI{WindowStart: it.WindowStart, WindowEnd: it.WindowEnd, Pane: it.Pane, Timing: it.Timing,
		RestaurantID: it.RestaurantID, OrdersCreated: it.OrdersCreated, OrdersDelivered: it.OrdersDelivered,
		OrdersCancelled: it.OrdersCancelled, GMV: it.GMV, DeliveryCount: it.DeliveryCount, DeliveryMinMean: it.DeliveryMinMean,
		DeliveryMinP50: it.DeliveryMinP50, DeliveryMinP90: it.DeliveryMinP90}
}

// ZoneItemOf is the item of k.
func ZoneItemOf(k kpi.ZoneKPI) ZoneItem {
	return ZoneItem{PK: ZonePrefix + k.Zone, SK: k.WindowStart, WindowStart: k.WindowStart, WindowEnd: k.WindowEnd,
		Pane: k.Pane, Timing: k.Timing, Zone: k.Zone,
		OrdersCreated: k.OrdersCreated, OrdersDelivered: k.OrdersDelivered, OrdersCancelled: k.OrdersCancelled, GMV: k.GMV,
		DeliveryCount: k.DeliveryCount, DeliveryMinMean: k.DeliveryMinMean, DeliveryMinP50: k.DeliveryMinP50, DeliveryMinP90: k.DeliveryMinP90,
		ActiveDrivers: k.ActiveDrivers}
}

// Row is the row it holds.
func (it ZoneItem) Row() kpi.ZoneKPI {
	return kpi.ZoneKPI{WindowStart: it.WindowStart, WindowEnd: it.WindowEnd, Pane: it.Pane, Timing: it.Timing, Zone: it.Zone,
		OrdersCreated: it.OrdersCreated, OrdersDelivered: it.OrdersDelivered, OrdersCancelled: it.OrdersCancelled, GMV: it.GMV,
		DeliveryCount: it.DeliveryCount, DeliveryMinMean: it.DeliveryMinMean, DeliveryMinP50: it.DeliveryMinP50,
		DeliveryMinP90: it.DeliveryMinP90, ActiveDrivers: it.ActiveDrivers}
}

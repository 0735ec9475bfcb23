// Package event defines the order event that flows through deliverypipe: its
// types, its JSON wire form and the lifecycle order of its event types.
//
// The JSON Schema in schema.json is the single description of the wire form;
// this file mirrors it as Go types.
package event

import (
	"encoding/json"
	"fmt"
	"time"
)

// CurrentSchemaVersion is the schema_version this code writes and fully understands.
const CurrentSchemaVersion = 1

// Type names the lifecycle step an event reports.
type Type string

// The lifecycle event types, in lifecycle order (Cancelled may follow any step
// before Delivered).
const (
	OrderCreated  Type = "order_created"
	OrderAccepted Type = "order_accepted"
	PickedUp      Type = "picked_up"
	Delivered     Type = "delivered"
	Cancelled     Type = "cancelled"
)

// Types lists every known event type in lifecycle order.
var Types = []Type{OrderCreated, OrderAccepted, PickedUp, Delivered, Cancelled}

// Rank orders event types along the lifecycle; an order's status only moves to
// a higher rank. Unknown types rank 0.
func (t Type) Rank() int {
	switch t {
	case OrderCreated:
		return 1
	case OrderAccepted:
		return 2
	case PickedUp:
		return 3
	case Delivered, Cancelled:
		return 4
	}
	return 0
}

// Known reports whether t is one of Types.
func (t Type) Known() bool { return t.Rank() > 0 }

// Location is a WGS84 point.
type Location struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Item is one line of an order.
type Item struct {
	ItemID string  `json:"item_id"`
	Qty    int64   `json:"qty"`
	Price  float64 `json:"price"`
}

// Event is one order event as it travels through the pipeline.
//
// EventTimeMillis is the event time in Unix milliseconds; on the wire it is the
// RFC 3339 "timestamp" field. Metadata holds free-form strings; Extra holds the
// raw JSON of fields unknown to this schema version (kept, never interpreted).
type Event struct {
	EventID         string            `json:"event_id"`
	SchemaVersion   int64             `json:"schema_version"`
	EventType       Type              `json:"event_type"`
	OrderID         string            `json:"order_id"`
	DriverID        string            `json:"driver_id"`
	RestaurantID    string            `json:"restaurant_id"`
	EventTimeMillis int64             `json:"-"`
	Location        Location          `json:"location"`
	Items           []Item            `json:"items"`
	TotalPrice      float64           `json:"total_price"`
	Metadata        map[string]string `json:"metadata,omitempty"`
	Extra           string            `json:"-"`
}

// Time returns the event time.
func (e *Event) Time() time.Time { return time.UnixMilli(e.EventTimeMillis).UTC() }

// MarshalJSON writes the wire form, with the timestamp as RFC 3339 UTC with
// millisecond precision.
func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event // drops the method set, so no recursion
	return json.Marshal(struct {
		plain
		Timestamp string `json:"timestamp"`
	}{plain(e), FormatTime(e.EventTimeMillis)})
}

// FormatTime renders Unix milliseconds as the wire timestamp.
func FormatTime(millis int64) string {
	return time.UnixMilli(millis).UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// UnmarshalJSON reads the wire form with encoding/json. It is the slow,
// obviously-correct decoder used by the reference computation and tests; the
// pipeline uses transforms/parse.
func (e *Event) UnmarshalJSON(b []byte) error {
	type plain Event
	var w struct {
		plain
		Timestamp string `json:"timestamp"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	ts, err := time.Parse(time.RFC3339Nano, w.Timestamp)
	if err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	*e = Event(w.plain)
	e.EventTimeMillis = ts.UnixMilli()
	return nil
}

package parse

import (
	"fmt"
	"math"
	"time"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// Limits are the tunable bounds of validation.
type Limits struct {
	// MaxSkew is how far an event's timestamp may run ahead of now
	// (producers' clocks drift); further is FutureTimestamp.
	MaxSkew time.Duration
	// MaxBytes is the largest payload accepted; larger is TooLarge. An event is
	// ~350 bytes, so the default leaves room for big orders and metadata while
	// keeping hostile records from costing memory downstream.
	MaxBytes int
}

// DefaultLimits returns MaxSkew 1 h and MaxBytes 256 KiB.
func DefaultLimits() Limits {
	return Limits{MaxSkew: time.Hour, MaxBytes: 256 << 10}
}

// centTolerance is how far total_price may stray from sum(qty*price): a cent,
// plus slack for float rounding of the sum.
const centTolerance = 0.01 + 1e-9

// Validate checks the business rules of a decoded event, given the current
// time, and returns an *Error with the first rule that fails, in this order
// (it changes e only to fill in a derived event_id, rule 1):
//
//  1. schema_version: negative is UnsupportedSchema. 0 means absent (seed
//     records carry none) and the record is read as version 1; if it then
//     fails rule 2 or 3 it is UnsupportedSchema, since nothing says it was
//     meant to be version 1. A version above event.CurrentSchemaVersion is
//     checked with these rules (its unknown fields are in e.Extra).
//     A record without schema_version may also lack event_id (the seed's
//     producer writes none): Validate then sets e.EventID to DerivedID(e),
//     a hash of its decoded content, so a re-sent copy gets the same id and
//     is dropped as a duplicate downstream. A versioned record must carry
//     its own event_id (rule 2).
//  2. MissingField: event_id, event_type, order_id and timestamp are required
//     everywhere (timestamp absent = EventTimeMillis 0: the epoch is no
//     plausible order time, and Event has no presence flag); restaurant_id,
//     items (non-empty, each with item_id) and total_price (absent or 0 while
//     the items cost something) for order_created;
//     driver_id for order_accepted, picked_up and delivered.
//  3. UnknownEventType: event_type not in event.Types.
//  4. FutureTimestamp: timestamp more than limits.MaxSkew after now.
//  5. BadLocation: lat outside [-90, 90] or lon outside [-180, 180].
//  6. NegativePrice: total_price or an item price below 0; BadQuantity: an
//     item qty below 1.
//  7. TotalMismatch: for a versioned record with items, on any event type,
//     |total_price - sum(qty*price)| above one cent. Not for the seed's form
//     (no schema_version): its producer draws total_price and the items
//     independently, so the rule would reject every seed record, and
//     nothing in that form promises the two agree; total_price is then
//     taken as given (GMV sums it).
//
// The required sets match transforms/event/schema.json ("required" and the
// allOf/if/then blocks): TestSchemaRequiredMatchesValidate and
// TestSchemaAgreesWithValidate keep them in step.
func Validate(e *event.Event, now time.Time, limits Limits) error {
	if e.SchemaVersion < 0 {
		return errorf(UnsupportedSchema, "schema_version %d", e.SchemaVersion)
	}
	if e.SchemaVersion == 0 && e.EventID == "" {
		e.EventID = DerivedID(e)
	}
	if err := validateShape(e); err != nil {
		if e.SchemaVersion == 0 {
			return errorf(UnsupportedSchema, "no schema_version and not readable as version 1: %s", err.Error())
		}
		return err
	}
	if ahead := e.EventTimeMillis - now.UnixMilli(); ahead > limits.MaxSkew.Milliseconds() {
		return errorf(FutureTimestamp, "timestamp %s is %s ahead of now",
			event.FormatTime(e.EventTimeMillis), time.Duration(ahead)*time.Millisecond)
	}
	if l := e.Location; math.Abs(l.Lat) > 90 || math.Abs(l.Lon) > 180 {
		return errorf(BadLocation, "lat %g, lon %g", l.Lat, l.Lon)
	}
	if e.TotalPrice < 0 {
		return errorf(NegativePrice, "total_price %g", e.TotalPrice)
	}
	for i, it := range e.Items {
		if it.Price < 0 {
			return errorf(NegativePrice, "items[%d].price %g", i, it.Price)
		}
		if it.Qty < 1 {
			return errorf(BadQuantity, "items[%d].qty %d", i, it.Qty)
		}
	}
	if sum := itemsSum(e.Items); e.SchemaVersion > 0 && len(e.Items) > 0 && math.Abs(e.TotalPrice-sum) > centTolerance {
		return errorf(TotalMismatch, "total_price %g, items sum to %g", e.TotalPrice, sum)
	}
	return nil
}

// validateShape applies the required-field and event-type rules.
func validateShape(e *event.Event) *Error {
	switch {
	case e.EventID == "":
		return missing("event_id")
	case e.EventType == "":
		return missing("event_type")
	case e.OrderID == "":
		return missing("order_id")
	case e.EventTimeMillis == 0:
		return missing("timestamp")
	}
	switch e.EventType {
	case event.OrderCreated:
		switch {
		case e.RestaurantID == "":
			return missing("restaurant_id")
		case len(e.Items) == 0:
			return missing("items")
		case e.TotalPrice == 0 && itemsSum(e.Items) > 0:
			// Absent reads as 0; a free order may really total 0.
			return missing("total_price")
		}
		for i, it := range e.Items {
			if it.ItemID == "" {
				return missing(fmt.Sprintf("items[%d].item_id", i))
			}
		}
	case event.OrderAccepted, event.PickedUp, event.Delivered:
		if e.DriverID == "" {
			return missing("driver_id")
		}
	case event.Cancelled:
	default:
		return errorf(UnknownEventType, "event_type %q", e.EventType)
	}
	return nil
}

func itemsSum(items []event.Item) float64 {
	var sum float64
	for _, it := range items {
		sum += float64(it.Qty) * it.Price
	}
	return sum
}

func missing(field string) *Error {
	return &Error{Reason: MissingField, Detail: field}
}

// DecodeValidate checks the payload size, decodes b into e and validates it:
// the whole per-record check of Parse, for callers outside a pipeline.
func DecodeValidate(b []byte, now time.Time, limits Limits, e *event.Event) error {
	if len(b) > limits.MaxBytes {
		*e = event.Event{}
		return errorf(TooLarge, "%d bytes, limit %d", len(b), limits.MaxBytes)
	}
	if err := Decode(b, e); err != nil {
		return err
	}
	return Validate(e, now, limits)
}

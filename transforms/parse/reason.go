package parse

import (
	"errors"
	"fmt"
)

// Reason says why a record was dead-lettered. Its values are stable: they are
// written to the dead-letter table and name the per-reason counters.
type Reason string

// The dead-letter reasons.
const (
	// MalformedJSON: not a JSON object, a syntax error, trailing data, a
	// duplicate known field, or a field of the wrong JSON type.
	MalformedJSON Reason = "malformed_json"
	// InvalidUTF8: the payload is not valid UTF-8.
	InvalidUTF8 Reason = "invalid_utf8"
	// MissingField: a field required for the event's type is absent or empty.
	MissingField Reason = "missing_field"
	// UnknownEventType: event_type is not one of event.Types (or "pickup").
	UnknownEventType Reason = "unknown_event_type"
	// BadLocation: lat outside [-90, 90] or lon outside [-180, 180].
	BadLocation Reason = "bad_location"
	// NegativePrice: an item price or total_price below zero.
	NegativePrice Reason = "negative_price"
	// BadQuantity: an item qty below one.
	BadQuantity Reason = "bad_quantity"
	// TotalMismatch: total_price differs from sum(qty*price) by more than a cent.
	TotalMismatch Reason = "total_mismatch"
	// BadTimestamp: timestamp is not RFC 3339 or outside years 1..9999.
	BadTimestamp Reason = "bad_timestamp"
	// FutureTimestamp: timestamp is further ahead of now than the allowed skew.
	FutureTimestamp Reason = "future_timestamp"
	// TooLarge: the payload exceeds the size limit, or an event has more than
	// 1000 items.
	TooLarge Reason = "too_large"
	// UnsupportedSchema: schema_version is present but not an integer >= 1, or
	// absent and the record cannot be read as version 1.
	UnsupportedSchema Reason = "unsupported_schema"
)

// Reasons lists every Reason, for counters and reports.
var Reasons = []Reason{
	MalformedJSON, InvalidUTF8, MissingField, UnknownEventType, BadLocation,
	NegativePrice, BadQuantity, TotalMismatch, BadTimestamp, FutureTimestamp,
	TooLarge, UnsupportedSchema,
}

// Error is a decode or validation failure with its dead-letter reason.
type Error struct {
	Reason Reason
	Detail string
}

func (e *Error) Error() string { return string(e.Reason) + ": " + e.Detail }

// ReasonOf returns the Reason carried by err, or MalformedJSON when err is not
// an *Error (any other failure means the payload could not be read).
func ReasonOf(err error) Reason {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Reason
	}
	return MalformedJSON
}

func errorf(r Reason, format string, args ...any) *Error {
	return &Error{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

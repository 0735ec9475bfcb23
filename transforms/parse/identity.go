package parse

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"maps"
	"math"
	"slices"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// DerivedIDPrefix starts every event id derived from content, so a derived
// id is never mistaken for (or collides with) one a producer assigned.
const DerivedIDPrefix = "derived-"

// DerivedID returns the identity of an event that carries no event_id (the
// seed's records): DerivedIDPrefix and the first 128 bits, in hex, of the
// SHA-256 of a canonical form of its decoded fields. A re-sent record gets
// the same id, so lifecycle's dedup drops it; two records that differ in any
// decoded field get different ids.
//
// The hash is over the decoded fields rather than the raw bytes: a producer
// re-sending a record sends the same bytes, but another client re-serializing
// it may reorder keys, change whitespace or escapes, or write the same time
// with another offset, and those are still the same event. The canonical form
// is every field in a fixed order, each length-prefixed so no two field lists
// encode alike: event_type (so "pickup" and "picked_up" are one), order_id,
// driver_id, restaurant_id, the event time in milliseconds (the precision the
// pipeline keeps), location, the items in array order, total_price (floats
// by their IEEE-754 bits: 12.5 and 12.50 are one number), metadata sorted by
// key and the unknown fields (Extra) re-encoded with sorted keys.
// schema_version is left out: only records without one get a derived id.
func DerivedID(e *event.Event) string {
	var b []byte
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	num := func(f float64) { b = binary.BigEndian.AppendUint64(b, math.Float64bits(f)) }
	str(string(e.EventType))
	str(e.OrderID)
	str(e.DriverID)
	str(e.RestaurantID)
	b = binary.AppendVarint(b, e.EventTimeMillis)
	num(e.Location.Lat)
	num(e.Location.Lon)
	b = binary.AppendUvarint(b, uint64(len(e.Items)))
	for _, it := range e.Items {
		str(it.ItemID)
		b = binary.AppendVarint(b, it.Qty)
		num(it.Price)
	}
	num(e.TotalPrice)
	b = binary.AppendUvarint(b, uint64(len(e.Metadata)))
	for _, k := range slices.Sorted(maps.Keys(e.Metadata)) {
		str(k)
		str(e.Metadata[k])
	}
	extra := e.Extra
	if extra != "" {
		// Decode wrote Extra, so it parses; were it not, its text still
		// identifies the record.
		if c, err := canonicalJSON([]byte(extra)); err == nil {
			extra = c
		}
	}
	str(extra)
	sum := sha256.Sum256(b)
	return DerivedIDPrefix + hex.EncodeToString(sum[:16])
}

// canonicalJSON re-encodes the JSON text b in encoding/json's form: object
// keys sorted, no whitespace, numbers as written.
func canonicalJSON(b []byte) (string, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // keep numbers as written, not rounded through float64
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	out, err := json.Marshal(v)
	return string(out), err
}

package event

import (
	"fmt"
	"maps"
	"slices"

	"github.com/deliverypipe/deliverypipe/transforms/wire"
)

// Event's coder between pipeline stages is its binary form below, not
// Beam's schema row coder: profiled on the embedded Flink job server,
// decoding and re-encoding row-coded elements was most of the JVM's CPU
// (docs/benchmarks.md, package wire).
func init() {
	wire.RegisterCoder(encodeEvent, decodeEvent)
}

func encodeEvent(e Event) []byte {
	b, _ := e.AppendBinary(nil)
	return b
}

func decodeEvent(data []byte) (Event, error) {
	var e Event
	err := e.UnmarshalBinary(data)
	return e, err
}

// binaryVersion is the first byte of the binary form, so that a later
// layout can be told apart.
const binaryVersion = 1

// AppendBinary appends e's binary form to b: a version byte, then e's fields
// (package wire). Nil and empty Items and Metadata stay distinct (they
// marshal to different JSON), and metadata keys are written in sorted order,
// so equal events encode equally. It never fails; the error is
// encoding.BinaryAppender's.
func (e *Event) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, binaryVersion)
	for _, s := range []string{e.EventID, string(e.EventType), e.OrderID, e.DriverID, e.RestaurantID, e.Extra} {
		b = wire.AppendString(b, s)
	}
	b = wire.AppendFloat(wire.AppendFloat(wire.AppendFloat(b, e.Location.Lat), e.Location.Lon), e.TotalPrice)
	b = wire.AppendLen(b, e.Items == nil, len(e.Items))
	for _, it := range e.Items {
		b = wire.AppendFloat(wire.AppendString(b, it.ItemID), it.Price)
		b = wire.AppendVarint(b, it.Qty)
	}
	b = wire.AppendLen(b, e.Metadata == nil, len(e.Metadata))
	for _, k := range slices.Sorted(maps.Keys(e.Metadata)) {
		b = wire.AppendString(wire.AppendString(b, k), e.Metadata[k])
	}
	return wire.AppendVarint(wire.AppendVarint(b, e.SchemaVersion), e.EventTimeMillis), nil
}

// UnmarshalBinary sets e from data, exactly one event's binary form. Its
// strings share one copy of data.
func (e *Event) UnmarshalBinary(data []byte) error {
	d, err := wire.NewVersionedDecoder(data, binaryVersion)
	if err != nil {
		return fmt.Errorf("event: %w", err)
	}
	var typ string
	for _, s := range []*string{&e.EventID, &typ, &e.OrderID, &e.DriverID, &e.RestaurantID, &e.Extra} {
		*s = d.String()
	}
	e.EventType = Type(typ)
	for _, f := range []*float64{&e.Location.Lat, &e.Location.Lon, &e.TotalPrice} {
		*f = d.Float()
	}
	e.Items = nil
	if n, ok := d.Len(); ok {
		e.Items = make([]Item, n)
		for i := range e.Items {
			e.Items[i] = Item{ItemID: d.String(), Price: d.Float(), Qty: d.Varint()}
		}
	}
	e.Metadata = nil
	if n, ok := d.Len(); ok {
		e.Metadata = make(map[string]string, n)
		for range n {
			k := d.String()
			e.Metadata[k] = d.String()
		}
	}
	e.SchemaVersion, e.EventTimeMillis = d.Varint(), d.Varint()
	if err := d.Done(); err != nil {
		return fmt.Errorf("event: %w", err)
	}
	return nil
}

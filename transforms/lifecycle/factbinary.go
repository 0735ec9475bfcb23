package lifecycle

import (
	"fmt"

	"github.com/deliverypipe/deliverypipe/transforms/wire"
)

// orderFactVersion is the first byte of an OrderFact's binary form.
const orderFactVersion = 1

// AppendBinary appends f's binary form (package wire) to b: how order facts
// cross the Parquet sink's GroupByKey (s3parquet.RegisterRowType), instead
// of Beam's reflective row coder. Equal facts encode equally. It never
// fails; the error is encoding.BinaryAppender's.
func (f OrderFact) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, orderFactVersion)
	for _, s := range [...]string{f.OrderID, f.RestaurantID, f.DriverID, f.Zone} {
		b = wire.AppendString(b, s)
	}
	for _, t := range [...]int64{f.CreatedMillis, f.AcceptedMillis, f.PickedUpMillis, f.DeliveredMillis, f.CancelledMillis} {
		b = wire.AppendVarint(b, t)
	}
	b = wire.AppendFloat(wire.AppendFloat(wire.AppendFloat(b, f.PrepMinutes), f.DeliveryMinutes), f.TotalMinutes)
	return wire.AppendBools(b, f.Cancelled, f.Complete), nil
}

// UnmarshalBinary sets f from data, exactly one fact's binary form.
func (f *OrderFact) UnmarshalBinary(data []byte) error {
	d, err := wire.NewVersionedDecoder(data, orderFactVersion)
	if err != nil {
		return fmt.Errorf("lifecycle: order fact: %w", err)
	}
	for _, s := range [...]*string{&f.OrderID, &f.RestaurantID, &f.DriverID, &f.Zone} {
		*s = d.String()
	}
	for _, t := range [...]*int64{&f.CreatedMillis, &f.AcceptedMillis, &f.PickedUpMillis, &f.DeliveredMillis, &f.CancelledMillis} {
		*t = d.Varint()
	}
	f.PrepMinutes, f.DeliveryMinutes, f.TotalMinutes = d.Float(), d.Float(), d.Float()
	d.Bools(&f.Cancelled, &f.Complete)
	if err := d.Done(); err != nil {
		return fmt.Errorf("lifecycle: order fact: %w", err)
	}
	return nil
}

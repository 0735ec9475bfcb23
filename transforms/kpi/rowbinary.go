package kpi

import (
	"fmt"

	"github.com/deliverypipe/deliverypipe/transforms/wire"
)

// The KPI rows' binary forms (package wire): how they cross the Parquet
// sinks' GroupByKeys (s3parquet.RegisterRowType) instead of Beam's
// reflective row coder. Each starts with its version byte; equal rows encode
// equally. AppendBinary never fails; its error is encoding.BinaryAppender's.
const (
	eventTypeCountVersion = 1
	restaurantKPIVersion  = 1
	zoneKPIVersion        = 1
)

// AppendBinary appends c's binary form to b.
func (c EventTypeCount) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, eventTypeCountVersion)
	b = wire.AppendVarint(wire.AppendVarint(wire.AppendVarint(b, c.WindowStart), c.WindowEnd), c.Pane)
	b = wire.AppendString(wire.AppendString(b, c.Timing), c.EventType)
	return wire.AppendVarint(b, c.Count), nil
}

// UnmarshalBinary sets c from data, exactly one row's binary form.
func (c *EventTypeCount) UnmarshalBinary(data []byte) error {
	d, err := versioned(data, eventTypeCountVersion, "event type count")
	if err != nil {
		return err
	}
	c.WindowStart, c.WindowEnd, c.Pane = d.Varint(), d.Varint(), d.Varint()
	c.Timing, c.EventType = d.String(), d.String()
	c.Count = d.Varint()
	return done(d, "event type count")
}

// AppendBinary appends k's binary form to b.
func (k RestaurantKPI) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, restaurantKPIVersion)
	b = wire.AppendVarint(wire.AppendVarint(wire.AppendVarint(b, k.WindowStart), k.WindowEnd), k.Pane)
	b = wire.AppendString(wire.AppendString(b, k.Timing), k.RestaurantID)
	return appendMeasures(b, k.OrdersCreated, k.OrdersDelivered, k.OrdersCancelled, k.DeliveryCount,
		k.GMV, k.DeliveryMinMean, k.DeliveryMinP50, k.DeliveryMinP90), nil
}

// UnmarshalBinary sets k from data, exactly one row's binary form.
func (k *RestaurantKPI) UnmarshalBinary(data []byte) error {
	d, err := versioned(data, restaurantKPIVersion, "restaurant KPI")
	if err != nil {
		return err
	}
	k.WindowStart, k.WindowEnd, k.Pane = d.Varint(), d.Varint(), d.Varint()
	k.Timing, k.RestaurantID = d.String(), d.String()
	readMeasures(d, &k.OrdersCreated, &k.OrdersDelivered, &k.OrdersCancelled, &k.DeliveryCount,
		&k.GMV, &k.DeliveryMinMean, &k.DeliveryMinP50, &k.DeliveryMinP90)
	return done(d, "restaurant KPI")
}

// AppendBinary appends k's binary form to b.
func (k ZoneKPI) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, zoneKPIVersion)
	b = wire.AppendVarint(wire.AppendVarint(wire.AppendVarint(b, k.WindowStart), k.WindowEnd), k.Pane)
	b = wire.AppendString(wire.AppendString(b, k.Timing), k.Zone)
	b = appendMeasures(b, k.OrdersCreated, k.OrdersDelivered, k.OrdersCancelled, k.DeliveryCount,
		k.GMV, k.DeliveryMinMean, k.DeliveryMinP50, k.DeliveryMinP90)
	return wire.AppendVarint(b, k.ActiveDrivers), nil
}

// UnmarshalBinary sets k from data, exactly one row's binary form.
func (k *ZoneKPI) UnmarshalBinary(data []byte) error {
	d, err := versioned(data, zoneKPIVersion, "zone KPI")
	if err != nil {
		return err
	}
	k.WindowStart, k.WindowEnd, k.Pane = d.Varint(), d.Varint(), d.Varint()
	k.Timing, k.Zone = d.String(), d.String()
	readMeasures(d, &k.OrdersCreated, &k.OrdersDelivered, &k.OrdersCancelled, &k.DeliveryCount,
		&k.GMV, &k.DeliveryMinMean, &k.DeliveryMinP50, &k.DeliveryMinP90)
	k.ActiveDrivers = d.Varint()
	return done(d, "zone KPI")
}

// appendMeasures appends the measures the restaurant and zone rows share.
func appendMeasures(b []byte, created, delivered, cancelled, deliveries int64, gmv, mean, p50, p90 float64) []byte {
	for _, n := range [...]int64{created, delivered, cancelled, deliveries} {
		b = wire.AppendVarint(b, n)
	}
	for _, f := range [...]float64{gmv, mean, p50, p90} {
		b = wire.AppendFloat(b, f)
	}
	return b
}

func readMeasures(d *wire.Decoder, created, delivered, cancelled, deliveries *int64, gmv, mean, p50, p90 *float64) {
	for _, n := range [...]*int64{created, delivered, cancelled, deliveries} {
		*n = d.Varint()
	}
	for _, f := range [...]*float64{gmv, mean, p50, p90} {
		*f = d.Float()
	}
}

// versioned starts decoding a row whose form must begin with version.
func versioned(data []byte, version byte, what string) (*wire.Decoder, error) {
	d, err := wire.NewVersionedDecoder(data, version)
	if err != nil {
		return nil, fmt.Errorf("kpi: %s: %w", what, err)
	}
	return d, nil
}

func done(d *wire.Decoder, what string) error {
	if err := d.Done(); err != nil {
		return fmt.Errorf("kpi: %s: %w", what, err)
	}
	return nil
}

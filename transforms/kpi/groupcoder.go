package kpi

import (
	"fmt"

	"github.com/deliverypipe/deliverypipe/transforms/wire"
)

// entityGroup crosses the GroupByKey of every KPI, once per bucket, slot
// and bundle; its coder is hand-written so that a Java runner moves it as
// bytes instead of decoding and re-encoding it as a row (package wire).
func init() {
	wire.RegisterCoder(encodeGroup, decodeGroup)
}

func encodeGroup(g entityGroup) []byte {
	b := wire.AppendUvarint(nil, uint64(len(g.Entities)))
	for _, e := range g.Entities {
		a := &e.Accum
		b = wire.AppendString(b, e.Entity)
		for _, n := range []int64{a.Created, a.Delivered, a.Cancelled, a.GMVCents} {
			b = wire.AppendVarint(b, n)
		}
		b = wire.AppendUvarint(b, uint64(len(a.Minutes)))
		for _, m := range a.Minutes {
			b = wire.AppendFloat(b, m)
		}
		b = wire.AppendUvarint(b, uint64(len(a.Drivers)))
		for _, d := range a.Drivers {
			b = wire.AppendString(b, d)
		}
	}
	return b
}

func decodeGroup(data []byte) (entityGroup, error) {
	d := wire.NewDecoder(data)
	g := entityGroup{Entities: make([]entityAccum, d.Count())}
	for i := range g.Entities {
		e := &g.Entities[i]
		a := &e.Accum
		e.Entity = d.String()
		for _, n := range []*int64{&a.Created, &a.Delivered, &a.Cancelled, &a.GMVCents} {
			*n = d.Varint()
		}
		if n := d.Count(); n > 0 {
			a.Minutes = make([]float64, n)
			for j := range a.Minutes {
				a.Minutes[j] = d.Float()
			}
		}
		if n := d.Count(); n > 0 {
			a.Drivers = make([]string, n)
			for j := range a.Drivers {
				a.Drivers[j] = d.String()
			}
		}
	}
	if err := d.Done(); err != nil {
		return entityGroup{}, fmt.Errorf("kpi: entity group: %w", err)
	}
	return g, nil
}

package kpi

import (
	"testing"

	"github.com/deliverypipe/deliverypipe/transforms/wire/wiretest"
)

func TestGroupCoder(t *testing.T) {
	for name, g := range map[string]entityGroup{
		"empty": {Entities: []entityAccum{}},
		"two": {Entities: []entityAccum{
			{Entity: "r-1", Accum: accum{Created: 3, Delivered: 2, Cancelled: 1, GMVCents: -1234, Minutes: []float64{12.5, 30}, Drivers: []string{"d-1", "d-2"}}},
			{Entity: "zone-u33", Accum: accum{Created: 1}},
		}},
	} {
		t.Run(name, func(t *testing.T) { wiretest.RoundTrip(t, g, encodeGroup, decodeGroup) })
	}
}

package kpi

import (
	"reflect"
	"testing"
)

func TestGroupCoder(t *testing.T) {
	for name, g := range map[string]entityGroup{
		"empty": {Entities: []entityAccum{}},
		"two": {Entities: []entityAccum{
			{Entity: "r-1", Accum: accum{Created: 3, Delivered: 2, Cancelled: 1, GMVCents: -1234, Minutes: []float64{12.5, 30}, Drivers: []string{"d-1", "d-2"}}},
			{Entity: "zone-u33", Accum: accum{Created: 1}},
		}},
	} {
		t.Run(name, func(t *testing.T) {
			enc := encodeGroup(g)
			got, err := decodeGroup(enc)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, g) {
				t.Errorf("round trip:\n got %#v\nwant %#v", got, g)
			}
			for n := range len(enc) {
				if _, err := decodeGroup(enc[:n]); err == nil {
					t.Errorf("first %d of %d bytes decoded without error", n, len(enc))
				}
			}
		})
	}
}

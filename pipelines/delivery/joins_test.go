package delivery

import (
	"testing"

	"github.com/deliverypipe/deliverypipe/transforms/kpi"
	"github.com/deliverypipe/deliverypipe/transforms/lifecycle"
)

// TestDeliveryOf: a fact is a delivery for the KPIs only when both its
// pick-up and its delivery were seen.
func TestDeliveryOf(t *testing.T) {
	tests := []struct {
		name string
		fact lifecycle.OrderFact
		want []kpi.Delivery
	}{
		{"delivered", lifecycle.OrderFact{OrderID: "o1", RestaurantID: "r1", DriverID: "d1", Zone: "u33dc0", PickedUpMillis: 60_000, DeliveredMillis: 1_260_000, DeliveryMinutes: 20},
			[]kpi.Delivery{{OrderID: "o1", RestaurantID: "r1", DriverID: "d1", Zone: "u33dc0", Minutes: 20}}},
		{"no pick-up seen", lifecycle.OrderFact{OrderID: "o2", DeliveredMillis: 1_260_000}, nil},
		{"cancelled after pick-up", lifecycle.OrderFact{OrderID: "o3", PickedUpMillis: 60_000, CancelledMillis: 120_000, Cancelled: true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []kpi.Delivery
			deliveryOf(tt.fact, func(d kpi.Delivery) { got = append(got, d) })
			if len(got) != len(tt.want) || (len(got) == 1 && got[0] != tt.want[0]) {
				t.Errorf("deliveryOf(%+v) = %+v, want %+v", tt.fact, got, tt.want)
			}
		})
	}
}

package kpi

import (
	"math/rand/v2"
	"testing"

	"github.com/deliverypipe/deliverypipe/transforms/wire/wiretest"
)

func TestKPIRowBinaryForms(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	counts := []EventTypeCount{{}, {WindowStart: -60_000, Pane: 3, Timing: "LATE", EventType: "delivered", Count: 7}}
	restaurants := []RestaurantKPI{{}, {RestaurantID: "r1", GMV: 12.5, DeliveryMinP90: 40}}
	zones := []ZoneKPI{{}, {Zone: "u33db2", ActiveDrivers: 3}}
	for range 30 {
		counts = append(counts, wiretest.Random[EventTypeCount](rng))
		restaurants = append(restaurants, wiretest.Random[RestaurantKPI](rng))
		zones = append(zones, wiretest.Random[ZoneKPI](rng))
	}
	t.Run("EventTypeCount", func(t *testing.T) { wiretest.BinaryForm(t, counts...) })
	t.Run("RestaurantKPI", func(t *testing.T) { wiretest.BinaryForm(t, restaurants...) })
	t.Run("ZoneKPI", func(t *testing.T) { wiretest.BinaryForm(t, zones...) })
}

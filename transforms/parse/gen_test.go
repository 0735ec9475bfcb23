package parse

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// testNow is the fixed "now" of the tests; generated events lie before it.
var testNow = time.Date(2026, 3, 14, 13, 0, 0, 0, time.UTC)

// genEvent returns a deterministic, valid event for seed i: every event type,
// 1–4 items on order_created, metadata on some, prices in cents.
func genEvent(i int) event.Event {
	r := rand.New(rand.NewPCG(uint64(i), 42))
	typ := event.Types[r.IntN(len(event.Types))]
	e := event.Event{
		EventID:         fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), r.IntN(1<<16), r.Uint64()>>16),
		SchemaVersion:   1,
		EventType:       typ,
		OrderID:         fmt.Sprintf("ord-%09d", r.IntN(1e9)),
		EventTimeMillis: testNow.Add(-time.Duration(r.IntN(3600_000)) * time.Millisecond).UnixMilli(),
		Location:        event.Location{Lat: 52.3 + r.Float64()*0.4, Lon: 13.1 + r.Float64()*0.6},
	}
	if typ != event.Cancelled || r.IntN(2) == 0 {
		e.RestaurantID = fmt.Sprintf("rest-%04d", r.IntN(5000))
	}
	if typ != event.OrderCreated && typ != event.Cancelled {
		e.DriverID = fmt.Sprintf("drv-%05d", r.IntN(20000))
	}
	if typ == event.OrderCreated {
		var total float64
		for range 1 + r.IntN(4) {
			it := event.Item{ItemID: fmt.Sprintf("itm-%d", r.IntN(300)), Qty: 1 + int64(r.IntN(3)), Price: float64(100+r.IntN(3000)) / 100}
			e.Items = append(e.Items, it)
			total += float64(it.Qty) * it.Price
		}
		e.TotalPrice = math.Round(total*100) / 100
	}
	if r.IntN(3) == 0 {
		e.Metadata = map[string]string{"app": []string{"ios", "android", "web"}[r.IntN(3)], "promo": "SPRING"}
	}
	return e
}

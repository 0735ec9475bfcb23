package compare

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/deliverypipe/deliverypipe/internal/simulator"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery/tables"
	"github.com/deliverypipe/deliverypipe/transforms/event"
	"github.com/deliverypipe/deliverypipe/transforms/kpi"
	"github.com/deliverypipe/deliverypipe/transforms/lifecycle"
)

// fromWant builds outputs that agree with w in every check: the KPI items
// and Parquet rows (one pane), the status table and the dead letters.
func fromWant(w Want) Got {
	var g Got
	for k, n := range w.EventTypes {
		c := kpi.EventTypeCount{WindowStart: k.WindowStart, EventType: k.EventType, Count: n}
		g.EventTypeItems = append(g.EventTypeItems, tables.EventTypeItemOf(c))
		g.EventTypeRows = append(g.EventTypeRows, c)
	}
	for k, r := range w.Restaurants {
		n, mean, p50, p90 := r.DeliveryStats()
		row := kpi.RestaurantKPI{WindowStart: k.WindowStart, RestaurantID: k.Key, OrdersCreated: r.Created, OrdersDelivered: r.Delivered,
			OrdersCancelled: r.Cancelled, GMV: float64(r.GMVCents) / 100, DeliveryCount: n, DeliveryMinMean: mean, DeliveryMinP50: p50, DeliveryMinP90: p90}
		g.RestaurantItems = append(g.RestaurantItems, tables.RestaurantItemOf(row))
		g.RestaurantRows = append(g.RestaurantRows, row)
	}
	for k, z := range w.Zones {
		n, mean, p50, p90 := z.DeliveryStats()
		row := kpi.ZoneKPI{WindowStart: k.WindowStart, Zone: k.Key, OrdersCreated: z.Created, OrdersDelivered: z.Delivered,
			OrdersCancelled: z.Cancelled, GMV: float64(z.GMVCents) / 100, DeliveryCount: n, DeliveryMinMean: mean, DeliveryMinP50: p50, DeliveryMinP90: p90,
			ActiveDrivers: int64(len(z.Drivers))}
		g.ZoneItems = append(g.ZoneItems, tables.ZoneItemOf(row))
		g.ZoneRows = append(g.ZoneRows, row)
	}
	for id, st := range w.Statuses {
		g.Statuses = append(g.Statuses, lifecycle.Status{OrderID: id, Status: string(st), Rank: StatusRank[st]})
	}
	g.DeadLetterLines = w.DeadLetters
	return g
}

// TestCompareReportsEachOutput feeds Compare outputs that differ from the
// reference in one output at a time and checks that exactly that check
// reports it: a comparator that skipped one would pass a broken pipeline.
func TestCompareReportsEachOutput(t *testing.T) {
	cfg := simulator.DefaultConfig()
	cfg.Orders = 40
	sim, err := simulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sent, err := sim.Generate()
	if err != nil {
		t.Fatal(err)
	}
	want := Expect(sent, delivery.DefaultOptions(), 2)
	// A delivered order, for the status cases.
	var delivered string
	for id, st := range want.Statuses {
		if st == event.Delivered {
			delivered = id
			break
		}
	}
	if delivered == "" || len(want.Restaurants) == 0 || len(want.Zones) == 0 {
		t.Fatal("the reference has no delivered order, restaurant or zone: the cases would prove nothing")
	}
	// withDeliveries finds a row with deliveries, so percentile edits change something.
	firstWithDeliveries := func(n int, count func(i int) int64) int {
		for i := range n {
			if count(i) > 0 {
				return i
			}
		}
		t.Fatal("no row with deliveries")
		return -1
	}
	tests := []struct {
		name  string
		check string // the one check that must report it; "" = none
		edit  func(g *Got)
	}{
		{"as the reference", "", func(*Got) {}},
		{"event-type count in DynamoDB", "dynamodb", func(g *Got) { g.EventTypeItems[0].Count++ }},
		{"event-type item missing", "dynamodb", func(g *Got) { g.EventTypeItems = g.EventTypeItems[1:] }},
		{"event-type count in Parquet", "parquet", func(g *Got) { g.EventTypeRows[0].Count-- }},
		{"event-type extra row in Parquet", "parquet", func(g *Got) {
			g.EventTypeRows = append(g.EventTypeRows, kpi.EventTypeCount{WindowStart: 0, EventType: "order_created", Count: 1})
		}},
		{"restaurant orders created in DynamoDB", "restaurant KPIs", func(g *Got) { g.RestaurantItems[0].OrdersCreated++ }},
		{"restaurant GMV in Parquet", "restaurant KPIs", func(g *Got) { g.RestaurantRows[0].GMV += 0.01 }},
		{"restaurant cancelled in Parquet", "restaurant KPIs", func(g *Got) { g.RestaurantRows[0].OrdersCancelled++ }},
		{"restaurant p90 in Parquet", "restaurant KPIs", func(g *Got) {
			i := firstWithDeliveries(len(g.RestaurantRows), func(i int) int64 { return g.RestaurantRows[i].DeliveryCount })
			g.RestaurantRows[i].DeliveryMinP90 += 1
		}},
		{"restaurant row missing in DynamoDB", "restaurant KPIs", func(g *Got) { g.RestaurantItems = g.RestaurantItems[1:] }},
		{"zone delivered in DynamoDB", "zone KPIs", func(g *Got) { g.ZoneItems[0].OrdersDelivered++ }},
		{"zone active drivers in Parquet", "zone KPIs", func(g *Got) { g.ZoneRows[0].ActiveDrivers++ }},
		{"zone p50 in DynamoDB", "zone KPIs", func(g *Got) {
			i := firstWithDeliveries(len(g.ZoneItems), func(i int) int64 { return g.ZoneItems[i].DeliveryCount })
			g.ZoneItems[i].DeliveryMinP50 += 1
		}},
		{"zone mean in Parquet", "zone KPIs", func(g *Got) {
			i := firstWithDeliveries(len(g.ZoneRows), func(i int) int64 { return g.ZoneRows[i].DeliveryCount })
			g.ZoneRows[i].DeliveryMinMean += 1e-6
		}},
		{"zone row missing in Parquet", "zone KPIs", func(g *Got) { g.ZoneRows = g.ZoneRows[1:] }},
		{"status rolled back", "order status", func(g *Got) {
			for i := range g.Statuses {
				if g.Statuses[i].OrderID == delivered {
					g.Statuses[i].Status, g.Statuses[i].Rank = string(event.PickedUp), 3
				}
			}
		}},
		{"status with a wrong rank", "order status", func(g *Got) {
			for i := range g.Statuses {
				if g.Statuses[i].OrderID == delivered {
					g.Statuses[i].Rank = 3
				}
			}
		}},
		{"status missing", "order status", func(g *Got) { g.Statuses = g.Statuses[1:] }},
		{"a dead letter more", "dead letters", func(g *Got) { g.DeadLetterLines++ }},
		{"no dead letters", "dead letters", func(g *Got) { g.DeadLetterLines = 0 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := fromWant(want)
			tc.edit(&g)
			checks := Compare(want, g)
			names := map[string]bool{}
			for _, c := range checks {
				names[c.Name] = true
				if has := len(c.Diffs) > 0; has != (c.Name == tc.check) {
					t.Errorf("check %q: differences %q, want some: %v", c.Name, c.Diffs, c.Name == tc.check)
				}
			}
			// Every output has its check; none may be dropped.
			wantNames := map[string]bool{"dynamodb": true, "parquet": true, "restaurant KPIs": true, "zone KPIs": true, "order status": true, "dead letters": true}
			if !reflect.DeepEqual(names, wantNames) {
				t.Errorf("checks %v, want %v", names, wantNames)
			}
			if Equal(checks) != (tc.check == "") {
				t.Errorf("Equal = %v, want %v\n%s", Equal(checks), tc.check == "", Summary(checks))
			}
		})
	}
}

// TestExpectStatuses pins the reference status of an order to the rule
// (latest by lifecycle rank created < accepted < picked_up < delivered =
// cancelled, then by event time), with events whose times disagree with
// their ranks.
func TestExpectStatuses(t *testing.T) {
	const min = int64(60_000)
	e := func(order string, typ event.Type, at int64) event.Event {
		return event.Event{EventID: fmt.Sprint(order, typ, at), OrderID: order, EventType: typ, EventTimeMillis: at}
	}
	sent := []event.Event{
		// a: picked_up stamped before accepted: rank wins over time.
		e("a", event.OrderCreated, 0), e("a", event.PickedUp, 5*min), e("a", event.OrderAccepted, 9*min),
		// b: delivered, then a cancellation after it: equal rank, later wins.
		e("b", event.OrderCreated, 0), e("b", event.Delivered, 20*min), e("b", event.Cancelled, 21*min),
		// c: cancelled, then a delivery after it.
		e("c", event.OrderCreated, 0), e("c", event.Cancelled, 3*min), e("c", event.Delivered, 30*min),
		// d: created stamped after accepted.
		e("d", event.OrderAccepted, 1*min), e("d", event.OrderCreated, 2*min),
		// f: delivered stamped before picked_up and created.
		e("f", event.Delivered, 1*min), e("f", event.PickedUp, 2*min), e("f", event.OrderCreated, 3*min),
	}
	got := Expect(sent, delivery.DefaultOptions(), 0).Statuses
	want := map[string]event.Type{"a": event.PickedUp, "b": event.Cancelled, "c": event.Delivered, "d": event.OrderAccepted, "f": event.Delivered}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	for typ, r := range map[event.Type]int64{event.OrderCreated: 1, event.OrderAccepted: 2, event.PickedUp: 3, event.Delivered: 4, event.Cancelled: 4} {
		if StatusRank[typ] != r {
			t.Errorf("StatusRank[%s] = %d, want %d", typ, StatusRank[typ], r)
		}
	}
	if len(StatusRank) != 5 {
		t.Errorf("StatusRank has %d entries, want the 5 event types", len(StatusRank))
	}
}

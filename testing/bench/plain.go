package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/deliverypipe/deliverypipe/testing/reference"
	"github.com/deliverypipe/deliverypipe/transforms/enrich"
	"github.com/deliverypipe/deliverypipe/transforms/event"
	"github.com/deliverypipe/deliverypipe/transforms/parse"
)

// Rows counts the outputs of one run, so the graph and the plain loop can be
// checked against each other before their speeds are compared.
type Rows struct {
	Valid, Unique, DeadLetters     int64
	EventTypeCounts, OrderFacts    int64
	RestaurantKPIs, ZoneKPIs       int64
	Enriched, UnknownRestaurants   int64
	DeliveredOrders, ExpiredOrders int64
}

// Plain computes what the full graph computes with no framework: decode and
// validate (the pipeline's parse.DecodeValidate), dedup, enrichment (the
// pipeline's dimension join), then the order lifecycle and every KPI with the
// independent reference package. It is the ceiling the graph is measured
// against. size and period are the sliding windows.
func Plain(ctx context.Context, w *Workload, size, period time.Duration) (Rows, error) {
	var r Rows
	dims, err := enrich.LoadDimensions(ctx, w.RestaurantsCSV, w.DriversCSV, false)
	if err != nil {
		return r, fmt.Errorf("bench: %w", err)
	}
	now, limits := time.Now(), parse.DefaultLimits()
	valid := make([]event.Event, 0, len(w.Lines))
	for _, l := range w.Lines {
		var e event.Event
		if err := parse.DecodeValidate(l, now, limits, &e); err != nil {
			r.DeadLetters++
			continue
		}
		valid = append(valid, e)
	}
	r.Valid = int64(len(valid))
	events := reference.Dedup(valid)
	r.Unique = int64(len(events))
	for _, e := range events {
		if dims.Enrich(e).UnknownRestaurant {
			r.UnknownRestaurants++
		}
		r.Enriched++
	}
	orders := reference.Orders(events)
	r.OrderFacts = int64(len(orders))
	for _, o := range orders {
		if o.Delivered == 0 && o.Cancelled == 0 {
			r.ExpiredOrders++
		}
		if o.Delivered != 0 && o.PickedUp != 0 {
			r.DeliveredOrders++
		}
	}
	r.EventTypeCounts = int64(len(reference.EventTypeCounts(events, size, period)))
	r.RestaurantKPIs = int64(len(reference.RestaurantKPIs(events, orders, size, period)))
	r.ZoneKPIs = int64(len(reference.ZoneKPIs(events, orders, size, period)))
	return r, nil
}

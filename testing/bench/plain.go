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
// against (with PlainFiles, which writes the tables too). size and period are
// the sliding windows.
func Plain(ctx context.Context, w *Workload, size, period time.Duration) (Rows, error) {
	r, _, err := plain(ctx, w, size, period)
	return r, err
}

// plainOutputs are the results of the plain loop, for PlainFiles.
type plainOutputs struct {
	dead               []parse.DeadLetter
	enriched           []enrich.Enriched
	orders             map[string]*reference.Order
	eventTypes         map[reference.WindowKey]int64
	restaurants, zones map[reference.GroupKey]*reference.GroupKPI
}

func plain(ctx context.Context, w *Workload, size, period time.Duration) (Rows, plainOutputs, error) {
	var r Rows
	var out plainOutputs
	dims, err := enrich.LoadDimensions(ctx, w.RestaurantsCSV, w.DriversCSV)
	if err != nil {
		return r, out, fmt.Errorf("bench: %w", err)
	}
	now, limits := time.Now(), parse.DefaultLimits()
	valid := make([]event.Event, 0, len(w.Lines))
	for _, l := range w.Lines {
		var e event.Event
		if err := parse.DecodeValidate(l, now, limits, &e); err != nil {
			r.DeadLetters++
			out.dead = append(out.dead, parse.DeadLetter{Raw: l, Reason: err.Error(), Shard: "bench", IngestMillis: 1})
			continue
		}
		valid = append(valid, e)
	}
	r.Valid = int64(len(valid))
	events := reference.Dedup(valid)
	r.Unique = int64(len(events))
	out.enriched = make([]enrich.Enriched, len(events))
	for i, e := range events {
		out.enriched[i] = dims.Enrich(e)
		if out.enriched[i].UnknownRestaurant {
			r.UnknownRestaurants++
		}
		r.Enriched++
	}
	out.orders = reference.Orders(events)
	r.OrderFacts = int64(len(out.orders))
	for _, o := range out.orders {
		if o.Delivered == 0 && o.Cancelled == 0 {
			r.ExpiredOrders++
		}
		if o.Delivered != 0 && o.PickedUp != 0 {
			r.DeliveredOrders++
		}
	}
	out.eventTypes = reference.EventTypeCounts(events, size, period)
	out.restaurants = reference.RestaurantKPIs(events, out.orders, size, period)
	out.zones = reference.ZoneKPIs(events, out.orders, size, period)
	r.EventTypeCounts = int64(len(out.eventTypes))
	r.RestaurantKPIs = int64(len(out.restaurants))
	r.ZoneKPIs = int64(len(out.zones))
	return r, out, nil
}

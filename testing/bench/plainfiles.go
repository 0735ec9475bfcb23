package bench

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/deliverypipe/deliverypipe/pipelines/delivery"
	"github.com/deliverypipe/deliverypipe/testing/reference"
	"github.com/deliverypipe/deliverypipe/transforms/enrich"
	"github.com/deliverypipe/deliverypipe/transforms/kpi"
	"github.com/deliverypipe/deliverypipe/transforms/lifecycle"
)

// PlainFiles is Plain followed by what the graph's sinks do, the ceiling of
// BenchmarkFullGraph: every table's rows (the pipeline's row types) written
// as zstd Parquet files with parquet-go's generic writer, one file per
// window as the graph writes one object per window (hourly for the events
// and order facts), and the dead letters as JSON Lines, under
// dir/FilesBucket/<table>/, where FileRows counts them.
func PlainFiles(ctx context.Context, w *Workload, size, period time.Duration, dir string) (Rows, error) {
	r, out, err := plain(ctx, w, size, period)
	if err != nil {
		return r, err
	}
	root := filepath.Join(dir, FilesBucket)
	hour := time.Hour.Milliseconds()
	events := map[int64][]enrich.ArchiveRow{}
	for _, e := range out.enriched {
		t := e.Event.EventTimeMillis
		events[t-t%hour] = append(events[t-t%hour], enrich.ArchiveRowOf(e))
	}
	facts := map[int64][]lifecycle.OrderFact{}
	for _, o := range out.orders {
		f := fact(o)
		t := cmp.Or(f.DeliveredMillis, f.CancelledMillis, f.CreatedMillis, f.AcceptedMillis, f.PickedUpMillis)
		facts[t-t%hour] = append(facts[t-t%hour], f)
	}
	eventTypes := map[int64][]kpi.EventTypeCount{}
	for k, n := range out.eventTypes {
		eventTypes[k.WindowStart] = append(eventTypes[k.WindowStart], kpi.EventTypeCount{
			WindowStart: k.WindowStart, WindowEnd: k.WindowStart + size.Milliseconds(), Timing: "ON_TIME", EventType: k.EventType, Count: n})
	}
	restaurants := map[int64][]kpi.RestaurantKPI{}
	for k, g := range out.restaurants {
		n, mean, p50, p90 := g.DeliveryStats()
		restaurants[k.WindowStart] = append(restaurants[k.WindowStart], kpi.RestaurantKPI{
			WindowStart: k.WindowStart, WindowEnd: k.WindowStart + size.Milliseconds(), Timing: "ON_TIME", RestaurantID: k.Key,
			OrdersCreated: g.Created, OrdersDelivered: g.Delivered, OrdersCancelled: g.Cancelled, GMV: float64(g.GMVCents) / 100,
			DeliveryCount: n, DeliveryMinMean: mean, DeliveryMinP50: p50, DeliveryMinP90: p90})
	}
	zones := map[int64][]kpi.ZoneKPI{}
	for k, g := range out.zones {
		n, mean, p50, p90 := g.DeliveryStats()
		zones[k.WindowStart] = append(zones[k.WindowStart], kpi.ZoneKPI{
			WindowStart: k.WindowStart, WindowEnd: k.WindowStart + size.Milliseconds(), Timing: "ON_TIME", Zone: k.Key,
			OrdersCreated: g.Created, OrdersDelivered: g.Delivered, OrdersCancelled: g.Cancelled, GMV: float64(g.GMVCents) / 100,
			DeliveryCount: n, DeliveryMinMean: mean, DeliveryMinP50: p50, DeliveryMinP90: p90, ActiveDrivers: int64(len(g.Drivers))})
	}
	for _, err := range []error{
		writeTable(root, delivery.EventsTableName, events, func(a, b enrich.ArchiveRow) int { return cmp.Compare(a.EventID, b.EventID) }),
		writeTable(root, delivery.OrderFactsTableName, facts, func(a, b lifecycle.OrderFact) int { return cmp.Compare(a.OrderID, b.OrderID) }),
		writeTable(root, delivery.EventTypeCountsTableName, eventTypes, func(a, b kpi.EventTypeCount) int { return cmp.Compare(a.EventType, b.EventType) }),
		writeTable(root, delivery.RestaurantKPIsTableName, restaurants, func(a, b kpi.RestaurantKPI) int { return cmp.Compare(a.RestaurantID, b.RestaurantID) }),
		writeTable(root, delivery.ZoneKPIsTableName, zones, func(a, b kpi.ZoneKPI) int { return cmp.Compare(a.Zone, b.Zone) }),
		writeDeadLetters(root, out),
	} {
		if err != nil {
			return r, fmt.Errorf("bench: plain files: %w", err)
		}
	}
	return r, nil
}

// fact is the order fact of a reference order (lifecycle's rules for the
// derived fields).
func fact(o *reference.Order) lifecycle.OrderFact {
	minutes := func(from, to int64) float64 {
		if from == 0 || to == 0 {
			return 0
		}
		return float64(to-from) / 60_000
	}
	return lifecycle.OrderFact{
		OrderID: o.ID, RestaurantID: o.RestaurantID, DriverID: o.DriverID, Zone: o.DeliveryZone,
		CreatedMillis: o.Created, AcceptedMillis: o.Accepted, PickedUpMillis: o.PickedUp,
		DeliveredMillis: o.Delivered, CancelledMillis: o.Cancelled,
		PrepMinutes: minutes(o.Created, o.PickedUp), DeliveryMinutes: minutes(o.PickedUp, o.Delivered),
		TotalMinutes: minutes(o.Created, o.Delivered),
		Cancelled:    o.Cancelled != 0 && o.Delivered == 0, Complete: o.Delivered != 0 || o.Cancelled != 0,
	}
}

// writeTable writes each window's rows, sorted, to root/table/<start>.parquet.
func writeTable[T any](root, table string, windows map[int64][]T, order func(a, b T) int) error {
	dir := filepath.Join(root, table)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for start, rows := range windows {
		slices.SortFunc(rows, order)
		f, err := os.Create(filepath.Join(dir, strconv.FormatInt(start, 10)+".parquet"))
		if err != nil {
			return err
		}
		w := parquet.NewGenericWriter[T](f, parquet.Compression(&parquet.Zstd))
		_, err = w.Write(rows)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s window %d: %w", table, start, err)
		}
	}
	return nil
}

// writeDeadLetters writes the dead letters as JSON Lines.
func writeDeadLetters(root string, out plainOutputs) error {
	dir := filepath.Join(root, delivery.DeadLetterTableName)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "all.jsonl"))
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	enc := json.NewEncoder(bw)
	for _, d := range out.dead {
		if err := enc.Encode(d); err != nil {
			f.Close()
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

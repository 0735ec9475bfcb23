// Package compare reads what the deliverypipe graph wrote to DynamoDB and S3
// and compares it with the independent reference (testing/reference), KPI by
// KPI. The end-to-end tests on prism, Flink and Spark share it.
//
// Panes: a KPI row of a later pane holds the window's full value (panes
// accumulate), so the newest pane of each window and key is the final value.
// DynamoDB keeps only that one (pane-versioned upserts); of the Parquet rows,
// the one with the highest pane index is compared.
package compare

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/parquet-go/parquet-go"

	"github.com/deliverypipe/deliverypipe/pipelines/delivery"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery/tables"
	"github.com/deliverypipe/deliverypipe/testing/reference"
	"github.com/deliverypipe/deliverypipe/transforms/event"
	"github.com/deliverypipe/deliverypipe/transforms/kpi"
	"github.com/deliverypipe/deliverypipe/transforms/lifecycle"
)

// Sinks names where a run wrote its outputs (delivery.Sinks without KMS).
type Sinks struct {
	Bucket, Prefix, KPITable, StatusTable string
}

// Want is the reference result of a run.
type Want struct {
	EventTypes         map[reference.WindowKey]int64
	Restaurants, Zones map[reference.GroupKey]*reference.GroupKPI
	// Statuses is each order's latest status by lifecycle rank, then event time.
	Statuses    map[string]event.Type
	DeadLetters int
}

// Expect computes the reference for the events sent (duplicates included:
// they are removed here as the pipeline's dedup does) and the number of
// records that must be dead-lettered.
func Expect(sent []event.Event, o delivery.Options, deadLetters int) Want {
	events := reference.Dedup(sent)
	orders := reference.Orders(events)
	w := Want{
		EventTypes:  reference.EventTypeCounts(events, o.WindowSize, o.WindowPeriod),
		Restaurants: reference.RestaurantKPIs(events, orders, o.WindowSize, o.WindowPeriod),
		Zones:       reference.ZoneKPIs(events, orders, o.WindowSize, o.WindowPeriod),
		Statuses:    map[string]event.Type{},
		DeadLetters: deadLetters,
	}
	best := map[string][2]int64{}
	for _, e := range events {
		k := [2]int64{StatusRank[e.EventType], e.EventTimeMillis}
		if b, ok := best[e.OrderID]; !ok || k[0] > b[0] || (k[0] == b[0] && k[1] > b[1]) {
			best[e.OrderID], w.Statuses[e.OrderID] = k, e.EventType
		}
	}
	return w
}

// StatusRank is the lifecycle rank of each status, the order the status
// table never rolls back in (README, "Outputs"; io/dynamodbio): created <
// accepted < picked_up < delivered, and cancelled as final as delivered (of
// the two, the later event time wins). Written out here, not taken from
// event.Type.Rank, so a wrong rank in the pipeline shows as a difference.
var StatusRank = map[event.Type]int64{
	event.OrderCreated:  1,
	event.OrderAccepted: 2,
	event.PickedUp:      3,
	event.Delivered:     4,
	event.Cancelled:     4,
}

// Got is what a run wrote.
type Got struct {
	EventTypeItems  []tables.EventTypeItem
	RestaurantItems []tables.RestaurantItem
	ZoneItems       []tables.ZoneItem
	EventTypeRows   []kpi.EventTypeCount
	RestaurantRows  []kpi.RestaurantKPI
	ZoneRows        []kpi.ZoneKPI
	Statuses        []lifecycle.Status // empty when Sinks.StatusTable is
	DeadLetterLines int
}

// Read scans the KPI and status tables and reads every Parquet and
// dead-letter object under the prefix. Missing objects are not an error (a
// streaming run may not have written them yet): Compare reports them.
func Read(ctx context.Context, cfg aws.Config, k Sinks) (Got, error) {
	var g Got
	ddb := dynamodb.NewFromConfig(cfg)
	items, err := scanAll(ctx, ddb, k.KPITable)
	if err != nil {
		return g, err
	}
	byPrefix := map[string][]map[string]types.AttributeValue{}
	for _, item := range items {
		pk, _ := item["pk"].(*types.AttributeValueMemberS)
		if pk == nil || !strings.Contains(pk.Value, "#") {
			return g, fmt.Errorf("compare: KPI item without a pk of the form kind#id: %v", item)
		}
		prefix := pk.Value[:strings.Index(pk.Value, "#")+1]
		byPrefix[prefix] = append(byPrefix[prefix], item)
	}
	if err := unmarshal(byPrefix[tables.EventTypePrefix], &g.EventTypeItems); err != nil {
		return g, err
	}
	if err := unmarshal(byPrefix[tables.RestaurantPrefix], &g.RestaurantItems); err != nil {
		return g, err
	}
	if err := unmarshal(byPrefix[tables.ZonePrefix], &g.ZoneItems); err != nil {
		return g, err
	}
	if k.StatusTable != "" {
		st, err := scanAll(ctx, ddb, k.StatusTable)
		if err != nil {
			return g, err
		}
		if err := unmarshal(st, &g.Statuses); err != nil {
			return g, err
		}
	}

	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	base := k.Prefix + "/"
	if g.EventTypeRows, err = readParquet[kpi.EventTypeCount](ctx, s3c, k.Bucket, base+delivery.EventTypeCountsTableName+"/"); err != nil {
		return g, err
	}
	if g.RestaurantRows, err = readParquet[kpi.RestaurantKPI](ctx, s3c, k.Bucket, base+delivery.RestaurantKPIsTableName+"/"); err != nil {
		return g, err
	}
	if g.ZoneRows, err = readParquet[kpi.ZoneKPI](ctx, s3c, k.Bucket, base+delivery.ZoneKPIsTableName+"/"); err != nil {
		return g, err
	}
	dead, err := readObjects(ctx, s3c, k.Bucket, base+delivery.DeadLetterTableName+"/")
	if err != nil {
		return g, err
	}
	for _, body := range dead {
		g.DeadLetterLines += bytes.Count(body, []byte("\n"))
	}
	return g, nil
}

// Check is one comparison and the differences it found (none: equal).
type Check struct {
	Name  string
	Diffs []string
}

// Equal reports whether every check found no difference.
func Equal(checks []Check) bool {
	for _, c := range checks {
		if len(c.Diffs) > 0 {
			return false
		}
	}
	return true
}

// Summary lists the checks that differ with their first differences.
func Summary(checks []Check) string {
	var b strings.Builder
	for _, c := range checks {
		if len(c.Diffs) > 0 {
			fmt.Fprintf(&b, "%s: %d differences\n  %s\n", c.Name, len(c.Diffs), strings.Join(c.Diffs[:min(len(c.Diffs), 5)], "\n  "))
		}
	}
	return b.String()
}

// Compare checks every output against the reference: event-type counts,
// restaurant and zone KPIs in DynamoDB and in Parquet, order statuses (when
// g has any or want expects none) and the dead-letter count.
func Compare(w Want, g Got) []Check {
	const limit = 20
	var checks []Check

	fromItems := map[reference.WindowKey]int64{}
	var diffs []string
	for _, it := range g.EventTypeItems {
		k := reference.WindowKey{WindowStart: it.SK, EventType: it.EventType}
		if _, dup := fromItems[k]; dup {
			diffs = append(diffs, fmt.Sprintf("two items for %+v", k))
		}
		fromItems[k] = it.Count
	}
	checks = append(checks, Check{"dynamodb", append(diffs, reference.Diff(w.EventTypes, fromItems, limit)...)})

	fromRows, diffs := newest(g.EventTypeRows, func(r kpi.EventTypeCount) (reference.WindowKey, int64, int64) {
		return reference.WindowKey{WindowStart: r.WindowStart, EventType: r.EventType}, r.Pane, r.Count
	})
	checks = append(checks, Check{"parquet", append(diffs, reference.Diff(w.EventTypes, fromRows, limit)...)})

	restItems := map[reference.GroupKey]groupRow{}
	for _, it := range g.RestaurantItems {
		restItems[reference.GroupKey{WindowStart: it.SK, Key: it.RestaurantID}] = restaurantRow(it.Row())
	}
	restRows, rdiffs := newest(g.RestaurantRows, func(r kpi.RestaurantKPI) (reference.GroupKey, int64, groupRow) {
		return reference.GroupKey{WindowStart: r.WindowStart, Key: r.RestaurantID}, r.Pane, restaurantRow(r)
	})
	checks = append(checks, Check{"restaurant KPIs", slicesConcat(
		compareGroups("DynamoDB", w.Restaurants, restItems, false),
		rdiffs, compareGroups("Parquet", w.Restaurants, restRows, false))})

	zoneItems := map[reference.GroupKey]groupRow{}
	for _, it := range g.ZoneItems {
		zoneItems[reference.GroupKey{WindowStart: it.SK, Key: it.Zone}] = zoneRow(it.Row())
	}
	zoneRows, zdiffs := newest(g.ZoneRows, func(r kpi.ZoneKPI) (reference.GroupKey, int64, groupRow) {
		return reference.GroupKey{WindowStart: r.WindowStart, Key: r.Zone}, r.Pane, zoneRow(r)
	})
	checks = append(checks, Check{"zone KPIs", slicesConcat(
		compareGroups("DynamoDB", w.Zones, zoneItems, true),
		zdiffs, compareGroups("Parquet", w.Zones, zoneRows, true))})

	var sdiffs []string
	got := map[string]event.Type{}
	for _, st := range g.Statuses {
		got[st.OrderID] = event.Type(st.Status)
		// The stored rank is what later upserts are compared with.
		if r := StatusRank[event.Type(st.Status)]; st.Rank != r && len(sdiffs) < limit {
			sdiffs = append(sdiffs, fmt.Sprintf("order %s: status %q stored with rank %d, want %d", st.OrderID, st.Status, st.Rank, r))
		}
	}
	if len(got) != len(w.Statuses) {
		sdiffs = append(sdiffs, fmt.Sprintf("%d orders in the status table, want %d", len(got), len(w.Statuses)))
	}
	for id, want := range w.Statuses {
		if got[id] != want && len(sdiffs) < limit {
			sdiffs = append(sdiffs, fmt.Sprintf("order %s: status %q, want %q", id, got[id], want))
		}
	}
	checks = append(checks, Check{"order status", sdiffs})

	var ddiffs []string
	if g.DeadLetterLines != w.DeadLetters {
		ddiffs = append(ddiffs, fmt.Sprintf("%d dead letters, want %d", g.DeadLetterLines, w.DeadLetters))
	}
	return append(checks, Check{"dead letters", ddiffs})
}

// newest keeps, per key, the value of the row with the highest pane index.
// Two rows of the same pane must agree (a retried bundle rewrites its own
// object); if they do not, that is reported.
func newest[R any, K comparable, V comparable](rows []R, key func(R) (K, int64, V)) (map[K]V, []string) {
	type best struct {
		pane int64
		v    V
	}
	bests := map[K]best{}
	var diffs []string
	for _, r := range rows {
		k, pane, v := key(r)
		b, ok := bests[k]
		switch {
		case !ok || pane > b.pane:
			bests[k] = best{pane, v}
		case pane == b.pane && v != b.v:
			diffs = append(diffs, fmt.Sprintf("%v: two different rows for pane %d: %+v and %+v", k, pane, b.v, v))
		}
	}
	out := make(map[K]V, len(bests))
	for k, b := range bests {
		out[k] = b.v
	}
	return out, diffs
}

// groupRow is the comparable part of a restaurant or zone KPI row.
type groupRow struct {
	created, delivered, cancelled, gmvCents, n, drivers int64
	mean, p50, p90                                      float64
}

func restaurantRow(k kpi.RestaurantKPI) groupRow {
	return groupRow{k.OrdersCreated, k.OrdersDelivered, k.OrdersCancelled, int64(math.Round(k.GMV * 100)), k.DeliveryCount, 0, k.DeliveryMinMean, k.DeliveryMinP50, k.DeliveryMinP90}
}

func zoneRow(k kpi.ZoneKPI) groupRow {
	return groupRow{k.OrdersCreated, k.OrdersDelivered, k.OrdersCancelled, int64(math.Round(k.GMV * 100)), k.DeliveryCount, k.ActiveDrivers, k.DeliveryMinMean, k.DeliveryMinP50, k.DeliveryMinP90}
}

func compareGroups(where string, want map[reference.GroupKey]*reference.GroupKPI, got map[reference.GroupKey]groupRow, withDrivers bool) []string {
	var diffs []string
	if len(want) == 0 {
		return []string{where + ": the reference is empty, the comparison would prove nothing"}
	}
	bad := 0
	for k, w := range want {
		n, mean, p50, p90 := w.DeliveryStats()
		exp := groupRow{w.Created, w.Delivered, w.Cancelled, w.GMVCents, n, 0, mean, p50, p90}
		if withDrivers {
			exp.drivers = int64(len(w.Drivers))
		}
		g, ok := got[k]
		if !ok || !sameRow(g, exp) {
			if bad++; bad <= 10 {
				diffs = append(diffs, fmt.Sprintf("%s %v: got %+v (present=%v), want %+v", where, k, g, ok, exp))
			}
		}
	}
	if len(got) != len(want) {
		diffs = append(diffs, fmt.Sprintf("%s: %d rows, want %d", where, len(got), len(want)))
	}
	return diffs
}

func sameRow(a, b groupRow) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) < 1e-9 }
	return a.created == b.created && a.delivered == b.delivered && a.cancelled == b.cancelled &&
		a.gmvCents == b.gmvCents && a.n == b.n && a.drivers == b.drivers &&
		near(a.mean, b.mean) && near(a.p50, b.p50) && near(a.p90, b.p90)
}

func slicesConcat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func scanAll(ctx context.Context, c *dynamodb.Client, table string) ([]map[string]types.AttributeValue, error) {
	var out []map[string]types.AttributeValue
	pages := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String(table)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("compare: scanning %s: %w", table, err)
		}
		out = append(out, page.Items...)
	}
	return out, nil
}

func unmarshal[T any](items []map[string]types.AttributeValue, out *[]T) error {
	if err := attributevalue.UnmarshalListOfMaps(items, out); err != nil {
		return fmt.Errorf("compare: decoding %T items: %w", *out, err)
	}
	return nil
}

func readObjects(ctx context.Context, c *s3.Client, bucket, prefix string) (map[string][]byte, error) {
	out := map[string][]byte{}
	pages := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("compare: listing s3://%s/%s: %w", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			obj, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: o.Key})
			if err != nil {
				return nil, fmt.Errorf("compare: reading s3://%s/%s: %w", bucket, aws.ToString(o.Key), err)
			}
			var buf bytes.Buffer
			_, err = buf.ReadFrom(obj.Body)
			obj.Body.Close()
			if err != nil {
				return nil, fmt.Errorf("compare: reading s3://%s/%s: %w", bucket, aws.ToString(o.Key), err)
			}
			out[aws.ToString(o.Key)] = buf.Bytes()
		}
	}
	return out, nil
}

func readParquet[T any](ctx context.Context, c *s3.Client, bucket, prefix string) ([]T, error) {
	objs, err := readObjects(ctx, c, bucket, prefix)
	if err != nil {
		return nil, err
	}
	var out []T
	for key, body := range objs {
		rows, err := parquet.Read[T](bytes.NewReader(body), int64(len(body)))
		if err != nil {
			return nil, fmt.Errorf("compare: parquet s3://%s/%s: %w", bucket, key, err)
		}
		out = append(out, rows...)
	}
	return out, nil
}

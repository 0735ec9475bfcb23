package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/deliverypipe/deliverypipe/pipelines/delivery/tables"
	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// checkpointItem is one shard's row of the checkpoint table. The table is
// owned by the checkpoint stage; the dashboard reads only these attributes
// and shows what is present: lag_ms if the stage writes it, else the time
// since updated_ms.
type checkpointItem struct {
	Stream    string `dynamodbav:"stream"`
	ShardID   string `dynamodbav:"shard_id"`
	Sequence  string `dynamodbav:"sequence"`
	UpdatedMs int64  `dynamodbav:"updated_ms"`
	LagMs     *int64 `dynamodbav:"lag_ms"`
}

// Sources names what the dashboard reads; empty optional names are shown as
// "n/a".
type Sources struct {
	KPITable        string
	StatusTable     string
	CheckpointTable string
	DLQBucket       string
	DLQPrefix       string // key prefix of the dead-letter objects, ending in "/"
	Horizon         time.Duration
	SlowestN        int
	StatusScanLimit int32
}

// Summary is the JSON document of /api/summary: everything the page shows.
type Summary struct {
	GeneratedMs int64    `json:"generated_ms"`
	KPITable    string   `json:"kpi_table"`
	EventTypes  []string `json:"event_types"`
	// Windows are all event-type windows within the horizon, oldest first.
	Windows []WindowCounts `json:"windows"`
	// Hour covers the tiling windows of the horizon that end at the latest
	// window's end: non-overlapping, so sums over them are exact.
	Hour        HourStats         `json:"hour"`
	Zones       []EntityStats     `json:"zones"`
	Slowest     []EntityStats     `json:"slowest_restaurants"`
	Health      Health            `json:"health"`
	StatusCount map[string]int64  `json:"order_status,omitempty"`
	Errors      map[string]string `json:"errors,omitempty"`
	GMVWindows  []GMVWindow       `json:"gmv_windows"`
}

// WindowCounts is one sliding window's event counts per event type.
type WindowCounts struct {
	Start  int64            `json:"start"`
	End    int64            `json:"end"`
	Pane   int64            `json:"pane"`
	Timing string           `json:"timing"`
	Counts map[string]int64 `json:"counts"`
}

// GMVWindow is the GMV of one window, summed over restaurants.
type GMVWindow struct {
	Start int64   `json:"start"`
	GMV   float64 `json:"gmv"`
}

// HourStats sums the tiling windows of the horizon.
type HourStats struct {
	From          int64   `json:"from"`
	To            int64   `json:"to"`
	Windows       int     `json:"windows"`
	GMV           float64 `json:"gmv"`
	HasGMV        bool    `json:"has_gmv"`
	OrdersCreated int64   `json:"orders_created"`
}

// EntityStats are a zone's or restaurant's delivery times over the horizon's
// tiling windows. Deliveries and MeanMin are exact; P50Min and P90Min are the
// delivery-weighted means of the windows' percentiles (an approximation: the
// items hold no raw samples to merge).
type EntityStats struct {
	ID         string  `json:"id"`
	Deliveries int64   `json:"deliveries"`
	MeanMin    float64 `json:"mean_min"`
	P50Min     float64 `json:"p50_min"`
	P90Min     float64 `json:"p90_min"`
	GMV        float64 `json:"gmv"`
}

// Health is the pipeline's health as seen in its outputs; nil parts are
// shown as "n/a".
type Health struct {
	LastWindowStart int64        `json:"last_window_start"`
	LastWindowEnd   int64        `json:"last_window_end"`
	LastPane        int64        `json:"last_pane"`
	LastTiming      string       `json:"last_timing"`
	Shards          []ShardLag   `json:"shards"`
	DeadLetters     *DeadLetters `json:"dead_letters"`
}

// ShardLag is one shard's checkpoint.
type ShardLag struct {
	Stream   string `json:"stream"`
	ShardID  string `json:"shard_id"`
	Sequence string `json:"sequence"`
	LagMs    int64  `json:"lag_ms"`
}

// DeadLetters counts the dead-letter objects and records (JSON lines).
type DeadLetters struct {
	Objects int64 `json:"objects"`
	Records int64 `json:"records"`
}

// reader reads the dashboard's sources. It caches dead-letter line counts
// per object version, since the objects are immutable under their ETag.
type reader struct {
	ddb *dynamodb.Client
	s3  *s3.Client
	src Sources
	now func() time.Time

	mu        sync.Mutex
	lineCache map[string]int64 // key + "\x00" + ETag → lines
}

// summary reads every source once. A failing optional source is reported in
// Summary.Errors and the rest is still shown; a failing KPI table fails.
func (r *reader) summary(ctx context.Context) (*Summary, error) {
	items, err := r.scanKPIs(ctx)
	if err != nil {
		return nil, err
	}
	sum := summarize(items, r.src.Horizon, r.src.SlowestN)
	sum.GeneratedMs = r.now().UnixMilli()
	sum.KPITable = r.src.KPITable
	sum.Errors = map[string]string{}
	if r.src.CheckpointTable != "" {
		if sum.Health.Shards, err = r.shardLags(ctx); err != nil {
			sum.Errors["checkpoints"] = err.Error()
		}
	}
	if r.src.DLQBucket != "" {
		if sum.Health.DeadLetters, err = r.deadLetters(ctx); err != nil {
			sum.Errors["dead_letters"] = err.Error()
		}
	}
	if r.src.StatusTable != "" {
		if sum.StatusCount, err = r.statusCounts(ctx); err != nil {
			sum.Errors["order_status"] = err.Error()
		}
	}
	return sum, nil
}

// scanKPIs reads the whole KPI table. The table holds one item per entity
// and window, so a scan is what a dashboard over all restaurants and zones
// needs; for large tables keep the table's TTL short or add an index on sk.
func (r *reader) scanKPIs(ctx context.Context) ([]tables.KPIItem, error) {
	var out []tables.KPIItem
	pages := dynamodb.NewScanPaginator(r.ddb, &dynamodb.ScanInput{TableName: aws.String(r.src.KPITable)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scanning KPI table %s: %w", r.src.KPITable, err)
		}
		var items []tables.KPIItem
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, fmt.Errorf("decoding items of KPI table %s: %w", r.src.KPITable, err)
		}
		out = append(out, items...)
	}
	return out, nil
}

// summarize computes the page's figures from the KPI items.
func summarize(items []tables.KPIItem, horizon time.Duration, slowestN int) *Summary {
	sum := &Summary{}
	for _, t := range event.Types {
		sum.EventTypes = append(sum.EventTypes, string(t))
	}
	var latest int64 = -1
	var size int64
	for _, it := range items {
		if strings.HasPrefix(it.PK, tables.EventTypeKey("")) && it.SK > latest {
			latest, size = it.SK, it.WindowEnd-it.SK
		}
	}
	if latest < 0 || size <= 0 {
		return sum
	}
	from := latest + size - horizon.Milliseconds() // first window start inside the horizon
	windows := map[int64]*WindowCounts{}
	gmv := map[int64]float64{}
	zones, restaurants := map[string]*acc{}, map[string]*acc{}
	tiles := map[int64]bool{}
	for s := latest; s >= from; s -= size {
		tiles[s] = true
	}
	for _, it := range items {
		if it.SK < from || it.SK > latest {
			continue
		}
		switch {
		case strings.HasPrefix(it.PK, tables.EventTypeKey("")):
			w := windows[it.SK]
			if w == nil {
				w = &WindowCounts{Start: it.SK, End: it.WindowEnd, Counts: map[string]int64{}}
				windows[it.SK] = w
			}
			w.Counts[it.EventType] = it.Count
			if it.Pane >= w.Pane {
				w.Pane, w.Timing = it.Pane, it.Timing
			}
		case strings.HasPrefix(it.PK, tables.RestaurantPrefix):
			gmv[it.SK] += it.GMV
			if tiles[it.SK] {
				add(restaurants, strings.TrimPrefix(it.PK, tables.RestaurantPrefix), it)
				sum.Hour.GMV += it.GMV
				sum.Hour.HasGMV = true
				sum.Hour.OrdersCreated += it.OrdersCreated
			}
		case strings.HasPrefix(it.PK, tables.ZonePrefix):
			if tiles[it.SK] {
				add(zones, strings.TrimPrefix(it.PK, tables.ZonePrefix), it)
			}
		}
	}
	for _, w := range windows {
		sum.Windows = append(sum.Windows, *w)
	}
	sort.Slice(sum.Windows, func(i, j int) bool { return sum.Windows[i].Start < sum.Windows[j].Start })
	for s, g := range gmv {
		sum.GMVWindows = append(sum.GMVWindows, GMVWindow{Start: s, GMV: round2(g)})
	}
	sort.Slice(sum.GMVWindows, func(i, j int) bool { return sum.GMVWindows[i].Start < sum.GMVWindows[j].Start })
	sum.Hour.GMV = round2(sum.Hour.GMV)
	sum.Hour.From, sum.Hour.To, sum.Hour.Windows = latest+size-horizon.Milliseconds(), latest+size, len(tiles)
	sum.Zones = finish(zones)
	sort.Slice(sum.Zones, func(i, j int) bool { return sum.Zones[i].ID < sum.Zones[j].ID })
	sum.Slowest = finish(restaurants)
	sort.Slice(sum.Slowest, func(i, j int) bool {
		a, b := sum.Slowest[i], sum.Slowest[j]
		if a.MeanMin != b.MeanMin {
			return a.MeanMin > b.MeanMin
		}
		return a.ID < b.ID
	})
	sum.Slowest = sum.Slowest[:min(len(sum.Slowest), slowestN)]
	last := sum.Windows[len(sum.Windows)-1]
	sum.Health.LastWindowStart, sum.Health.LastWindowEnd = last.Start, last.End
	sum.Health.LastPane, sum.Health.LastTiming = last.Pane, last.Timing
	return sum
}

// acc accumulates an entity's delivery-weighted sums over tiling windows.
type acc struct {
	n                  int64
	mean, p50, p90, gm float64
}

func add(m map[string]*acc, id string, it tables.KPIItem) {
	a := m[id]
	if a == nil {
		a = &acc{}
		m[id] = a
	}
	n := float64(it.DeliveryCount)
	a.n += it.DeliveryCount
	a.mean += n * it.DeliveryMinMean
	a.p50 += n * it.DeliveryMinP50
	a.p90 += n * it.DeliveryMinP90
	a.gm += it.GMV
}

// finish keeps the entities with deliveries and divides the weighted sums.
func finish(m map[string]*acc) []EntityStats {
	var out []EntityStats
	for id, a := range m {
		if a.n == 0 {
			continue
		}
		n := float64(a.n)
		out = append(out, EntityStats{ID: id, Deliveries: a.n,
			MeanMin: round2(a.mean / n), P50Min: round2(a.p50 / n), P90Min: round2(a.p90 / n), GMV: round2(a.gm)})
	}
	return out
}

func round2(f float64) float64 {
	if f < 0 {
		return -round2(-f)
	}
	return float64(int64(f*100+0.5)) / 100
}

func (r *reader) shardLags(ctx context.Context) ([]ShardLag, error) {
	var out []ShardLag
	now := r.now().UnixMilli()
	pages := dynamodb.NewScanPaginator(r.ddb, &dynamodb.ScanInput{TableName: aws.String(r.src.CheckpointTable)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scanning checkpoint table %s: %w", r.src.CheckpointTable, err)
		}
		var items []checkpointItem
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, fmt.Errorf("decoding checkpoint table %s: %w", r.src.CheckpointTable, err)
		}
		for _, it := range items {
			lag := now - it.UpdatedMs
			if it.LagMs != nil {
				lag = *it.LagMs
			}
			out = append(out, ShardLag{Stream: it.Stream, ShardID: it.ShardID, Sequence: it.Sequence, LagMs: lag})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Stream+"/"+out[i].ShardID < out[j].Stream+"/"+out[j].ShardID
	})
	return out, nil
}

// statusCounts counts orders per latest status, reading at most
// StatusScanLimit items per page of the scan.
func (r *reader) statusCounts(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	in := &dynamodb.ScanInput{
		TableName:                aws.String(r.src.StatusTable),
		ProjectionExpression:     aws.String("#s"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		Limit:                    aws.Int32(r.src.StatusScanLimit),
	}
	pages := dynamodb.NewScanPaginator(r.ddb, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scanning order status table %s: %w", r.src.StatusTable, err)
		}
		for _, it := range page.Items {
			if s, ok := it["status"].(*ddbtypes.AttributeValueMemberS); ok {
				out[s.Value]++
			}
		}
	}
	return out, nil
}

// deadLetters counts the objects and JSON lines under the dead-letter prefix.
func (r *reader) deadLetters(ctx context.Context) (*DeadLetters, error) {
	dl := &DeadLetters{}
	seen := map[string]bool{}
	pages := s3.NewListObjectsV2Paginator(r.s3, &s3.ListObjectsV2Input{Bucket: aws.String(r.src.DLQBucket), Prefix: aws.String(r.src.DLQPrefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing s3://%s/%s: %w", r.src.DLQBucket, r.src.DLQPrefix, err)
		}
		for _, o := range page.Contents {
			id := aws.ToString(o.Key) + "\x00" + aws.ToString(o.ETag)
			n, err := r.lines(ctx, aws.ToString(o.Key), id)
			if err != nil {
				return nil, err
			}
			seen[id] = true
			dl.Objects++
			dl.Records += n
		}
	}
	r.mu.Lock()
	for id := range r.lineCache {
		if !seen[id] {
			delete(r.lineCache, id)
		}
	}
	r.mu.Unlock()
	return dl, nil
}

func (r *reader) lines(ctx context.Context, key, id string) (int64, error) {
	r.mu.Lock()
	n, ok := r.lineCache[id]
	r.mu.Unlock()
	if ok {
		return n, nil
	}
	obj, err := r.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(r.src.DLQBucket), Key: aws.String(key)})
	if err != nil {
		return 0, fmt.Errorf("reading s3://%s/%s: %w", r.src.DLQBucket, key, err)
	}
	defer obj.Body.Close()
	n, err = countLines(obj.Body)
	if err != nil {
		return 0, fmt.Errorf("reading s3://%s/%s: %w", r.src.DLQBucket, key, err)
	}
	r.mu.Lock()
	r.lineCache[id] = n
	r.mu.Unlock()
	return n, nil
}

// countLines counts JSON lines: newlines, plus a last line without one.
func countLines(rd io.Reader) (int64, error) {
	var n int64
	last := byte('\n')
	buf := make([]byte, 64<<10)
	for {
		k, err := rd.Read(buf)
		if k > 0 {
			n += int64(bytes.Count(buf[:k], []byte{'\n'}))
			last = buf[k-1]
		}
		if errors.Is(err, io.EOF) {
			if last != '\n' {
				n++
			}
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

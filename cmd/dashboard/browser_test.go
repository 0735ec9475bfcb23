//go:build browser

package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/chromedp/chromedp"

	"github.com/deliverypipe/deliverypipe/io/checkpoint"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery/tables"
	"github.com/deliverypipe/deliverypipe/testing/localstack"
	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// screenshotPath is where the test leaves its screenshot (out/ is ignored by git).
const screenshotPath = "../../out/artifacts/dashboard.png"

func TestMain(m *testing.M) { localstack.Main(m) }

// fixture is the KPI data the test writes: event-type windows every minute
// over 20 minutes, restaurant and zone items in the two latest tiling
// windows and in one overlapping window that the hour figures must skip.
type fixture struct {
	eventTypes  []tables.KPIItem
	entities    []tables.KPIItem
	latest      int64
	statuses    map[string]int
	dlqObjects  map[string]int // key → lines
	windowMs    int64
	restaurants map[string]bool
	checkpoints []checkpoint.Entry // written through the checkpoint stage's own table code
}

func newFixture() fixture {
	const minute = int64(60_000)
	f := fixture{latest: time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC).UnixMilli(), windowMs: 5 * minute}
	for i := int64(0); i < 20; i++ {
		start := f.latest - i*minute
		for j, t := range event.Types {
			f.eventTypes = append(f.eventTypes, tables.KPIItem{
				PK: tables.EventTypeKey(string(t)), SK: start, WindowEnd: start + f.windowMs,
				Pane: 0, Timing: "ON_TIME", EventType: string(t), Count: 100 + 7*int64(j) + 3*i,
			})
		}
	}
	// An old window outside the hour: must not change any figure.
	f.eventTypes = append(f.eventTypes, tables.KPIItem{PK: tables.EventTypeKey("order_created"), SK: f.latest - 3*time.Hour.Milliseconds(),
		WindowEnd: f.latest - 3*time.Hour.Milliseconds() + f.windowMs, EventType: "order_created", Count: 99999})
	f.restaurants = map[string]bool{}
	add := func(pk string, sk int64, n int64, mean, p50, p90, gmv float64) {
		f.entities = append(f.entities, tables.KPIItem{PK: pk, SK: sk, WindowEnd: sk + f.windowMs, Timing: "ON_TIME",
			OrdersCreated: n + 1, OrdersDelivered: n, DeliveryCount: n, DeliveryMinMean: mean,
			DeliveryMinP50: p50, DeliveryMinP90: p90, GMV: gmv})
		if id, ok := strings.CutPrefix(pk, "restaurant#"); ok {
			f.restaurants[id] = true
		}
	}
	for k, sk := range []int64{f.latest, f.latest - f.windowMs} {
		add("restaurant#r-fast", sk, int64(4+k), 18, 17, 25, 120.50+float64(k))
		add("restaurant#r-slow", sk, int64(2+2*k), 41.5, 40, 55, 80.25)
		add("restaurant#r-mid", sk, int64(3), 30+float64(k), 29, 38, 64.10)
		add("zone#u4pruy", sk, int64(6+k), 24, 22+float64(k), 33, 200)
		add("zone#u4pruz", sk, int64(1+3*k), 35, 31, 47+float64(k), 150)
	}
	add("restaurant#r-fast", f.latest-minute, 50, 90, 90, 90, 5000) // overlapping window: excluded from the hour
	f.statuses = map[string]int{"delivered": 5, "picked_up": 2, "order_created": 3}
	f.dlqObjects = map[string]int{"deliverypipe/dlq/dt=2024-03-10/hour=12/a.jsonl": 3, "deliverypipe/dlq/dt=2024-03-10/hour=11/b.jsonl": 4}
	for i, lag := range []int64{12_300, 67_800, 4_100} {
		f.checkpoints = append(f.checkpoints, checkpoint.Entry{Stream: "orders", ShardID: fmt.Sprintf("shardId-%012d", i),
			Sequence: fmt.Sprintf("4959%020d", 1000*i+7), SubSequence: -1, WatermarkMillis: f.latest - lag,
			UpdatedMillis: f.latest, LagMillis: lag})
	}
	return f
}

// want computes the figures the page must show, independently of summarize:
// it picks the tiling windows (latest and latest-5m) by hand.
func (f fixture) want() map[string]string {
	w := map[string]string{}
	for _, it := range f.eventTypes {
		if it.SK == f.latest {
			w["latest."+it.EventType] = fmt.Sprint(it.Count)
			w["latest.rate."+it.EventType] = fmt.Sprintf("%.1f", float64(it.Count)/5)
		}
	}
	type sums struct{ n, mean, p50, p90 float64 }
	per := map[string]*sums{}
	gmv := 0.0
	for _, it := range f.entities {
		if it.SK != f.latest && it.SK != f.latest-f.windowMs {
			continue
		}
		if per[it.PK] == nil {
			per[it.PK] = &sums{}
		}
		s, n := per[it.PK], float64(it.DeliveryCount)
		s.n += n
		s.mean += n * it.DeliveryMinMean
		s.p50 += n * it.DeliveryMinP50
		s.p90 += n * it.DeliveryMinP90
		if strings.HasPrefix(it.PK, "restaurant#") {
			gmv += it.GMV
		}
	}
	w["hour.gmv"] = fmt.Sprintf("%.2f", gmv)
	slowest := ""
	slowMean := 0.0
	for pk, s := range per {
		if id, ok := strings.CutPrefix(pk, "zone#"); ok {
			w["zone."+id+".deliveries"] = fmt.Sprint(s.n)
			w["zone."+id+".p50"] = fmt.Sprintf("%.1f", s.p50/s.n)
			w["zone."+id+".p90"] = fmt.Sprintf("%.1f", s.p90/s.n)
		} else if id, ok := strings.CutPrefix(pk, "restaurant#"); ok && s.mean/s.n > slowMean {
			slowest, slowMean = id, s.mean/s.n
		}
	}
	w["slowest.0.id"] = slowest
	w["slowest.0.mean"] = fmt.Sprintf("%.1f", slowMean)
	for s, n := range f.statuses {
		w["status."+s] = fmt.Sprint(n)
	}
	lines := 0
	for _, n := range f.dlqObjects {
		lines += n
	}
	w["dlq.records"] = fmt.Sprint(lines)
	w["dlq.objects"] = fmt.Sprint(len(f.dlqObjects))
	maxLag := int64(0)
	for _, e := range f.checkpoints {
		w["lag."+e.ShardID] = fmt.Sprintf("%.1f s", float64(e.LagMillis)/1000)
		maxLag = max(maxLag, e.LagMillis)
	}
	w["health.max_lag"] = fmt.Sprintf("%.1f s", float64(maxLag)/1000)
	w["health.last_window"] = time.UnixMilli(f.latest).UTC().Format("15:04") + "–" + time.UnixMilli(f.latest+f.windowMs).UTC().Format("15:04")
	return w
}

func (f fixture) write(t *testing.T, ctx context.Context, ddb *dynamodb.Client, s3c *s3.Client, kpiTable, statusTable, checkpointTable, bucket string) {
	t.Helper()
	cp := checkpoint.NewTable(ddb, checkpointTable)
	if err := cp.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	for _, e := range f.checkpoints {
		if ok, err := cp.Commit(ctx, e); err != nil || !ok {
			t.Fatalf("checkpoint %s: applied=%v, %v", e.ShardID, ok, err)
		}
	}
	if err := tables.EnsureKPITable(ctx, ddb, kpiTable); err != nil {
		t.Fatal(err)
	}
	if err := tables.EnsureStatusTable(ctx, ddb, statusTable); err != nil {
		t.Fatal(err)
	}
	put := func(table string, v any) {
		item, err := attributevalue.MarshalMap(v)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
			t.Fatalf("put %s: %v", table, err)
		}
	}
	for _, it := range f.eventTypes {
		put(kpiTable, it)
	}
	for _, it := range f.entities {
		put(kpiTable, it)
	}
	n := 0
	for status, count := range f.statuses {
		for range count {
			n++
			put(statusTable, map[string]any{"order_id": fmt.Sprintf("o-%d", n), "status": status, "rank": 1})
		}
	}
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	for key, lines := range f.dlqObjects {
		body := strings.Repeat(`{"reason":"bad_json","raw":"e30="}`+"\n", lines)
		if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	// Another table's object under the same prefix must not be counted.
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("deliverypipe/kpis/x.parquet"), Body: strings.NewReader("x\ny\n")}); err != nil {
		t.Fatal(err)
	}
}

func TestBrowserDashboard(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium not found (run testing/browser/install.sh): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	st := localstack.Shared(t)
	cfg, err := st.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ddb, s3c := dynamodb.NewFromConfig(cfg), s3.NewFromConfig(cfg)
	suffix := fmt.Sprint(time.Now().UnixNano() % 1e9)
	kpiTable, statusTable, bucket := "dash-kpis-"+suffix, "dash-status-"+suffix, "dash-lake-"+suffix
	checkpointTable := "dash-cp-" + suffix
	f := newFixture()
	f.write(t, ctx, ddb, s3c, kpiTable, statusTable, checkpointTable, bucket)

	r := &reader{ddb: ddb, s3: s3c, now: time.Now, lineCache: map[string]int64{}, src: Sources{
		KPITable: kpiTable, StatusTable: statusTable, CheckpointTable: checkpointTable, DLQBucket: bucket, DLQPrefix: "deliverypipe/dlq/",
		Horizon: time.Hour, SlowestN: 10, StatusScanLimit: 4,
	}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: (&server{r: r, refresh: time.Second, minAge: 0}).handler()}
	go srv.Serve(ln)
	defer srv.Close()

	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 1250),
	)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()

	// Subscribe before navigating so no message is lost; collect errors
	// in the background until the end of the test.
	var mu sync.Mutex
	var consoleErrs []string
	messages := chromedp.Console(bctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				consoleErrs = append(consoleErrs, m.String())
				mu.Unlock()
			}
		}
	}()

	url := "http://" + ln.Addr().String() + "/"
	if err := chromedp.Do(bctx, chromedp.Navigate(url), chromedp.WaitVisible(`body[data-generated]`)); err != nil {
		t.Fatalf("loading %s in chromium: %v", url, err)
	}
	first, err := chromedp.Run(bctx, chromedp.AttributeValue(`body`, "data-generated"))
	if err != nil {
		t.Fatal(err)
	}
	shown, err := chromedp.Run(bctx, chromedp.Evaluate[map[string]string](
		`Object.fromEntries([...document.querySelectorAll('[data-k]')].map(e => [e.dataset.k, e.textContent]))`))
	if err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	// The page refreshes by itself: wait for a newer summary.
	if _, err := chromedp.Run(bctx, chromedp.Poll[bool](fmt.Sprintf(`document.body.dataset.generated !== %q`, first.Value),
		chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(200*time.Millisecond))); err != nil {
		t.Errorf("page did not refresh by itself: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(screenshotPath), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(screenshotPath, png, 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(screenshotPath)
	t.Logf("screenshot: %s", abs)

	mu.Lock()
	defer mu.Unlock()
	if len(consoleErrs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(consoleErrs, "\n"))
	}
	for k, v := range f.want() {
		if got := strings.ReplaceAll(shown[k], ",", ""); got != v {
			t.Errorf("page shows %s = %q, DynamoDB/S3 say %q", k, shown[k], v)
		}
	}
}

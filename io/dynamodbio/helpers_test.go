package dynamodbio

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/deliverypipe/deliverypipe/testing/localstack"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*kpiItem)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*statusItem)(nil)).Elem())
}

// kpiItem is a window KPI item as UpsertVersioned expects it.
type kpiItem struct {
	PK     string  `dynamodbav:"pk"`
	SK     int64   `dynamodbav:"sk"`
	Pane   int64   `dynamodbav:"pane"`
	Timing string  `dynamodbav:"timing"`
	Count  int64   `dynamodbav:"count"`
	GMV    float64 `dynamodbav:"gmv"`
}

// statusItem is an order status item as UpsertForward expects it.
type statusItem struct {
	OrderID     string `dynamodbav:"order_id"`
	Status      string `dynamodbav:"status"`
	Rank        int    `dynamodbav:"rank"`
	EventTimeMs int64  `dynamodbav:"event_time_ms"`
}

// setup points this process at the shared stack and returns a client.
func setup(t *testing.T) *dynamodb.Client {
	t.Helper()
	st := localstack.Shared(t)
	st.SetEnv(t)
	cfg, err := st.AWSConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return dynamodb.NewFromConfig(cfg)
}

// versionedTable creates a table keyed like kpiItem (pk S, sk N) for the
// test and returns its name.
func versionedTable(t *testing.T, c *dynamodb.Client) string {
	t.Helper()
	return ensureTestTable(t, c, Key{"pk", types.ScalarAttributeTypeS, types.KeyTypeHash}, Key{"sk", types.ScalarAttributeTypeN, types.KeyTypeRange})
}

// forwardTable creates a table keyed like statusItem (order_id S) for the
// test and returns its name.
func forwardTable(t *testing.T, c *dynamodb.Client) string {
	t.Helper()
	return ensureTestTable(t, c, Key{"order_id", types.ScalarAttributeTypeS, types.KeyTypeHash})
}

func ensureTestTable(t *testing.T, c *dynamodb.Client, keys ...Key) string {
	t.Helper()
	table := tableName(t)
	if err := EnsureTable(context.Background(), c, OnDemandTable(table, keys...)); err != nil {
		t.Fatal(err)
	}
	return table
}

// tableName makes a table name unique to the test.
func tableName(t *testing.T) string {
	return fmt.Sprintf("%s-%d", regexp.MustCompile(`[^a-zA-Z0-9_.-]`).ReplaceAllString(t.Name(), "-"), time.Now().UnixNano()%1e9)
}

// scan returns every item of table decoded into T, sorted by its JSON form.
func scan[T any](t *testing.T, c *dynamodb.Client, table string) []T {
	t.Helper()
	var out []T
	p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String(table)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("scan %s: %v", table, err)
		}
		var items []T
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			t.Fatal(err)
		}
		out = append(out, items...)
	}
	return sortByJSON(out)
}

// sortByJSON returns items ordered by their JSON encoding.
func sortByJSON[T any](items []T) []T {
	out := append([]T(nil), items...)
	sort.Slice(out, func(i, j int) bool {
		a, _ := json.Marshal(out[i])
		b, _ := json.Marshal(out[j])
		return bytes.Compare(a, b) < 0
	})
	return out
}

// run builds and runs a pipeline and returns the value of each counter.
func run(t *testing.T, build func(s beam.Scope)) map[string]int64 {
	t.Helper()
	p, s := beam.NewPipelineWithRoot()
	build(s)
	res, err := ptest.RunWithMetrics(p)
	if err != nil {
		t.Fatalf("pipeline: %v", err)
	}
	counters := map[string]int64{}
	for _, c := range res.Metrics().AllMetrics().Counters() {
		counters[c.Key.Name] += c.Result()
	}
	return counters
}

// batchProxy sits between the pipeline and DynamoDB and, for BatchWriteItem,
// forwards only the first half of the items and returns the rest as
// UnprocessedItems (or, with none set, forwards nothing), as DynamoDB does
// under load. Other calls pass through.
type batchProxy struct {
	none  bool
	mu    sync.Mutex
	calls int
	proxy *httputil.ReverseProxy
}

func newBatchProxy(t *testing.T, target string, none bool) *httptest.Server {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	bp := &batchProxy{none: none, proxy: httputil.NewSingleHostReverseProxy(u)}
	srv := httptest.NewServer(bp)
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", srv.URL)
	return srv
}

func (p *batchProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Amz-Target") != "DynamoDB_20120810.BatchWriteItem" {
		p.proxy.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req struct {
		RequestItems map[string][]json.RawMessage
	}
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	p.calls++
	p.mu.Unlock()
	keep, rest := map[string][]json.RawMessage{}, map[string][]json.RawMessage{}
	for table, reqs := range req.RequestItems {
		n := (len(reqs) + 1) / 2
		if p.none {
			n = 0
		}
		if n > 0 {
			keep[table] = reqs[:n]
		}
		if n < len(reqs) {
			rest[table] = reqs[n:]
		}
	}
	if len(keep) > 0 {
		fwd, _ := json.Marshal(map[string]any{"RequestItems": keep})
		out, err := http.NewRequestWithContext(r.Context(), r.Method, r.URL.String(), bytes.NewReader(fwd))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		// Forwarded unsigned: the local server does not check signatures.
		out.Header = r.Header.Clone()
		out.ContentLength = int64(len(fwd))
		rec := httptest.NewRecorder()
		p.proxy.ServeHTTP(rec, out)
		if rec.Code != http.StatusOK {
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
			return
		}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	json.NewEncoder(w).Encode(map[string]any{"UnprocessedItems": rest})
}

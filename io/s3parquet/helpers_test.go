package s3parquet

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/deliverypipe/deliverypipe/testing/localstack"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*testRow)(nil)).Elem())
	register.Function1x2(stampRow)
}

// testRow covers the column kinds the tables use: strings, integers, doubles,
// booleans, an optional value and a repeated group.
type testRow struct {
	ID     string   `parquet:"id" json:"id"`
	Kind   string   `parquet:"kind" json:"kind"`
	TimeMs int64    `parquet:"time_ms" json:"time_ms"`
	Amount float64  `parquet:"amount" json:"amount"`
	Flag   bool     `parquet:"flag" json:"flag"`
	Note   *string  `parquet:"note,optional" json:"note"`
	Tags   []string `parquet:"tags,list" json:"tags"`
}

// stampRow gives each row its event time.
func stampRow(r testRow) (beam.EventTime, testRow) {
	return beam.EventTime(r.TimeMs), r
}

var base = time.Date(2024, 3, 9, 22, 57, 0, 0, time.UTC)

// makeRows builds n rows over about 8 minutes, spanning a day and hour
// boundary, with every column varied.
func makeRows(n int) []testRow {
	kinds := []string{"order_created", "order_accepted", "picked_up", "delivered", "cancelled"}
	rows := make([]testRow, n)
	for i := range rows {
		r := testRow{
			ID:     fmt.Sprintf("r%05d", i),
			Kind:   kinds[i%len(kinds)],
			TimeMs: base.Add(time.Duration(i*7919%480000) * time.Millisecond).UnixMilli(),
			Amount: float64(i%97) * 1.25,
			Flag:   i%3 == 0,
			Tags:   []string{kinds[(i+1)%len(kinds)], fmt.Sprint(i % 7)}[:i%3],
		}
		if i%4 == 0 {
			note := fmt.Sprintf("note %d", i)
			r.Note = &note
		}
		rows[i] = r
	}
	return rows
}

const (
	winSize  = 5 * time.Minute
	winEvery = time.Minute
)

// windowedInput builds the sliding-windowed PCollection of rows.
func windowedInput(s beam.Scope, rows []testRow) beam.PCollection {
	col := beam.CreateList(s, rows)
	col = beam.ParDo(s, stampRow, col)
	return beam.WindowInto(s, window.NewSlidingWindows(winEvery, winSize), col)
}

// expectedByWindow assigns rows to sliding windows in plain Go, as the
// reference for what each window's objects must hold.
func expectedByWindow(rows []testRow) map[time.Time][]testRow {
	out := map[time.Time][]testRow{}
	for _, r := range rows {
		t := time.UnixMilli(r.TimeMs).UTC()
		last := t.Truncate(winEvery)
		for start := last; start.After(t.Add(-winSize)); start = start.Add(-winEvery) {
			out[start] = append(out[start], r)
		}
	}
	return out
}

var keyRE = regexp.MustCompile(`^(.+)/dt=(\d{4}-\d{2}-\d{2})/hour=(\d{2})/(\d{8}T\d{6}Z)-(\d{8}T\d{6}Z)-p(\d+)-s(\d+)(-part\d+)?\.(parquet|jsonl)$`)

// parsedKey is an object key split into its parts.
type parsedKey struct {
	table, dt, hour string
	start, end      time.Time
	pane, shard     int
}

func parseKey(t *testing.T, key string) parsedKey {
	t.Helper()
	m := keyRE.FindStringSubmatch(key)
	if m == nil {
		t.Fatalf("object key %q does not match the naming scheme", key)
	}
	start, _ := time.Parse(stampLayout, m[4])
	end, _ := time.Parse(stampLayout, m[5])
	var pane, shard int
	fmt.Sscan(m[6], &pane)
	fmt.Sscan(m[7], &shard)
	return parsedKey{table: m[1], dt: m[2], hour: m[3], start: start, end: end, pane: pane, shard: shard}
}

// objectInfo is what identifies an object's content.
type objectInfo struct {
	ETag, MD5 string
	Size      int64
}

// s3Client returns a client for the stack with path-style addressing.
func s3Client(t *testing.T, st *localstack.Stack) *s3.Client {
	t.Helper()
	cfg, err := st.AWSConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
}

// listObjects returns every object under prefix with its ETag, size and the
// MD5 of its bytes, paging through ListObjectsV2.
func listObjects(t *testing.T, c *s3.Client, bucket, prefix string) map[string]objectInfo {
	t.Helper()
	ctx := context.Background()
	out := map[string]objectInfo{}
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("list s3://%s/%s: %v", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			body := getObject(t, c, bucket, *o.Key)
			sum := md5.Sum(body)
			out[*o.Key] = objectInfo{ETag: strings.Trim(aws.ToString(o.ETag), `"`), MD5: hex.EncodeToString(sum[:]), Size: int64(len(body))}
		}
	}
	return out
}

func getObject(t *testing.T, c *s3.Client, bucket, key string) []byte {
	t.Helper()
	res, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get s3://%s/%s: %v", bucket, key, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sortRows orders rows by ID for comparison.
func sortRows(rows []testRow) []testRow {
	out := append([]testRow(nil), rows...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// newBucket creates a uniquely named bucket on the shared stack and points
// this process's AWS settings at the stack.
func newBucket(t *testing.T) (*localstack.Stack, string) {
	t.Helper()
	st := localstack.Shared(t)
	st.SetEnv(t)
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	name = fmt.Sprintf("%s-%d", name, time.Now().UnixNano()%1e6)
	if len(name) > 63 {
		name = name[len(name)-63:]
	}
	name = strings.Trim(name, "-")
	if err := st.CreateBucket(context.Background(), name); err != nil {
		t.Fatal(err)
	}
	return st, name
}

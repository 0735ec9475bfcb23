package s3parquet

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/parquet-go/parquet-go"
)

// runWrite runs rows through sliding windows into Write.
func runWrite(t *testing.T, rows []testRow, bucket string, opts ...Option) {
	t.Helper()
	p, s := beam.NewPipelineWithRoot()
	Write(s, bucket, "events", windowedInput(s, rows), append([]Option{WithPathStyle()}, opts...)...)
	if err := ptest.Run(p); err != nil {
		t.Fatalf("pipeline: %v", err)
	}
}

// readBack reads every Parquet object and groups its rows by window start,
// checking each name against the scheme and the options.
func readBack(t *testing.T, c *s3.Client, bucket, prefix string, shards, maxRows int) (map[time.Time][]testRow, map[string]objectInfo) {
	t.Helper()
	objs := listObjects(t, c, bucket, prefix)
	got := map[time.Time][]testRow{}
	for key := range objs {
		k := parseKey(t, key)
		if k.table != strings.TrimSuffix(prefix+"/events", "/") && k.table != "events" {
			t.Errorf("%s: table path %q", key, k.table)
		}
		if k.end.Sub(k.start) != winSize {
			t.Errorf("%s: window %v..%v is not %v long", key, k.start, k.end, winSize)
		}
		if want := k.start.Format("2006-01-02"); k.dt != want {
			t.Errorf("%s: dt=%s, want %s (window start)", key, k.dt, want)
		}
		if want := k.start.Format("15"); k.hour != want {
			t.Errorf("%s: hour=%s, want %s (window start)", key, k.hour, want)
		}
		if k.shard >= shards {
			t.Errorf("%s: shard %d out of range [0,%d)", key, k.shard, shards)
		}
		if k.pane != 0 {
			t.Errorf("%s: pane %d, want 0 (on-time only input)", key, k.pane)
		}
		body := getObject(t, c, bucket, key)
		rows, err := parquet.Read[testRow](bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatalf("read parquet %s: %v", key, err)
		}
		if len(rows) > maxRows {
			t.Errorf("%s: %d rows, more than the %d-row roll limit", key, len(rows), maxRows)
		}
		got[k.start] = append(got[k.start], rows...)
	}
	return got, objs
}

func assertWindows(t *testing.T, got, want map[time.Time][]testRow) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d windows, want %d", len(got), len(want))
	}
	for start, w := range want {
		g := sortRows(got[start])
		if !reflect.DeepEqual(normalize(g), normalize(sortRows(w))) {
			t.Errorf("window %v: got %d rows, want %d; rows differ", start, len(g), len(w))
		}
	}
}

// normalize maps empty and nil slices to nil: Parquet does not distinguish them.
func normalize(rows []testRow) []testRow {
	for i := range rows {
		if len(rows[i].Tags) == 0 {
			rows[i].Tags = nil
		}
	}
	return rows
}

func assertSSE(t *testing.T, c *s3.Client, bucket string, objs map[string]objectInfo, want types.ServerSideEncryption, kmsKey string) {
	t.Helper()
	for key := range objs {
		h, err := c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("head %s: %v", key, err)
		}
		if h.ServerSideEncryption != want {
			t.Errorf("%s: server-side encryption %q, want %q", key, h.ServerSideEncryption, want)
		}
		if got := aws.ToString(h.SSEKMSKeyId); got != kmsKey {
			t.Errorf("%s: SSE-KMS key %q, want %q", key, got, kmsKey)
		}
	}
}

func TestWriteParquet(t *testing.T) {
	rows := makeRows(600)
	want := expectedByWindow(rows)
	for _, tc := range []struct {
		name    string
		opts    []Option
		shards  int
		maxRows int
		sse     types.ServerSideEncryption
		kmsKey  string
	}{
		{name: "defaults", shards: 1, maxRows: 1_000_000, sse: types.ServerSideEncryptionAes256},
		{name: "shards and rolling", opts: []Option{WithShards(3), WithMaxRows(40)}, shards: 3, maxRows: 40, sse: types.ServerSideEncryptionAes256},
		{name: "snappy and sse-kms", opts: []Option{WithCodec(CodecSnappy), WithKMSKey("alias/deliverypipe")}, shards: 1, maxRows: 1_000_000, sse: types.ServerSideEncryptionAwsKms, kmsKey: "alias/deliverypipe"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, bucket := newBucket(t)
			c := s3Client(t, st)
			runWrite(t, rows, bucket, tc.opts...)
			got, objs := readBack(t, c, bucket, "events/", tc.shards, tc.maxRows)
			assertWindows(t, got, want)
			assertSSE(t, c, bucket, objs, tc.sse, tc.kmsKey)
			if tc.maxRows < 1000 {
				parts := 0
				for k := range objs {
					if strings.Contains(k, "-part") {
						parts++
					}
				}
				if parts == 0 {
					t.Errorf("no object rolled into parts at %d rows", tc.maxRows)
				}
			}
		})
	}
}

// TestWriteReplayIdentical runs the same input twice into the same place and
// once elsewhere: the object names, ETags and bytes must not change.
func TestWriteReplayIdentical(t *testing.T) {
	st, bucket := newBucket(t)
	c := s3Client(t, st)
	rows := makeRows(300)
	opts := []Option{WithShards(2), WithMaxRows(50)}

	runWrite(t, rows, bucket, opts...)
	first := listObjects(t, c, bucket, "events/")
	runWrite(t, rows, bucket, opts...)
	second := listObjects(t, c, bucket, "events/")
	if len(first) == 0 {
		t.Fatal("first run wrote no objects")
	}
	if !reflect.DeepEqual(first, second) {
		t.Errorf("replay changed the object set: %d objects before, %d after", len(first), len(second))
		for k, v := range second {
			if first[k] != v {
				t.Errorf("  %s: %+v -> %+v", k, first[k], v)
			}
		}
	}

	runWrite(t, rows, bucket, append(opts, WithPrefix("replay"))...)
	third := listObjects(t, c, bucket, "replay/")
	if len(third) != len(first) {
		t.Fatalf("independent run wrote %d objects, first run %d", len(third), len(first))
	}
	for k, v := range first {
		if w := third["replay/"+k]; w.MD5 != v.MD5 || w.Size != v.Size {
			t.Errorf("%s: independent run wrote different bytes (%+v vs %+v)", k, w, v)
		}
	}
}

// TestWriteMultipart writes objects larger than one upload part. The local
// S3 server returns plain MD5 ETags for multipart objects, so a recording
// proxy between the pipeline and the server counts the UploadPart calls.
func TestWriteMultipart(t *testing.T) {
	st, bucket := newBucket(t)
	c := s3Client(t, st)
	target, err := url.Parse(st.S3Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	parts := map[string]int{} // object key -> UploadPart calls
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Query().Has("partNumber") {
			mu.Lock()
			parts[strings.TrimPrefix(r.URL.Path, "/"+bucket+"/")]++
			mu.Unlock()
		}
		proxy.ServeHTTP(w, r)
	}))
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL_S3", srv.URL)
	rows := makeRows(400)
	big := strings.Repeat("x", 16<<10)
	for i := range rows {
		note := fmt.Sprintf("%d %s", i, big) // distinct, so compression cannot fold them
		rows[i].Note = &note
		rows[i].TimeMs = base.UnixMilli() // one window per sliding start
	}
	runWrite(t, rows, bucket, WithCodec(CodecUncompressed), WithUploadPartSize(5<<20))
	got, objs := readBack(t, c, bucket, "events/", 1, len(rows))
	assertWindows(t, got, expectedByWindow(rows))
	assertSSE(t, c, bucket, objs, types.ServerSideEncryptionAes256, "")
	for k, o := range objs {
		if want := int((o.Size + 5<<20 - 1) / (5 << 20)); o.Size <= 5<<20 || parts[k] != want {
			t.Errorf("%s: size %d uploaded in %d parts, want a multipart upload of %d parts", k, o.Size, parts[k], want)
		}
	}
}

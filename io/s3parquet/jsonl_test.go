package s3parquet

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestWriteJSONLines(t *testing.T) {
	st, bucket := newBucket(t)
	c := s3Client(t, st)
	rows := makeRows(250)
	run := func() map[string]objectInfo {
		p, s := beam.NewPipelineWithRoot()
		WriteJSONLines(s, bucket, "dead_letters", windowedInput(s, rows), WithPathStyle(), WithShards(2), WithMaxRows(30))
		if err := ptest.Run(p); err != nil {
			t.Fatalf("pipeline: %v", err)
		}
		return listObjects(t, c, bucket, "dead_letters/")
	}
	first := run()
	got := map[time.Time][]testRow{}
	for key := range first {
		k := parseKey(t, key)
		body := getObject(t, c, bucket, key)
		lines := bytes.Split(bytes.TrimSuffix(body, []byte("\n")), []byte("\n"))
		if len(lines) > 30 {
			t.Errorf("%s: %d lines, more than the roll limit 30", key, len(lines))
		}
		for _, l := range lines {
			var r testRow
			if err := json.Unmarshal(l, &r); err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			got[k.start] = append(got[k.start], r)
		}
	}
	want := expectedByWindow(rows)
	if len(got) != len(want) {
		t.Errorf("got %d windows, want %d", len(got), len(want))
	}
	for start, w := range want {
		if g := sortRows(got[start]); !reflect.DeepEqual(g, sortRows(w)) {
			t.Errorf("window %v: got %d rows, want %d; rows differ", start, len(g), len(w))
		}
	}
	assertSSE(t, c, bucket, first, types.ServerSideEncryptionAes256, "")
	if second := run(); !reflect.DeepEqual(first, second) {
		t.Errorf("replay changed the object set: %d objects before, %d after", len(first), len(second))
	}
}

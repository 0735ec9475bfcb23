package s3parquet

import (
	"path/filepath"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
)

// TestWriteLocalDir writes the same rows to S3 and, with WithLocalDir, to a
// directory, through both sinks: every S3 object (whose contents the other
// tests check against the reference) must exist as a file at
// dir/<bucket>/<key> with the same bytes, and nothing else may be there (no
// temporary file left behind).
func TestWriteLocalDir(t *testing.T) {
	st, bucket := newBucket(t)
	c := s3Client(t, st)
	dir := t.TempDir()
	rows := makeRows(300)
	p, s := beam.NewPipelineWithRoot()
	in := windowedInput(s, rows)
	for _, opts := range [][]Option{{WithPathStyle()}, {WithLocalDir(dir)}} {
		opts = append(opts, WithShards(2), WithMaxRows(40))
		Write(s, bucket, "events", in, opts...)
		WriteJSONLines(s, bucket, "dead_letters", in, opts...)
	}
	if err := ptest.Run(p); err != nil {
		t.Fatalf("pipeline: %v", err)
	}
	want := listObjects(t, c, bucket, "")
	if len(want) == 0 {
		t.Fatal("no objects written to S3")
	}
	root := filepath.Join(dir, bucket)
	got := filesOf(t, root)
	for key, w := range want {
		if g, ok := got[key]; !ok {
			t.Errorf("%s: on S3, not in %s", key, root)
		} else if g != w.MD5 {
			t.Errorf("%s: file MD5 %s, S3 object %+v", key, g, w)
		}
	}
	for key := range got {
		if _, ok := want[key]; !ok {
			t.Errorf("%s: in %s, not on S3", key, root)
		}
	}
	if n := len(want); n < 10 {
		t.Errorf("only %d objects: the test needs several windows, shards and parts", n)
	}
}

package s3parquet

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestPyarrowReadsObjects checks that a reader other than parquet-go (pyarrow,
// pinned in testing/interop/requirements.txt) reads every written object back
// to the input rows.
func TestPyarrowReadsObjects(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	python := filepath.Join(root, ".cache/venv/bin/python")
	if _, err := os.Stat(filepath.Join(root, ".cache/venv/.installed")); err != nil {
		if out, err := exec.Command("make", "-C", root, "py-deps").CombinedOutput(); err != nil {
			t.Fatalf("make py-deps: %v\n%s", err, out)
		}
	}

	st, bucket := newBucket(t)
	c := s3Client(t, st)
	rows := makeRows(200)
	runWrite(t, rows, bucket, WithShards(2))

	dir := t.TempDir()
	var files []string
	for key := range listObjects(t, c, bucket, "events/") {
		f := filepath.Join(dir, strings.ReplaceAll(key, "/", "_"))
		if err := os.WriteFile(f, getObject(t, c, bucket, key), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	cmd := exec.Command(python, append([]string{filepath.Join(root, "testing/interop/read_parquet.py")}, files...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("read_parquet.py: %v\n%s", err, stderr.String())
	}

	// Every row appears once per sliding window that holds it.
	var got []testRow
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		var r testRow
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("pyarrow row %s: %v", line, err)
		}
		got = append(got, r)
	}
	var want []testRow
	for _, w := range expectedByWindow(rows) {
		want = append(want, w...)
	}
	if len(got) != len(want) {
		t.Fatalf("pyarrow read %d rows, want %d", len(got), len(want))
	}
	if g, w := normalize(sortRows(got)), normalize(sortRows(want)); !reflect.DeepEqual(g, w) {
		for i := range g {
			if !reflect.DeepEqual(g[i], w[i]) {
				t.Fatalf("first differing row: pyarrow %+v, input %+v", g[i], w[i])
			}
		}
	}
}

package s3parquet

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/parquet-go/parquet-go"
)

func init() {
	beam.RegisterType(reflect.TypeFor[testBatch]())
	register.Function1x2(keyBySeven)
	register.Function2x1(collectBatch)
	beam.RegisterType(reflect.TypeFor[testTimedBatch]())
	register.Function1x2(stampTimedBatch)
}

// testTimedBatch is a TimedBatch of testRows, each at its TimeMs.
type testTimedBatch struct {
	Rows []testRow
}

func (b testTimedBatch) ParquetRows() []any { return testBatch(b).ParquetRows() }

func (b testTimedBatch) ParquetRowMillis() []int64 {
	ms := make([]int64, len(b.Rows))
	for i, r := range b.Rows {
		ms[i] = r.TimeMs
	}
	return ms
}

// stampTimedBatch stamps a batch with its earliest row, as the stages that
// make batches of rows of many windows do (lifecycle.Track).
func stampTimedBatch(b testTimedBatch) (beam.EventTime, testTimedBatch) {
	earliest := b.Rows[0].TimeMs
	for _, r := range b.Rows {
		earliest = min(earliest, r.TimeMs)
	}
	return beam.EventTime(earliest), b
}

// testBatch is a Batch of testRows.
type testBatch struct {
	Rows []testRow
}

func (b testBatch) ParquetRows() []any {
	out := make([]any, len(b.Rows))
	for i, r := range b.Rows {
		out[i] = r
	}
	return out
}

func keyBySeven(r testRow) (int64, testRow) { return r.TimeMs % 7, r }

// collectBatch makes a batch of one group's rows, in its window.
func collectBatch(_ int64, rows func(*testRow) bool) testBatch {
	var b testBatch
	var r testRow
	for rows(&r) {
		b.Rows = append(b.Rows, r)
	}
	return b
}

func TestUnpack(t *testing.T) {
	one, two := []byte("first row"), []byte{}
	pack := appendPacked(appendPacked(nil, one), two)
	tests := []struct {
		name    string
		pack    []byte
		want    [][]byte
		wantErr bool
	}{
		{"empty", nil, nil, false},
		{"two rows, one empty", pack, [][]byte{one, two}, false},
		{"truncated row", pack[:len(one)], nil, true},
		{"length overflows", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := unpack(nil, tt.pack)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d rows, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if !bytes.Equal(got[i], tt.want[i]) {
					t.Errorf("row %d = %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestBatchedWritesEqualWrite checks that the packed paths write exactly
// the objects of the row-by-row sink: WriteBatches against Write for rows in
// sliding windows, WriteFixedWindows and WriteFixedWindowBatches (batches
// of rows of many windows, in the global window) against Write after
// WindowInto. Write's
// objects are checked against the plain-Go reference by the other tests;
// here the row counts per window are too.
func TestBatchedWritesEqualWrite(t *testing.T) {
	const fixed = 2 * time.Minute
	rows := makeRows(500)
	root := t.TempDir()
	dir := func(name string) string { return filepath.Join(root, name) }
	p, s := beam.NewPipelineWithRoot()
	opts := func(d string) []Option { return []Option{WithLocalDir(dir(d)), WithShards(3), WithMaxRows(70)} }

	sliding := windowedInput(s, rows)
	Write(s, "b", "sliding", sliding, opts("rows")...)
	batches := beam.ParDo(s, collectBatch, beam.GroupByKey(s, beam.ParDo(s, keyBySeven, sliding)))
	WriteBatches(s, "b", "sliding", batches, testRow{}, opts("batches")...)

	stamped := beam.ParDo(s, stampRow, beam.CreateList(s, rows))
	Write(s, "b", "fixed", beam.WindowInto(s, window.NewFixedWindows(fixed), stamped), opts("rows")...)
	WriteFixedWindows(s, "b", "fixed", stamped, fixed, nil, opts("batches")...)
	// Batches of rows of many windows each (every seventh row).
	timedBatches := make([]testTimedBatch, 7)
	for i, r := range rows {
		timedBatches[i%7].Rows = append(timedBatches[i%7].Rows, r)
	}
	timed := beam.ParDo(s, stampTimedBatch, beam.CreateList(s, timedBatches))
	WriteFixedWindowBatches(s, "b", "fixed", timed, testRow{}, fixed, nil, opts("timed")...)
	if err := ptest.Run(p); err != nil {
		t.Fatalf("pipeline: %v", err)
	}

	want, got := filesOf(t, filepath.Join(dir("rows"), "b")), filesOf(t, filepath.Join(dir("batches"), "b"))
	if len(want) == 0 {
		t.Fatal("Write wrote nothing")
	}
	timedGot := filesOf(t, filepath.Join(dir("timed"), "b"))
	fixedWritten := 0
	for name, sum := range want {
		if parseKey(t, name).table == "fixed" || filepath.Base(parseKey(t, name).table) == "fixed" {
			fixedWritten++
			if timedGot[name] != sum {
				t.Errorf("%s: WriteFixedWindowBatches wrote %q, row sink %q (md5)", name, timedGot[name], sum)
			}
		}
	}
	if fixedWritten == 0 || len(timedGot) != fixedWritten {
		t.Errorf("WriteFixedWindowBatches wrote %d objects, the row sink %d fixed-window ones", len(timedGot), fixedWritten)
	}
	for name, sum := range want {
		if got[name] != sum {
			t.Errorf("%s: packed sink wrote %q, row sink %q (md5)", name, got[name], sum)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: written only by the packed sink", name)
		}
	}

	// The rows per window, from the reference assignment.
	perWindow := map[string]map[time.Time]int{"sliding": {}, "fixed": {}}
	for start, rs := range expectedByWindow(rows) {
		perWindow["sliding"][start] = len(rs)
	}
	for _, r := range rows {
		perWindow["fixed"][time.UnixMilli(r.TimeMs).UTC().Truncate(fixed)] += 1
	}
	counted := map[string]map[time.Time]int{"sliding": {}, "fixed": {}}
	for name := range got {
		k := parseKey(t, name)
		body, err := os.ReadFile(filepath.Join(dir("batches"), "b", name))
		if err != nil {
			t.Fatal(err)
		}
		read, err := parquet.Read[testRow](bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		table := filepath.Base(k.table)
		counted[table][k.start] += len(read)
	}
	for table, want := range perWindow {
		if !reflect.DeepEqual(counted[table], want) {
			t.Errorf("%s: rows per window %v, want %v", table, counted[table], want)
		}
	}
}

// filesOf maps each file under root, by its slash-separated path relative
// to root, to its MD5 (hex).
func filesOf(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		sum := md5.Sum(body)
		out[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}

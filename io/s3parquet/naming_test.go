package s3parquet

import (
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/mtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/typex"
)

func TestObjectKey(t *testing.T) {
	start := time.Date(2024, 3, 9, 23, 58, 0, 0, time.UTC)
	iw := window.IntervalWindow{Start: mtime.FromTime(start), End: mtime.FromTime(start.Add(5 * time.Minute))}
	for _, tc := range []struct {
		name   string
		prefix string
		w      typex.Window
		pane   int64
		shard  int
		part   int
		ext    string
		want   string
	}{
		{"interval window", "", iw, 0, 2, -1, ".parquet", "kpis/dt=2024-03-09/hour=23/20240309T235800Z-20240310T000300Z-p0-s2.parquet"},
		{"late pane with part", "lake/v1", iw, 3, 0, 1, ".parquet", "lake/v1/kpis/dt=2024-03-09/hour=23/20240309T235800Z-20240310T000300Z-p3-s0-part1.parquet"},
		{"global window", "", window.GlobalWindow{}, 0, 0, -1, ".jsonl", "kpis/dt=2024-03-09/hour=23/global-p0-s0.jsonl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ObjectKey(tc.prefix, "kpis", start, windowName(tc.w), tc.pane, tc.shard, tc.part, tc.ext); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestGroupKeyRoundTrip(t *testing.T) {
	for _, k := range []groupKey{{0, 0, -1}, {1710028680, 7, 0}, {-62135596800, 1, 3}} {
		got, err := parseGroupKey(k.String())
		if err != nil || got != k {
			t.Errorf("parseGroupKey(%q) = %v, %v; want %v", k.String(), got, err, k)
		}
	}
	if _, err := parseGroupKey("nonsense"); err == nil {
		t.Error("parseGroupKey accepted a malformed key")
	}
}

func TestSplitParts(t *testing.T) {
	items := []int{5, 5, 5, 5, 5}
	size := func(n int) int64 { return int64(n) }
	for _, tc := range []struct {
		name     string
		maxRows  int
		maxBytes int64
		want     []int
	}{
		{"no limit hit", 10, 100, []int{5}},
		{"by rows", 2, 100, []int{2, 2, 1}},
		{"by bytes", 10, 10, []int{2, 2, 1}},
		{"bytes below one item", 10, 1, []int{1, 1, 1, 1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parts := splitParts(items, size, tc.maxRows, tc.maxBytes)
			var got []int
			for _, p := range parts {
				got = append(got, len(p))
			}
			if len(got) != len(tc.want) {
				t.Fatalf("part sizes %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("part sizes %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// TestPartitionTimeIsTheHour: rows of one hour in the global window form one
// group, so they land in one object instead of overwriting each other.
func TestPartitionTimeIsTheHour(t *testing.T) {
	at := func(hh, mm, ss int) typex.EventTime {
		return mtime.FromTime(time.Date(2026, 11, 25, hh, mm, ss, 0, time.UTC))
	}
	f := &jsonShardFn{Cfg: sinkConfig{Table: "dlq", Shards: 1}}
	key := func(ts typex.EventTime) string {
		k, _, err := f.ProcessElement(window.GlobalWindow{}, ts, "row")
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	if a, b := key(at(21, 0, 1)), key(at(21, 59, 59)); a != b {
		t.Errorf("one hour, two groups: %s and %s", a, b)
	}
	if a, b := key(at(21, 59, 59)), key(at(22, 0, 0)); a == b {
		t.Errorf("two hours, one group %s", a)
	}
}

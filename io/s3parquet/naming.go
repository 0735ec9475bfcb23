package s3parquet

import (
	"fmt"
	"hash/fnv"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/mtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/typex"
)

const stampLayout = "20060102T150405Z"

// groupKey identifies one output group: a partition hour and a shard. It is
// encoded as a string so the GroupByKey key coder is deterministic.
type groupKey struct {
	PartitionUnix int64
	Shard         int
}

func (k groupKey) String() string { return fmt.Sprintf("%d/%d", k.PartitionUnix, k.Shard) }

func parseGroupKey(s string) (groupKey, error) {
	hour, shard, ok := strings.Cut(s, "/")
	if !ok {
		return groupKey{}, fmt.Errorf("s3parquet: malformed group key %q", s)
	}
	h, err := strconv.ParseInt(hour, 10, 64)
	if err != nil {
		return groupKey{}, fmt.Errorf("s3parquet: group key %q: %w", s, err)
	}
	n, err := strconv.Atoi(shard)
	if err != nil {
		return groupKey{}, fmt.Errorf("s3parquet: group key %q: %w", s, err)
	}
	return groupKey{PartitionUnix: h, Shard: n}, nil
}

// partitionTime picks the hour that decides dt/hour: that of the row's own
// choice, else of the window start, else (global window) of the element
// timestamp. It is truncated to the hour because it keys the output groups
// and the object name holds nothing finer: two groups of one hour (say dead
// letters a second apart in the global window) would write the same object,
// and the last would overwrite the first.
func partitionTime(row any, w typex.Window, ts typex.EventTime) time.Time {
	var t time.Time
	if p, ok := row.(PartitionTimer); ok {
		t = p.PartitionTime()
	} else if iw, ok := w.(window.IntervalWindow); ok {
		t = iw.Start.ToTime()
	} else {
		t = mtime.Time(ts).ToTime()
	}
	return t.UTC().Truncate(time.Hour)
}

// shardOf maps a shard key to [0, n) with FNV-1a, which is stable across
// processes and Go versions (unlike maphash).
func shardOf(key []byte, n int) int {
	if n <= 1 {
		return 0
	}
	h := fnv.New64a()
	h.Write(key)
	return int(h.Sum64() % uint64(n))
}

// windowName renders the window part of an object name.
func windowName(w typex.Window) string {
	iw, ok := w.(window.IntervalWindow)
	if !ok {
		return "global"
	}
	return iw.Start.ToTime().UTC().Format(stampLayout) + "-" + iw.End.ToTime().UTC().Format(stampLayout)
}

// ObjectKey returns the S3 key of one output object. part < 0 means the group
// fits one object and gets no part suffix.
func ObjectKey(prefix, table string, partition time.Time, windowPart string, pane int64, shard, part int, ext string) string {
	p := partition.UTC()
	name := fmt.Sprintf("%s-p%d-s%d", windowPart, pane, shard)
	if part >= 0 {
		name += fmt.Sprintf("-part%d", part)
	}
	return path.Join(prefix, table, "dt="+p.Format("2006-01-02"), "hour="+p.Format("15"), name+ext)
}

func unixTime(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

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

// groupKey identifies one output group: a partition hour, a shard and, for
// PaneIndexer rows, the rows' pane (-1 otherwise: the sink's pane names the
// object). It is encoded as a string so the GroupByKey key coder is
// deterministic.
type groupKey struct {
	PartitionUnix int64
	Shard         int
	Pane          int64
}

func (k groupKey) String() string { return fmt.Sprintf("%d/%d/%d", k.PartitionUnix, k.Shard, k.Pane) }

// objectPane is the pane that names the group's object: the rows' own, or
// the sink's firing's (sinkPane).
func (k groupKey) objectPane(sinkPane int64) int64 {
	if k.Pane >= 0 {
		return k.Pane
	}
	return sinkPane
}

func parseGroupKey(s string) (groupKey, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return groupKey{}, fmt.Errorf("s3parquet: malformed group key %q", s)
	}
	h, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return groupKey{}, fmt.Errorf("s3parquet: group key %q: %w", s, err)
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil {
		return groupKey{}, fmt.Errorf("s3parquet: group key %q: %w", s, err)
	}
	pn, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return groupKey{}, fmt.Errorf("s3parquet: group key %q: %w", s, err)
	}
	return groupKey{PartitionUnix: h, Shard: n, Pane: pn}, nil
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

package s3parquet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

func init() {
	register.DoFn3x3[beam.Window, beam.EventTime, beam.X, string, []byte, error](&jsonShardFn{})
	register.DoFn6x1[context.Context, beam.PaneInfo, beam.Window, string, func(*[]byte) bool, func(string), error](&jsonWriteFn{})
	register.Iter1[[]byte]()
}

// WriteJSONLines writes col, a PCollection<T> of any JSON-marshalable type, as
// JSON Lines objects (".jsonl", one encoding/json document per line) with the
// same layout, sharding, ordering, rolling and encryption as Write. It suits
// the dead-letter table, whose raw payloads need not fit a columnar schema.
// It returns a PCollection<string> of the s3:// URIs written.
func WriteJSONLines(s beam.Scope, bucket, table string, col beam.PCollection, opts ...Option) beam.PCollection {
	s = s.Scope("s3parquet.WriteJSONLines")
	c := newConfig(bucket, table, opts)
	keyed := beam.ParDo(s, &jsonShardFn{Cfg: c}, col)
	grouped := beam.GroupByKey(s, keyed)
	return beam.ParDo(s, &jsonWriteFn{Cfg: c}, grouped)
}

// jsonShardFn encodes each row once; the line is both the sort key and the
// output, and encoding/json sorts map keys, so it is canonical.
type jsonShardFn struct {
	Cfg sinkConfig
}

func (f *jsonShardFn) ProcessElement(w beam.Window, ts beam.EventTime, row beam.X) (string, []byte, error) {
	line, err := json.Marshal(row)
	if err != nil {
		return "", nil, fmt.Errorf("s3parquet: encode %s row as JSON: %w", f.Cfg.Table, err)
	}
	key := line
	if k, ok := row.(ShardKeyer); ok {
		key = []byte(k.ShardKey())
	}
	gk := groupKey{PartitionUnix: partitionTime(row, w, ts).Unix(), Shard: shardOf(key, f.Cfg.Shards), Pane: -1}
	return gk.String(), line, nil
}

// jsonWriteFn writes one group of JSON lines.
type jsonWriteFn struct {
	Cfg sinkConfig

	out  store
	rows beam.Counter
	objs beam.Counter
}

func (f *jsonWriteFn) Setup(ctx context.Context) error {
	f.rows = beam.NewCounter("s3parquet", "rows_"+f.Cfg.Table)
	f.objs = beam.NewCounter("s3parquet", "objects_"+f.Cfg.Table)
	var err error
	f.out, err = newStore(ctx, f.Cfg)
	return err
}

func (f *jsonWriteFn) ProcessElement(ctx context.Context, pn beam.PaneInfo, w beam.Window, key string, iter func(*[]byte) bool, emit func(string)) error {
	gk, err := parseGroupKey(key)
	if err != nil {
		return err
	}
	var lines [][]byte
	var line []byte
	for iter(&line) {
		lines = append(lines, line)
	}
	sort.Slice(lines, func(i, j int) bool { return bytes.Compare(lines[i], lines[j]) < 0 })
	parts := splitParts(lines, func(l []byte) int64 { return int64(len(l) + 1) }, f.Cfg.MaxRows, f.Cfg.MaxBytes)
	for i, part := range parts {
		partNo := i
		if len(parts) == 1 {
			partNo = -1
		}
		body := append(bytes.Join(part, []byte{'\n'}), '\n')
		objKey := ObjectKey(f.Cfg.Prefix, f.Cfg.Table, unixTime(gk.PartitionUnix), windowName(w), gk.objectPane(pn.Index), gk.Shard, partNo, ".jsonl")
		if err := f.out.put(ctx, objKey, "application/x-ndjson", body); err != nil {
			return err
		}
		f.rows.Inc(ctx, int64(len(part)))
		f.objs.Inc(ctx, 1)
		emit(f.out.uri(objKey))
	}
	return nil
}

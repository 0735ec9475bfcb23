package s3parquet

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"reflect"
	"sort"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
)

func init() {
	register.DoFn3x2[beam.Window, beam.EventTime, beam.X, string, beam.X](&parquetShardFn{})
	register.DoFn6x1[context.Context, beam.PaneInfo, beam.Window, string, func(*beam.X) bool, func(string), error](&parquetWriteFn{})
	register.Iter1[beam.X]()
	register.Emitter1[string]()
}

// Write writes col, a PCollection<T> where T is a struct with parquet tags, as
// Parquet objects under s3://bucket/<prefix>/<table>/ (see the package doc for
// names), one object per window × pane × shard (× part when it rolls). It
// returns a PCollection<string> of the s3:// URIs written.
func Write(s beam.Scope, bucket, table string, col beam.PCollection, opts ...Option) beam.PCollection {
	s = s.Scope("s3parquet.Write")
	c := newConfig(bucket, table, opts)
	t := beam.EncodedType{T: col.Type().Type()}
	keyed := beam.ParDo(s, &parquetShardFn{Cfg: c, Type: t}, col)
	grouped := beam.GroupByKey(s, keyed)
	return beam.ParDo(s, &parquetWriteFn{Cfg: c, Type: t}, grouped)
}

// parquetShardFn keys each row by its partition hour and shard.
type parquetShardFn struct {
	Cfg  sinkConfig
	Type beam.EncodedType

	schema *parquet.Schema
}

func (f *parquetShardFn) Setup() { f.schema = schemaOf(f.Type.T) }

func (f *parquetShardFn) ProcessElement(w beam.Window, ts beam.EventTime, row beam.X) (string, beam.X) {
	var key []byte
	if k, ok := row.(ShardKeyer); ok {
		key = []byte(k.ShardKey())
	} else if f.Cfg.Shards > 1 {
		// Only a spread over shards needs the row's encoding here: the
		// write deconstructs every row again to sort it.
		key = rowKey(f.schema.Deconstruct(nil, row))
	}
	gk := groupKey{PartitionUnix: partitionTime(row, w, ts).Unix(), Shard: shardOf(key, f.Cfg.Shards)}
	return gk.String(), row
}

// parquetWriteFn writes one group (window × pane × partition × shard).
type parquetWriteFn struct {
	Cfg  sinkConfig
	Type beam.EncodedType

	schema *parquet.Schema
	out    store
	rows   beam.Counter
	objs   beam.Counter
	bytes  beam.Counter
}

func (f *parquetWriteFn) Setup(ctx context.Context) error {
	f.schema = schemaOf(f.Type.T)
	if _, err := codecOf(f.Cfg.Codec); err != nil {
		return err
	}
	f.rows = beam.NewCounter("s3parquet", "rows_"+f.Cfg.Table)
	f.objs = beam.NewCounter("s3parquet", "objects_"+f.Cfg.Table)
	f.bytes = beam.NewCounter("s3parquet", "bytes_"+f.Cfg.Table)
	var err error
	f.out, err = newStore(ctx, f.Cfg)
	return err
}

func (f *parquetWriteFn) ProcessElement(ctx context.Context, pn beam.PaneInfo, w beam.Window, key string, iter func(*beam.X) bool, emit func(string)) error {
	gk, err := parseGroupKey(key)
	if err != nil {
		return err
	}
	var rows []keyedRow
	var x beam.X
	for iter(&x) {
		r := f.schema.Deconstruct(nil, x)
		rows = append(rows, keyedRow{row: r, key: rowKey(r)})
	}
	sort.Slice(rows, func(i, j int) bool { return bytes.Compare(rows[i].key, rows[j].key) < 0 })
	// The key length approximates the row's uncompressed size.
	parts := splitParts(rows, func(r keyedRow) int64 { return int64(len(r.key)) }, f.Cfg.MaxRows, f.Cfg.MaxBytes)
	codec, _ := codecOf(f.Cfg.Codec)
	for i, part := range parts {
		body, err := f.encode(part, codec)
		if err != nil {
			return fmt.Errorf("s3parquet: encode %s window %s shard %d: %w", f.Cfg.Table, windowName(w), gk.Shard, err)
		}
		partNo := i
		if len(parts) == 1 {
			partNo = -1
		}
		objKey := ObjectKey(f.Cfg.Prefix, f.Cfg.Table, unixTime(gk.PartitionUnix), windowName(w), pn.Index, gk.Shard, partNo, ".parquet")
		if err := f.out.put(ctx, objKey, "application/vnd.apache.parquet", body); err != nil {
			return err
		}
		f.rows.Inc(ctx, int64(len(part)))
		f.objs.Inc(ctx, 1)
		f.bytes.Inc(ctx, int64(len(body)))
		emit(f.out.uri(objKey))
	}
	return nil
}

func (f *parquetWriteFn) encode(rows []keyedRow, codec compress.Codec) ([]byte, error) {
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, f.schema, parquet.Compression(codec), parquet.MaxRowsPerRowGroup(f.Cfg.RowGroupRows))
	batch := make([]parquet.Row, len(rows))
	for i, r := range rows {
		batch[i] = r.row
	}
	if _, err := w.WriteRows(batch); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func schemaOf(t reflect.Type) *parquet.Schema { return parquet.SchemaOf(reflect.Zero(t).Interface()) }

func codecOf(name string) (compress.Codec, error) {
	switch name {
	case CodecZstd:
		return &parquet.Zstd, nil
	case CodecSnappy:
		return &parquet.Snappy, nil
	case CodecUncompressed:
		return &parquet.Uncompressed, nil
	}
	return nil, fmt.Errorf("s3parquet: unknown codec %q", name)
}

// keyedRow is a row with its canonical encoding, the sort and shard key.
type keyedRow struct {
	row parquet.Row
	key []byte
}

// rowKey encodes a row's values (column, levels, kind, bytes) into a byte
// string that is equal exactly when the rows are, so sorting by it gives a
// content-determined order.
func rowKey(r parquet.Row) []byte {
	var b []byte
	for _, v := range r {
		b = binary.BigEndian.AppendUint16(b, uint16(v.Column()))
		b = append(b, byte(v.RepetitionLevel()), byte(v.DefinitionLevel()), byte(v.Kind()))
		if v.IsNull() {
			b = append(b, 0)
			continue
		}
		vb := v.Bytes()
		b = binary.AppendUvarint(append(b, 1), uint64(len(vb)))
		b = append(b, vb...)
	}
	return b
}

// splitParts cuts sorted items into parts of at most maxRows items and about
// maxBytes bytes (as measured by size); the cut points depend only on the
// items, so part numbers are stable across replays.
func splitParts[T any](items []T, size func(T) int64, maxRows int, maxBytes int64) [][]T {
	var parts [][]T
	start, n := 0, int64(0)
	for i, it := range items {
		if i > start && (i-start >= maxRows || n >= maxBytes) {
			parts = append(parts, items[start:i])
			start, n = i, 0
		}
		n += size(it)
	}
	if start < len(items) {
		parts = append(parts, items[start:])
	}
	return parts
}

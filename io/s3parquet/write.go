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
	register.DoFn3x3[beam.Window, beam.EventTime, beam.X, string, []byte, error](&parquetShardFn{})
	register.DoFn6x1[context.Context, beam.PaneInfo, beam.Window, string, func(*[]byte) bool, func(string), error](&parquetWriteFn{})
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

// parquetShardFn keys each row by its partition hour and shard, and turns it
// into its row codec's encoding (codec.go), a pack of one row (batch.go):
// rows cross the GroupByKey as opaque bytes, which the sort needs anyway,
// instead of through a Beam row coder, which a Java runner decodes and
// re-encodes field by field (on Flink, row coders were a fifth of the job
// server's CPU samples).
type parquetShardFn struct {
	Cfg  sinkConfig
	Type beam.EncodedType

	rowCodec rowCodec
}

func (f *parquetShardFn) Setup() { f.rowCodec = rowCodecOf(f.Type.T) }

func (f *parquetShardFn) ProcessElement(w beam.Window, ts beam.EventTime, row beam.X) (string, []byte, error) {
	enc, err := f.rowCodec.appendEncoded(nil, row)
	if err != nil {
		return "", nil, err
	}
	return rowGroupKey(row, enc, w, ts, f.Cfg.Shards).String(), appendPacked(nil, enc), nil
}

// parquetWriteFn writes one group (window × pane × partition × shard).
type parquetWriteFn struct {
	Cfg  sinkConfig
	Type beam.EncodedType

	rowCodec    rowCodec
	compression compress.Codec
	out         store
	rows        beam.Counter
	objs        beam.Counter
	bytes       beam.Counter
}

func (f *parquetWriteFn) Setup(ctx context.Context) error {
	f.rowCodec = rowCodecOf(f.Type.T)
	var err error
	if f.compression, err = codecOf(f.Cfg.Codec); err != nil {
		return err
	}
	f.rows = beam.NewCounter("s3parquet", "rows_"+f.Cfg.Table)
	f.objs = beam.NewCounter("s3parquet", "objects_"+f.Cfg.Table)
	f.bytes = beam.NewCounter("s3parquet", "bytes_"+f.Cfg.Table)
	f.out, err = newStore(ctx, f.Cfg)
	return err
}

func (f *parquetWriteFn) ProcessElement(ctx context.Context, pn beam.PaneInfo, w beam.Window, key string, iter func(*[]byte) bool, emit func(string)) error {
	gk, err := parseGroupKey(key)
	if err != nil {
		return err
	}
	var encoded [][]byte
	var pack []byte
	for iter(&pack) {
		if encoded, err = unpack(encoded, pack); err != nil {
			return fmt.Errorf("s3parquet: %s window %s: %w", f.Cfg.Table, windowName(w), err)
		}
	}
	sort.Slice(encoded, func(i, j int) bool { return bytes.Compare(encoded[i], encoded[j]) < 0 })
	// The encoding's length approximates the row's uncompressed size.
	parts := splitParts(encoded, func(e []byte) int64 { return int64(len(e)) }, f.Cfg.MaxRows, f.Cfg.MaxBytes)
	for i, part := range parts {
		body, err := f.rowCodec.parquet(part, f.compression, f.Cfg.RowGroupRows)
		if err != nil {
			return fmt.Errorf("s3parquet: encode %s window %s shard %d: %w", f.Cfg.Table, windowName(w), gk.Shard, err)
		}
		partNo := i
		if len(parts) == 1 {
			partNo = -1
		}
		objKey := ObjectKey(f.Cfg.Prefix, f.Cfg.Table, unixTime(gk.PartitionUnix), windowName(w), gk.objectPane(pn.Index), gk.Shard, partNo, ".parquet")
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

// encodeRow encodes a row's values (column, levels, kind, bytes) into a byte
// string that is equal exactly when the rows are, so sorting by it gives a
// content-determined order, and from which decodeRow rebuilds the row.
func encodeRow(r parquet.Row) []byte {
	n := 0
	for _, v := range r {
		n += 16 // header, length, a fixed-size value
		if k := v.Kind(); !v.IsNull() && (k == parquet.ByteArray || k == parquet.FixedLenByteArray) {
			n += len(v.ByteArray())
		}
	}
	b := make([]byte, 0, n)
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

// decodeRow reverses encodeRow. Byte array values share b.
func decodeRow(b []byte) (row parquet.Row, err error) {
	row = make(parquet.Row, 0, len(b)/16)
	defer func() {
		// parquet.Kind.Value panics on data that does not fit the kind.
		if p := recover(); p != nil {
			row, err = nil, fmt.Errorf("s3parquet: encoded row: %v", p)
		}
	}()
	for len(b) > 0 {
		if len(b) < 6 {
			return nil, fmt.Errorf("s3parquet: encoded row: %d bytes left, want a value header", len(b))
		}
		column, rep, def, kind, set := int(binary.BigEndian.Uint16(b)), int(b[2]), int(b[3]), parquet.Kind(int8(b[4])), b[5] == 1
		b = b[6:]
		if !set {
			row = append(row, parquet.NullValue().Level(rep, def, column))
			continue
		}
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return nil, fmt.Errorf("s3parquet: encoded row: value of column %d overruns the encoding", column)
		}
		row = append(row, kind.Value(b[k:k+int(n)]).Level(rep, def, column))
		b = b[k+int(n):]
	}
	return row, nil
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

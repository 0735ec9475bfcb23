package s3parquet

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/mtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

func init() {
	register.DoFn4x1[beam.Window, beam.EventTime, beam.X, func(string, []byte), error](&batchShardFn{})
	register.DoFn3x1[beam.EventTime, beam.X, func(beam.EventTime, string, []byte), error](&bundlePackFn{})
	register.Emitter2[string, []byte]()
	register.Emitter3[beam.EventTime, string, []byte]()
}

// Rows cross the sink's GroupByKey in packs: the length-prefixed encodings
// (rowCodec, codec.go) of one or more rows of one group. On a portable
// runner every element that crosses costs encoding on both sides and, in
// Flink's streaming translation, a trigger and state update per element and
// window; a pack pays that once for many rows. Write sends packs of one row;
// WriteBatches and WriteFixedWindows send a pack per group and batch or
// bundle.

// appendPacked appends one encoded row to a pack.
func appendPacked(pack, enc []byte) []byte {
	return append(binary.AppendUvarint(pack, uint64(len(enc))), enc...)
}

// unpack appends the encoded rows of pack to rows; they share pack's bytes.
func unpack(rows [][]byte, pack []byte) ([][]byte, error) {
	for len(pack) > 0 {
		n, k := binary.Uvarint(pack)
		if k <= 0 || uint64(len(pack)-k) < n {
			return rows, fmt.Errorf("s3parquet: pack: row %d overruns the pack", len(rows))
		}
		rows = append(rows, pack[k:k+int(n)])
		pack = pack[k+int(n):]
	}
	return rows, nil
}

// Batch is implemented by types that carry many rows of one table as one
// element (for example the rows of one aggregation's firing), for
// WriteBatches. Every row is a value of the same struct type.
type Batch interface {
	ParquetRows() []any
}

// WriteBatches writes col, a PCollection<B> where B implements Batch and
// every row is of row's type, exactly as Write writes the rows one by one:
// same windows, panes, object names and bytes. Each batch crosses the sink's
// GroupByKey as one element per group key it has rows for, instead of one
// element per row.
func WriteBatches(s beam.Scope, bucket, table string, col beam.PCollection, row any, opts ...Option) beam.PCollection {
	s = s.Scope("s3parquet.WriteBatches")
	if !col.Type().Type().Implements(reflect.TypeFor[Batch]()) {
		panic(fmt.Sprintf("s3parquet.WriteBatches: %v does not implement s3parquet.Batch", col.Type().Type()))
	}
	c := newConfig(bucket, table, opts)
	t := beam.EncodedType{T: reflect.TypeOf(row)}
	keyed := beam.ParDo(s, &batchShardFn{Cfg: c, Type: t}, col)
	return beam.ParDo(s, &parquetWriteFn{Cfg: c, Type: t}, beam.GroupByKey(s, keyed))
}

// WriteFixedWindows writes col, a PCollection<T> of rows in the global
// window, in fixed event-time windows of size: the objects of
// Write(beam.WindowInto(s, window.NewFixedWindows(size), col)). The rows of a
// bundle are packed per window and group before they are windowed, so a
// bundle sends one element per window and group instead of one per row.
// A pack is timestamped with its latest row, so it is late for the sink's
// GroupByKey only when all its rows are. then, if not nil, is applied to the
// windowed packs before the GroupByKey (for example checkpoint.DropFinal).
func WriteFixedWindows(s beam.Scope, bucket, table string, col beam.PCollection, size time.Duration, then func(beam.Scope, beam.PCollection) beam.PCollection, opts ...Option) beam.PCollection {
	s = s.Scope("s3parquet.WriteFixedWindows")
	return writeFixedWindows(s, newConfig(bucket, table, opts), col, col.Type().Type(), false, size, then)
}

// TimedBatch is implemented by types that carry many rows of one table as
// one element, each row with its own event time, for
// WriteFixedWindowBatches. Both slices have one entry per row.
type TimedBatch interface {
	ParquetRows() []any
	ParquetRowMillis() []int64 // Unix milliseconds
}

// WriteFixedWindowBatches is WriteFixedWindows for col, a PCollection<B>
// where B implements TimedBatch and every row is of row's type: each row is
// windowed by its own event time, not by its batch's timestamp, and the
// objects are those WriteFixedWindows writes from the rows one by one. Stamp
// a batch no later than its earliest row (as the row-by-row input would be):
// a pack is timestamped with its latest row, and it is late for the sink's
// GroupByKey when that is behind the watermark.
func WriteFixedWindowBatches(s beam.Scope, bucket, table string, col beam.PCollection, row any, size time.Duration, then func(beam.Scope, beam.PCollection) beam.PCollection, opts ...Option) beam.PCollection {
	s = s.Scope("s3parquet.WriteFixedWindowBatches")
	if !col.Type().Type().Implements(reflect.TypeFor[TimedBatch]()) {
		panic(fmt.Sprintf("s3parquet.WriteFixedWindowBatches: %v does not implement s3parquet.TimedBatch", col.Type().Type()))
	}
	return writeFixedWindows(s, newConfig(bucket, table, opts), col, reflect.TypeOf(row), true, size, then)
}

func writeFixedWindows(s beam.Scope, c sinkConfig, col beam.PCollection, row reflect.Type, batched bool, size time.Duration, then func(beam.Scope, beam.PCollection) beam.PCollection) beam.PCollection {
	t := beam.EncodedType{T: row}
	packs := beam.ParDo(s, &bundlePackFn{Cfg: c, Type: t, SizeMillis: size.Milliseconds(), Batched: batched}, col)
	windowed := beam.WindowInto(s, window.NewFixedWindows(size), packs)
	if then != nil {
		windowed = then(s, windowed)
	}
	return beam.ParDo(s, &parquetWriteFn{Cfg: c, Type: t}, beam.GroupByKey(s, windowed))
}

// rowGroupKey is the group of a row: its partition hour, shard and pane.
func rowGroupKey(row any, enc []byte, w beam.Window, ts beam.EventTime, shards int) groupKey {
	key := enc
	if k, ok := row.(ShardKeyer); ok {
		key = []byte(k.ShardKey())
	}
	gk := groupKey{PartitionUnix: partitionTime(row, w, ts).Unix(), Shard: shardOf(key, shards), Pane: -1}
	if p, ok := row.(PaneIndexer); ok {
		gk.Pane = p.PaneIndex()
	}
	return gk
}

// batchShardFn splits a batch into one pack per group key.
type batchShardFn struct {
	Cfg  sinkConfig
	Type beam.EncodedType

	rowCodec rowCodec
	scratch  []byte // one row's encoding, copied into its pack
}

func (f *batchShardFn) Setup() { f.rowCodec = rowCodecOf(f.Type.T) }

func (f *batchShardFn) ProcessElement(w beam.Window, ts beam.EventTime, b beam.X, emit func(string, []byte)) error {
	packs := map[groupKey][]byte{}
	for _, row := range b.(Batch).ParquetRows() {
		enc, err := f.rowCodec.appendEncoded(f.scratch[:0], row)
		if err != nil {
			return err
		}
		f.scratch = enc
		gk := rowGroupKey(row, enc, w, ts, f.Cfg.Shards)
		packs[gk] = appendPacked(packs[gk], enc)
	}
	for gk, p := range packs {
		emit(gk.String(), p)
	}
	return nil
}

// maxPackedBytes bounds what a bundlePackFn holds before it flushes early
// (a flush only splits packs; the groups and their rows stay the same).
const maxPackedBytes = 16 << 20

// bundlePackFn packs the rows of a bundle per fixed window and group, in the
// global window; WriteFixedWindows windows the packs afterwards. Batched
// says its elements are TimedBatches.
type bundlePackFn struct {
	Cfg        sinkConfig
	Type       beam.EncodedType
	SizeMillis int64
	Batched    bool

	rowCodec rowCodec
	scratch  []byte // one row's encoding, copied into its pack
	packs    map[windowGroup]*bundlePack
	bytes    int
}

// windowGroup is a group key within one fixed window (by its start).
type windowGroup struct {
	start int64
	gk    groupKey
}

type bundlePack struct {
	latest int64
	rows   []byte
}

func (f *bundlePackFn) Setup() { f.rowCodec = rowCodecOf(f.Type.T) }

// StartBundle takes the emitter only because Beam Go requires every method
// of a DoFn that emits in FinishBundle to list it.
func (f *bundlePackFn) StartBundle(_ func(beam.EventTime, string, []byte)) {
	f.packs, f.bytes = map[windowGroup]*bundlePack{}, 0
}

func (f *bundlePackFn) ProcessElement(ts beam.EventTime, x beam.X, emit func(beam.EventTime, string, []byte)) error {
	if !f.Batched {
		return f.add(mtime.Time(ts).Milliseconds(), x, emit)
	}
	b := x.(TimedBatch)
	rows, ms := b.ParquetRows(), b.ParquetRowMillis()
	if len(rows) != len(ms) {
		return fmt.Errorf("s3parquet: %T has %d rows and %d row times", x, len(rows), len(ms))
	}
	for i, row := range rows {
		if err := f.add(ms[i], row, emit); err != nil {
			return err
		}
	}
	return nil
}

// add packs row, of event time ms.
func (f *bundlePackFn) add(ms int64, row any, emit func(beam.EventTime, string, []byte)) error {
	start := ms - ((ms%f.SizeMillis)+f.SizeMillis)%f.SizeMillis
	w := window.IntervalWindow{Start: mtime.FromMilliseconds(start), End: mtime.FromMilliseconds(start + f.SizeMillis)}
	enc, err := f.rowCodec.appendEncoded(f.scratch[:0], row)
	if err != nil {
		return err
	}
	f.scratch = enc
	k := windowGroup{start: start, gk: rowGroupKey(row, enc, w, mtime.FromMilliseconds(ms), f.Cfg.Shards)}
	p := f.packs[k]
	if p == nil {
		p = &bundlePack{latest: ms}
		f.packs[k] = p
	}
	p.latest = max(p.latest, ms)
	p.rows = appendPacked(p.rows, enc)
	if f.bytes += len(enc); f.bytes >= maxPackedBytes {
		f.FinishBundle(emit)
	}
	return nil
}

func (f *bundlePackFn) FinishBundle(emit func(beam.EventTime, string, []byte)) {
	for k, p := range f.packs {
		emit(mtime.FromMilliseconds(p.latest), k.gk.String(), p.rows)
	}
	clear(f.packs)
	f.bytes = 0
}

package s3parquet

import (
	"bytes"
	"encoding"
	"fmt"
	"io"
	"reflect"
	"sync"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/coder"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
)

// A rowCodec moves one row type from the sinks' shard step, through the
// GroupByKey as bytes, to the Parquet writer. The bytes must be equal
// exactly when the rows are: their order is the order of the rows in an
// object, which makes objects content-determined.
type rowCodec interface {
	// appendEncoded appends row's bytes to b.
	appendEncoded(b []byte, row any) ([]byte, error)
	// parquet writes the rows of encoded, in that order, as one object.
	parquet(encoded [][]byte, compression compress.Codec, rowGroupRows int64) ([]byte, error)
}

var (
	codecsMu sync.RWMutex
	codecs   = map[reflect.Type]rowCodec{}
)

// RegisterRowType makes the sinks move rows of type T (a struct with parquet
// tags) in a binary form and write them with parquet-go's generic writer,
// column by column, instead of deconstructing every row into parquet values,
// encoding and decoding them, and writing them row by row: on Flink at 1M
// events the Parquet sinks were 40 % of the Go workers' CPU that way. The
// objects hold the same rows under the same names.
//
// The binary form is T's own when T implements encoding.BinaryAppender and
// *T encoding.BinaryUnmarshaler (equal rows must encode to equal bytes: the
// bytes order the rows of an object), else Beam's row encoding, which is
// reflective and about five times slower (BenchmarkRowCodec). T must not have
// map fields (Beam's row encoding of a map follows Go's iteration order,
// which would make the row order of an object vary). Call it from an init
// function, in every process that runs the pipeline.
func RegisterRowType[T any]() {
	t := reflect.TypeFor[T]()
	if err := noMaps(t); err != nil {
		panic(fmt.Sprintf("s3parquet.RegisterRowType[%v]: %v", t, err))
	}
	codecsMu.Lock()
	defer codecsMu.Unlock()
	_, appends := any(*new(T)).(encoding.BinaryAppender)
	_, unmarshals := any(new(T)).(encoding.BinaryUnmarshaler)
	if appends && unmarshals {
		codecs[t] = binaryCodec[T]{}
		return
	}
	codecs[t] = &typedCodec[T]{}
}

// rowCodecOf returns the codec of rows of type t: the registered one, else one
// that deconstructs rows through the schema.
func rowCodecOf(t reflect.Type) rowCodec {
	codecsMu.RLock()
	c, ok := codecs[t]
	codecsMu.RUnlock()
	if ok {
		return c
	}
	return valuesCodec{schema: schemaOf(t)}
}

// noMaps refuses types with map fields, at any depth.
func noMaps(t reflect.Type) error {
	switch t.Kind() {
	case reflect.Map:
		return fmt.Errorf("%v is a map", t)
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return noMaps(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if err := noMaps(t.Field(i).Type); err != nil {
				return fmt.Errorf("field %s: %w", t.Field(i).Name, err)
			}
		}
	}
	return nil
}

// typedCodec moves rows of T in Beam's row encoding.
type typedCodec[T any] struct {
	once sync.Once
	err  error
	enc  func(any, io.Writer) error
	dec  func(io.Reader) (any, error)
}

func (c *typedCodec[T]) init() error {
	c.once.Do(func() {
		t := reflect.TypeFor[T]()
		enc, err := coder.RowEncoderForStruct(t)
		if err != nil {
			c.err = fmt.Errorf("s3parquet: row encoder of %v: %w", t, err)
			return
		}
		dec, err := coder.RowDecoderForStruct(t)
		if err != nil {
			c.err = fmt.Errorf("s3parquet: row decoder of %v: %w", t, err)
			return
		}
		c.enc, c.dec = enc, dec
	})
	return c.err
}

func (c *typedCodec[T]) appendEncoded(b []byte, row any) ([]byte, error) {
	if err := c.init(); err != nil {
		return nil, err
	}
	buf := bytes.NewBuffer(b)
	if err := c.enc(row, buf); err != nil {
		return nil, fmt.Errorf("s3parquet: encode %T: %w", row, err)
	}
	return buf.Bytes(), nil
}

func (c *typedCodec[T]) parquet(encoded [][]byte, compression compress.Codec, rowGroupRows int64) ([]byte, error) {
	if err := c.init(); err != nil {
		return nil, err
	}
	rows := make([]T, len(encoded))
	for i, e := range encoded {
		v, err := c.dec(bytes.NewReader(e))
		if err != nil {
			return nil, fmt.Errorf("s3parquet: decode row %d: %w", i, err)
		}
		r, ok := v.(T)
		if !ok {
			return nil, fmt.Errorf("s3parquet: decoded %T, want %v", v, reflect.TypeFor[T]())
		}
		rows[i] = r
	}
	return writeGeneric(rows, compression, rowGroupRows)
}

// writeGeneric writes rows as one Parquet object.
func writeGeneric[T any](rows []T, compression compress.Codec, rowGroupRows int64) ([]byte, error) {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf, parquet.Compression(compression), parquet.MaxRowsPerRowGroup(rowGroupRows))
	if _, err := w.Write(rows); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// binaryCodec moves rows of T in T's own binary form.
type binaryCodec[T any] struct{}

func (binaryCodec[T]) appendEncoded(b []byte, row any) ([]byte, error) {
	a, ok := row.(encoding.BinaryAppender)
	if !ok {
		return nil, fmt.Errorf("s3parquet: a %T row among rows of %v", row, reflect.TypeFor[T]())
	}
	return a.AppendBinary(b)
}

func (binaryCodec[T]) parquet(encoded [][]byte, compression compress.Codec, rowGroupRows int64) ([]byte, error) {
	rows := make([]T, len(encoded))
	for i, e := range encoded {
		if err := any(&rows[i]).(encoding.BinaryUnmarshaler).UnmarshalBinary(e); err != nil {
			return nil, fmt.Errorf("s3parquet: decode row %d: %w", i, err)
		}
	}
	return writeGeneric(rows, compression, rowGroupRows)
}

// valuesCodec moves rows as their deconstructed parquet values (encodeRow),
// for any row type.
type valuesCodec struct {
	schema *parquet.Schema
}

func (c valuesCodec) appendEncoded(b []byte, row any) ([]byte, error) {
	return append(b, encodeRow(c.schema.Deconstruct(nil, row))...), nil
}

func (c valuesCodec) parquet(encoded [][]byte, compression compress.Codec, rowGroupRows int64) ([]byte, error) {
	batch := make([]parquet.Row, len(encoded))
	for i, e := range encoded {
		r, err := decodeRow(e)
		if err != nil {
			return nil, err
		}
		batch[i] = r
	}
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, c.schema, parquet.Compression(compression), parquet.MaxRowsPerRowGroup(rowGroupRows))
	if _, err := w.WriteRows(batch); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

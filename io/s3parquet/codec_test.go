package s3parquet

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/deliverypipe/deliverypipe/transforms/wire"
)

// TestRowCodecs checks both ways rows travel to the writer: the rows read
// back from the object are the rows given, in order, and equal rows have
// equal bytes (the sort that makes objects content-determined relies on it).
func TestRowCodecs(t *testing.T) {
	type mapped struct {
		Tags map[string]string `parquet:"tags"`
	}
	if err := noMaps(reflect.TypeFor[mapped]()); err == nil {
		t.Error("noMaps accepts a struct with a map field")
	}
	rows := makeRows(50)
	asTestRow := func(r testRow) any { return r }
	tests := []struct {
		name  string
		codec rowCodec
		row   func(testRow) any               // the row as the codec's type
		read  func([]byte) ([]testRow, error) // the object's rows as testRows
	}{
		{"registered (Beam row encoding, generic writer)", &typedCodec[testRow]{}, asTestRow, readTestRows},
		{"registered with its own binary form", binaryCodec[binaryRow]{}, func(r testRow) any { return binaryRow(r) }, readBinaryRows},
		{"any type (parquet values)", valuesCodec{schema: schemaOf(reflect.TypeFor[testRow]())}, asTestRow, readTestRows},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			encoded := make([][]byte, len(rows))
			for i, r := range rows {
				var err error
				if encoded[i], err = tt.codec.appendEncoded(nil, tt.row(r)); err != nil {
					t.Fatal(err)
				}
				again, _ := tt.codec.appendEncoded([]byte("x"), tt.row(r))
				again = again[1:]
				if !bytes.Equal(encoded[i], again) {
					t.Errorf("row %d: two encodings differ", i)
				}
				if i > 0 && bytes.Equal(encoded[i], encoded[i-1]) {
					t.Errorf("rows %d and %d differ but encode equal", i-1, i)
				}
			}
			body, err := tt.codec.parquet(encoded, &parquet.Zstd, 16)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tt.read(body)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(normalize(got), normalize(rows)) {
				t.Errorf("read back %d rows that differ from the %d written", len(got), len(rows))
			}
		})
	}
}

func readTestRows(body []byte) ([]testRow, error) {
	return parquet.Read[testRow](bytes.NewReader(body), int64(len(body)))
}

func readBinaryRows(body []byte) ([]testRow, error) {
	rows, err := parquet.Read[binaryRow](bytes.NewReader(body), int64(len(body)))
	out := make([]testRow, len(rows))
	for i, r := range rows {
		out[i] = testRow(r)
	}
	return out, err
}

// binaryRow is a testRow with a binary form of its own.
type binaryRow testRow

func (r binaryRow) AppendBinary(b []byte) ([]byte, error) {
	b = wire.AppendString(wire.AppendString(b, r.ID), r.Kind)
	b = wire.AppendFloat(wire.AppendVarint(b, r.TimeMs), r.Amount)
	b = wire.AppendBools(b, r.Flag, r.Note != nil)
	if r.Note != nil {
		b = wire.AppendString(b, *r.Note)
	}
	b = wire.AppendLen(b, r.Tags == nil, len(r.Tags))
	for _, tag := range r.Tags {
		b = wire.AppendString(b, tag)
	}
	return b, nil
}

func (r *binaryRow) UnmarshalBinary(data []byte) error {
	d := wire.NewDecoder(data)
	r.ID, r.Kind, r.TimeMs, r.Amount = d.String(), d.String(), d.Varint(), d.Float()
	var hasNote bool
	d.Bools(&r.Flag, &hasNote)
	r.Note = nil
	if hasNote {
		note := d.String()
		r.Note = &note
	}
	r.Tags = nil
	if n, ok := d.Len(); ok {
		r.Tags = make([]string, n)
		for i := range r.Tags {
			r.Tags[i] = d.String()
		}
	}
	return d.Done()
}

// BenchmarkRowCodec: a row's way through a pack and back, in Beam's row
// encoding and in the row's own binary form.
func BenchmarkRowCodec(b *testing.B) {
	rows := makeRows(1000)
	for _, bc := range []struct {
		name  string
		codec rowCodec
		row   func(testRow) any
		dec   func([]byte) error
	}{
		{"beam-row", &typedCodec[testRow]{}, func(r testRow) any { return r }, nil},
		{"binary", binaryCodec[binaryRow]{}, func(r testRow) any { return binaryRow(r) }, func(e []byte) error { var r binaryRow; return r.UnmarshalBinary(e) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			tc, _ := bc.codec.(*typedCodec[testRow])
			if tc != nil {
				if err := tc.init(); err != nil {
					b.Fatal(err)
				}
			}
			var scratch []byte
			for b.Loop() {
				for _, r := range rows {
					var err error
					if scratch, err = bc.codec.appendEncoded(scratch[:0], bc.row(r)); err != nil {
						b.Fatal(err)
					}
					if tc != nil {
						_, err = tc.dec(bytes.NewReader(scratch))
					} else {
						err = bc.dec(scratch)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rows)), "ns/row")
		})
	}
}

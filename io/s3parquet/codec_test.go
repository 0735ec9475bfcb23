package s3parquet

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/parquet-go/parquet-go"
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
	tests := []struct {
		name  string
		codec rowCodec
	}{
		{"registered (Beam row encoding, generic writer)", &typedCodec[testRow]{}},
		{"any type (parquet values)", valuesCodec{schema: schemaOf(reflect.TypeFor[testRow]())}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			encoded := make([][]byte, len(rows))
			for i, r := range rows {
				var err error
				if encoded[i], err = tt.codec.encode(r); err != nil {
					t.Fatal(err)
				}
				again, _ := tt.codec.encode(r)
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
			got, err := parquet.Read[testRow](bytes.NewReader(body), int64(len(body)))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(normalize(got), normalize(rows)) {
				t.Errorf("read back %d rows that differ from the %d written", len(got), len(rows))
			}
		})
	}
}

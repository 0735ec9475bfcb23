package s3parquet

import (
	"reflect"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// TestRowEncodingRoundTrip: every row of makeRows (nulls, lists, every
// column kind) comes back from decodeRow equal, and every truncation of an
// encoding is an error, never a panic or a shorter row.
func TestRowEncodingRoundTrip(t *testing.T) {
	schema := schemaOf(reflect.TypeFor[testRow]())
	for i, r := range makeRows(40) {
		row := schema.Deconstruct(nil, r)
		enc := encodeRow(row)
		got, err := decodeRow(enc)
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		if !got.Equal(row) {
			t.Fatalf("row %d: decoded %v, want %v", i, got, row)
		}
		var back testRow
		if err := schema.Reconstruct(&back, got); err != nil || !reflect.DeepEqual(back, r) {
			t.Fatalf("row %d: reconstructed %+v (%v), want %+v", i, back, err, r)
		}
		for n := 1; n < len(enc); n++ {
			if part, err := decodeRow(enc[:n]); err == nil && len(part) == len(row) {
				t.Fatalf("row %d: %d of %d bytes decoded to a whole row", i, n, len(enc))
			}
		}
	}
	if _, err := decodeRow([]byte{0, 0, 0, 0, byte(parquet.Int64), 1, 3, 1, 2, 3}); err == nil {
		t.Error("an Int64 of 3 bytes decoded without an error")
	}
}

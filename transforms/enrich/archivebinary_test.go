package enrich

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/deliverypipe/deliverypipe/transforms/wire/wiretest"
)

func TestArchiveRowBinaryForm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rows := []ArchiveRow{
		{},
		{Items: []ArchiveItem{}},                 // empty, not nil
		{EventID: "e1", UnknownDriver: true},     // one flag of two
		{EventID: "e1", UnknownRestaurant: true}, // the other
		{EventTime: -1, Lat: -0.5, SchemaVersion: 1 << 40}, // negative and large numbers
	}
	for range 50 {
		rows = append(rows, wiretest.Random[ArchiveRow](rng))
	}
	wiretest.BinaryForm(t, rows...)
}

// TestSortedJSON: the metadata column is what encoding/json writes for the
// map, byte for byte (replays and older archives must match).
func TestSortedJSON(t *testing.T) {
	tests := []map[string]string{
		nil,
		{"a": "1"},
		{"b": "2", "a": "1", "c": ""},
		{"quote\"": "back\\slash", "ctl": "tab\tnl\n\x01", "html": "<a href='x'>&</a>"},
		{"é": "€ 😀", "sep": "\u2028\u2029", "bad": "\xff\xfe ok", "del": "\x7f"},
		{"": "empty key", "{}": "[1,2]", "json": `{"k":"v"}`},
	}
	for _, m := range tests {
		want := ""
		if len(m) > 0 {
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			want = string(b)
		}
		if got := sortedJSON(m); got != want {
			t.Errorf("sortedJSON(%q) = %s, want %s", m, got, want)
		}
	}
}

func FuzzSortedJSON(f *testing.F) {
	f.Add("k", "v", "k2", "<&>")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		m := map[string]string{k1: v1, k2: v2}
		want, _ := json.Marshal(m)
		if got := sortedJSON(m); got != string(want) {
			t.Errorf("sortedJSON(%q) = %s, want %s", m, got, want)
		}
	})
}

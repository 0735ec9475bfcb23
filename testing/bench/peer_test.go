package bench

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deliverypipe/deliverypipe/testing/reference"
	"github.com/deliverypipe/deliverypipe/transforms/event"
	"github.com/deliverypipe/deliverypipe/transforms/parse"
)

var (
	peerInput  = flag.String("peer-input", "", "directory to write the workload into as JSON Lines, for the PySpark peer")
	peerResult = flag.String("peer-result", "", "the PySpark peer's result JSON, to check against the reference")
)

// TestWritePeerInput writes the flags' workload for peer/peer.py (run.sh).
func TestWritePeerInput(t *testing.T) {
	if *peerInput == "" {
		t.Skip("no -peer-input")
	}
	if err := os.MkdirAll(*peerInput, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := workload(t).WriteJSONLines(filepath.Join(*peerInput, "events.jsonl")); err != nil {
		t.Fatal(err)
	}
}

// TestPeerMatchesReference checks the PySpark peer's event-type counts and
// restaurant counts and GMV against the reference on the same workload, so
// the speed comparison is between equal results.
func TestPeerMatchesReference(t *testing.T) {
	if *peerResult == "" {
		t.Skip("no -peer-result")
	}
	b, err := os.ReadFile(*peerResult)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		EventTypeCounts [][]json.RawMessage `json:"event_type_counts"`
		RestaurantKPIs  [][]json.RawMessage `json:"restaurant_kpis"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	w := workload(t)
	var valid []event.Event
	for _, l := range w.Lines {
		var e event.Event
		if err := parse.Decode(l, &e); err != nil {
			t.Fatal(err)
		}
		valid = append(valid, e)
	}
	o := options()
	events := reference.Dedup(valid)
	want := reference.EventTypeCounts(events, o.WindowSize, o.WindowPeriod)
	got := map[reference.WindowKey]int64{}
	for _, r := range res.EventTypeCounts {
		var k reference.WindowKey
		var n int64
		unmarshalRow(t, r, &k.WindowStart, &k.EventType, &n)
		got[k] = n
	}
	if d := reference.Diff(want, got, 20); len(d) > 0 {
		t.Errorf("peer event-type counts differ from the reference (%d rows):\n%s", len(want), strings.Join(d, "\n"))
	}
	wantR := reference.RestaurantKPIs(events, reference.Orders(events), o.WindowSize, o.WindowPeriod)
	gotR := map[reference.GroupKey][4]int64{}
	for _, r := range res.RestaurantKPIs {
		var k reference.GroupKey
		var v [4]int64
		unmarshalRow(t, r, &k.WindowStart, &k.Key, &v[0], &v[1], &v[2], &v[3])
		gotR[k] = v
	}
	rows, bad := 0, 0
	for k, g := range wantR {
		if g.Created+g.Delivered+g.Cancelled == 0 && len(g.Drivers) == 0 {
			continue // a window with only a delivery-time row: no events of its own
		}
		rows++
		if v := [4]int64{g.Created, g.Delivered, g.Cancelled, g.GMVCents}; gotR[k] != v {
			if bad++; bad <= 10 {
				t.Errorf("restaurant %s window %d: peer %v, reference %v", k.Key, k.WindowStart, gotR[k], v)
			}
		}
	}
	if rows != len(gotR) || bad > 0 {
		t.Errorf("peer has %d restaurant rows, reference %d; %d differ", len(gotR), rows, bad)
	}
	if rows == 0 {
		t.Fatal("reference has no restaurant rows: the check would prove nothing")
	}
}

func unmarshalRow(t *testing.T, row []json.RawMessage, into ...any) {
	t.Helper()
	if len(row) != len(into) {
		t.Fatalf("row %s: want %d columns", row, len(into))
	}
	for i, c := range row {
		if err := json.Unmarshal(c, into[i]); err != nil {
			t.Fatalf("row %s column %d: %v", row, i, err)
		}
	}
}

package main

import (
	"strings"
	"testing"
	"time"

	"github.com/deliverypipe/deliverypipe/pipelines/delivery/tables"
)

func TestCountLines(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"", 0},
		{"{}\n", 1},
		{"{}\n{}\n", 2},
		{"{}\n{}", 2},
		{strings.Repeat("x", 200_000) + "\n{}\n", 2}, // longer than one read
	} {
		got, err := countLines(strings.NewReader(tc.in))
		if err != nil || got != tc.want {
			t.Errorf("countLines(%.20q...) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestSummarizeWindows(t *testing.T) {
	const min = int64(60_000)
	latest := int64(1_710_072_000_000)
	et := func(typ string, start, count int64) tables.KPIItem {
		return tables.KPIItem{PK: "event_type#" + typ, SK: start, WindowEnd: start + 5*min, EventType: typ, Count: count}
	}
	rest := func(id string, start int64, n int64, mean, gmv float64) tables.KPIItem {
		return tables.KPIItem{PK: "restaurant#" + id, SK: start, WindowEnd: start + 5*min, DeliveryCount: n, DeliveryMinMean: mean, GMV: gmv}
	}
	for _, tc := range []struct {
		name        string
		items       []tables.KPIItem
		horizon     time.Duration
		wantWindows int
		wantGMV     float64
		wantSlowest string
	}{
		{name: "empty table", horizon: time.Hour},
		{
			name: "old windows outside the horizon are ignored",
			items: []tables.KPIItem{
				et("delivered", latest, 3), et("delivered", latest-min, 2), et("delivered", latest-2*time.Hour.Milliseconds(), 9),
				rest("a", latest, 2, 10, 5), rest("a", latest-2*time.Hour.Milliseconds(), 2, 99, 100),
			},
			horizon: time.Hour, wantWindows: 2, wantGMV: 5, wantSlowest: "a",
		},
		{
			name: "only tiling windows count towards the hour",
			items: []tables.KPIItem{
				et("delivered", latest, 3),
				rest("a", latest, 1, 10, 5), rest("a", latest-5*min, 1, 20, 7), rest("b", latest-min, 10, 90, 1000), rest("b", latest, 1, 12, 1),
			},
			horizon: 10 * time.Minute, wantWindows: 1, wantGMV: 13, wantSlowest: "a",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := summarize(tc.items, tc.horizon, 3)
			if len(s.Windows) != tc.wantWindows || s.Hour.GMV != tc.wantGMV {
				t.Errorf("windows=%d gmv=%v; want %d, %v", len(s.Windows), s.Hour.GMV, tc.wantWindows, tc.wantGMV)
			}
			if tc.wantSlowest != "" && (len(s.Slowest) == 0 || s.Slowest[0].ID != tc.wantSlowest) {
				t.Errorf("slowest = %+v; want %s first", s.Slowest, tc.wantSlowest)
			}
		})
	}
}

package kinesisio

import (
	"math"
	"testing"
	"time"
)

func TestEventTimeStamp(t *testing.T) {
	eventTime := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	arrival := eventTime.Add(9 * time.Hour) // a replay: arrival far ahead of event time
	fn := func(data []byte) (time.Time, bool) { return eventTime, string(data) == "ok" }
	p := EventTimePolicy("unused", time.Minute)
	shardWM := eventTime.Add(-30 * time.Second).UnixMilli()
	for _, tc := range []struct {
		data    string
		shardWM int64
		wantTS  time.Time
		wantWM  int64
	}{
		{"ok", shardWM, eventTime, eventTime.Add(-time.Minute).UnixMilli()},
		// Unreadable: the shard's watermark as timestamp, and no watermark move.
		{"garbage", shardWM, time.UnixMilli(shardWM), math.MinInt64},
		// Unreadable before the shard has a watermark: its arrival time.
		{"garbage", 0, arrival, math.MinInt64},
	} {
		ts, wm := p.stamp(fn, []byte(tc.data), arrival, arrival, tc.shardWM)
		if !ts.Equal(tc.wantTS) || wm != tc.wantWM {
			t.Errorf("%s: stamp = %v, %d; want %v, %d", tc.data, ts, wm, tc.wantTS, tc.wantWM)
		}
	}
}

package checkpoint

import (
	"context"
	"testing"
)

// TestCommitForwardOnly writes a sequence of commits for two shards and
// checks which applied and what the table holds afterwards: the watermark of
// a shard only moves forward, a stale commit changes nothing.
func TestCommitForwardOnly(t *testing.T) {
	ctx := context.Background()
	tb, _ := newTable(t)
	steps := []struct {
		shard string
		wm    int64
		seq   string
		want  bool
	}{
		{"shard-0", 1000, "100", true},
		{"shard-0", 2000, "200", true},
		{"shard-0", 1500, "150", false}, // older watermark
		{"shard-0", 2000, "250", false}, // same watermark: not forward
		{"shard-1", 500, "7", true},
		{"shard-0", FinalWatermark, "300", true},
		{"shard-0", 3000, "400", false}, // nothing passes the end of a bounded run
	}
	stored := map[string]Entry{} // what the table must hold, kept independently
	for i, s := range steps {
		e := Entry{Stream: "s", ShardID: s.shard, Sequence: s.seq, SubSequence: -1, WatermarkMillis: s.wm, UpdatedMillis: int64(i)}
		ok, err := tb.Commit(ctx, e)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if ok != s.want {
			t.Errorf("step %d (%s wm %d): applied = %v, want %v", i, s.shard, s.wm, ok, s.want)
		}
		if prev, had := stored[s.shard]; !had || prev.WatermarkMillis < s.wm {
			stored[s.shard] = e
		}
	}
	got, err := tb.Load(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(stored) {
		t.Fatalf("loaded %d entries, want %d: %+v", len(got), len(stored), got)
	}
	for id, w := range stored {
		if got[id] != w {
			t.Errorf("%s: loaded %+v, want %+v", id, got[id], w)
		}
	}
	other, err := tb.Load(ctx, "other-stream")
	if err != nil || len(other) != 0 {
		t.Errorf("another stream's entries: %v, %v; want none", other, err)
	}
	r := ResumeFrom(got)
	if r.FinalUntil != FinalWatermark || r.Positions["shard-1"] != got["shard-1"].Position() {
		t.Errorf("ResumeFrom = %+v", r)
	}
}

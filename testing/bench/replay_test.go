package bench

import (
	"fmt"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/mtime"
)

// TestReplayChunks pins the replay source's perfect watermark: after a
// chunk, the earliest event time of every later line minus 1 ms, and each
// chunk's records stamped no earlier than that, so no line is ever late.
func TestReplayChunks(t *testing.T) {
	t0 := time.Date(2024, 3, 1, 11, 0, 0, 0, time.UTC)
	line := func(minute int) []byte {
		return []byte(fmt.Sprintf(`{"event_id":"e","timestamp":%q}`, t0.Add(time.Duration(minute)*time.Minute).Format(time.RFC3339)))
	}
	ms := func(minute int) int64 { return t0.Add(time.Duration(minute) * time.Minute).UnixMilli() }
	// Minutes, out of order: a straggler (minute 1) in the third chunk.
	lines := [][]byte{line(0), line(3), line(2), line(5), line(1), []byte("not json"), line(9)}
	got := ReplayChunks(lines, 2)
	var off int64
	for i, c := range got {
		if c.Start != off {
			t.Errorf("chunk %d starts at byte %d, want %d", i, c.Start, off)
		}
		for _, l := range lines[i*2 : min(i*2+2, len(lines))] {
			off += int64(len(l)) + 1
		}
		if c.End != off {
			t.Errorf("chunk %d ends at byte %d, want %d", i, c.End, off)
		}
	}
	want := []struct{ stamp, watermark int64 }{
		{ms(0), ms(1) - 1}, // later lines: 2, 5, 1, -, 9
		{ms(1), ms(1) - 1}, // the straggler is still to come
		{ms(1), ms(9) - 1}, // the malformed line holds nothing back
		{ms(9), mtime.MaxTimestamp.Milliseconds() - 1}, // nothing later; the restriction's end takes it to +inf
	}
	if len(got) != len(want) {
		t.Fatalf("%d chunks, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].StampMillis != w.stamp || got[i].WatermarkMillis != w.watermark {
			t.Errorf("chunk %d: stamp %d watermark %d, want %d and %d", i, got[i].StampMillis, got[i].WatermarkMillis, w.stamp, w.watermark)
		}
	}
}

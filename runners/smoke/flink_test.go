//go:build flink

package smoke

import (
	"path/filepath"
	"slices"
	"testing"

	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/flink"
)

func TestFlinkWordCount(t *testing.T) {
	runOn(t, "flink", wordCountPipeline())
}

func TestFlinkStreamingEventTimeTimer(t *testing.T) {
	out := filepath.Join(t.TempDir(), "counts.txt")
	runOn(t, "flink", eventTimeTimerPipeline(out))
	got, want := readSortedLines(t, out), wantKeyCounts(timerEvents)
	if !slices.Equal(got, want) {
		t.Errorf("per-key counts from the event-time timer = %v, want %v", got, want)
	}
}

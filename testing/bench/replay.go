package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/mtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/sdf"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/rtrackers/offsetrange"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/deliverypipe/deliverypipe/transforms/parse"
)

func init() {
	register.DoFn4x2[*replayWatermark, *sdf.LockRTracker, []byte, func(beam.EventTime, parse.Raw), sdf.ProcessContinuation, error](&replayFn{})
	register.Emitter2[beam.EventTime, parse.Raw]()
	beam.RegisterType(reflect.TypeFor[ReplayChunk]())
}

// ReplayChunk is one step of ReplayFile: the bytes [Start, End) of the file,
// whole lines, and the watermark after them.
type ReplayChunk struct {
	Start, End int64
	// StampMillis is the timestamp the chunk's records carry until parse
	// stamps them with their event time (dead letters keep it): the
	// earliest event time of this chunk and every later one.
	StampMillis int64
	// WatermarkMillis is the earliest event time of every later line minus
	// 1 ms, so that no line is ever behind the watermark.
	WatermarkMillis int64
}

// ReplayChunks cuts lines, as WriteJSONLines writes them, into chunks of
// at most perChunk lines, each with the perfect watermark after it: the
// earliest event time still to come.
func ReplayChunks(lines [][]byte, perChunk int) []ReplayChunk {
	times := make([]int64, len(lines))
	for i, l := range lines {
		var e struct {
			Timestamp time.Time `json:"timestamp"`
		}
		if err := json.Unmarshal(l, &e); err != nil {
			// Malformed lines have no event time; they hold nothing back.
			times[i] = math.MaxInt64
			continue
		}
		times[i] = e.Timestamp.UnixMilli()
	}
	var chunks []ReplayChunk
	off := int64(0)
	for i := 0; i < len(lines); i += perChunk {
		end := min(i+perChunk, len(lines))
		c := ReplayChunk{Start: off}
		for _, l := range lines[i:end] {
			off += int64(len(l)) + 1
		}
		c.End = off
		chunks = append(chunks, c)
	}
	// Suffix minimum of event times, chunk by chunk from the end.
	later := int64(math.MaxInt64)
	for k := len(chunks) - 1; k >= 0; k-- {
		// After the last chunk nothing is left; the restriction's end moves it to +inf.
		chunks[k].WatermarkMillis = min(later, mtime.MaxTimestamp.Milliseconds()) - 1
		for _, t := range times[k*perChunk : min((k+1)*perChunk, len(lines))] {
			later = min(later, t)
		}
		chunks[k].StampMillis = min(later, mtime.MaxTimestamp.Milliseconds()-1)
	}
	return chunks
}

// ReplayFile replays the JSON Lines file at path as an unbounded source, as
// a stream is read in a deployment: one chunk per runner bundle, and after
// each chunk the watermark moves to the earliest event time still to come.
// So windows close, orders expire and archives are written as the input
// goes by, instead of all at the end as with StreamFile, whose bounded read
// holds the watermark back until the whole file is read.
func ReplayFile(s beam.Scope, path string, chunks []ReplayChunk) beam.PCollection {
	s = s.Scope("bench.Replay")
	return beam.ParDo(s, &replayFn{Path: path, Chunks: chunks}, beam.Impulse(s))
}

type replayFn struct {
	Path   string
	Chunks []ReplayChunk

	file *os.File
}

// replayWatermark moves only when told, after each chunk.
type replayWatermark struct{ ms int64 }

func (w *replayWatermark) CurrentWatermark() time.Time { return time.UnixMilli(w.ms) }

func (fn *replayFn) Setup() error {
	f, err := os.Open(fn.Path)
	if err != nil {
		return fmt.Errorf("bench: replay: %w", err)
	}
	fn.file = f
	return nil
}

func (fn *replayFn) Teardown() error { return fn.file.Close() }

func (fn *replayFn) CreateInitialRestriction(_ []byte) offsetrange.Restriction {
	return offsetrange.Restriction{Start: 0, End: int64(len(fn.Chunks))}
}

func (fn *replayFn) SplitRestriction(_ []byte, r offsetrange.Restriction) []offsetrange.Restriction {
	return []offsetrange.Restriction{r}
}

func (fn *replayFn) RestrictionSize(_ []byte, r offsetrange.Restriction) float64 { return r.Size() }

func (fn *replayFn) CreateTracker(r offsetrange.Restriction) *sdf.LockRTracker {
	return sdf.NewLockRTracker(offsetrange.NewTracker(r))
}

func (fn *replayFn) InitialWatermarkEstimatorState(_ beam.EventTime, _ offsetrange.Restriction, _ []byte) int64 {
	return mtime.MinTimestamp.Milliseconds()
}

func (fn *replayFn) CreateWatermarkEstimator(ms int64) *replayWatermark {
	return &replayWatermark{ms: ms}
}

func (fn *replayFn) WatermarkEstimatorState(w *replayWatermark) int64 { return w.ms }

func (fn *replayFn) ProcessElement(w *replayWatermark, rt *sdf.LockRTracker, _ []byte, emit func(beam.EventTime, parse.Raw)) (sdf.ProcessContinuation, error) {
	i := rt.GetRestriction().(offsetrange.Restriction).Start
	if !rt.TryClaim(i) {
		return sdf.StopProcessing(), nil
	}
	c := fn.Chunks[i]
	buf := make([]byte, c.End-c.Start)
	if _, err := fn.file.ReadAt(buf, c.Start); err != nil {
		return sdf.StopProcessing(), fmt.Errorf("bench: replay chunk %d: %w", i, err)
	}
	ts := mtime.FromMilliseconds(c.StampMillis)
	for len(buf) > 0 {
		line, rest, _ := bytes.Cut(buf, []byte{'\n'})
		emit(ts, parse.Raw{Data: line, Shard: "bench", ArrivalMillis: c.StampMillis})
		buf = rest
	}
	w.ms = c.WatermarkMillis
	if i+1 == int64(len(fn.Chunks)) {
		return sdf.StopProcessing(), nil
	}
	return sdf.ResumeProcessingIn(0), nil
}

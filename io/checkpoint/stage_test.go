package checkpoint

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/deliverypipe/deliverypipe/io/kinesisio"
)

func init() {
	register.Function2x0(stampRecord)
	register.Function1x1(entryOK)
}

// stageRecs are the records of TestStage; the workers run in this process.
var stageRecs = func() []rec {
	rng := rand.New(rand.NewSource(7))
	var out []rec
	for sh := 0; sh < 2; sh++ {
		ts := int64(1_700_000_000_000)
		for seq := 1; seq <= 300; seq++ {
			ts += rng.Int63n(4_000)
			out = append(out, rec{fmt.Sprintf("shard-%d", sh), kinesisio.Position{Sequence: fmt.Sprint(5000 + seq), SubSequence: -1}, ts - rng.Int63n(90_000)})
		}
	}
	return out
}()

func stampRecord(r kinesisio.Record, emit func(beam.EventTime, kinesisio.Record)) {
	emit(beam.EventTime(r.ArrivalMillis), r) // the test keeps the event time there
}

// entryOK checks an applied commit against the records: resuming after it
// replays exactly the records it must (horizon 0, no lateness).
func entryOK(e Entry) bool {
	if e.WatermarkMillis == FinalWatermark {
		return e.Position() == lastOf(stageRecs, e.ShardID)
	}
	var first kinesisio.Position
	for _, r := range stageRecs {
		if r.shard == e.ShardID && (r.ts/60_000+1)*60_000 > e.WatermarkMillis && (first.IsZero() || first.After(r.pos)) {
			first = r.pos
		}
	}
	for _, r := range stageRecs {
		if r.shard == e.ShardID && r.pos.After(e.Position()) != (!first.IsZero() && !first.After(r.pos)) {
			return false
		}
	}
	return true
}

// TestStage runs Commit on prism over records with out-of-order event times
// and checks every applied commit against the records, that the watermark
// advanced in minute steps, and that the table ends with each shard's last
// record and the final watermark.
func TestStage(t *testing.T) {
	tb, name := newTable(t)
	var in []kinesisio.Record
	for _, r := range stageRecs {
		in = append(in, kinesisio.Record{ShardID: r.shard, Sequence: r.pos.Sequence, SubSequence: r.pos.SubSequence, ArrivalMillis: r.ts})
	}
	p, s := beam.NewPipelineWithRoot()
	records := beam.ParDo(s, stampRecord, beam.CreateList(s, in))
	// A sink output in other windows, as WriteAWS returns them: it only
	// holds the stage's watermark.
	written := beam.WindowInto(s, window.NewFixedWindows(10*time.Minute), records)
	entries := Commit(s, records, []beam.PCollection{written}, name, "st")
	passert.True(s, entries, entryOK)
	if err := ptest.Run(p); err != nil {
		t.Fatal(err)
	}
	got, err := tb.Load(context.Background(), "st")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("entries %+v, want one per shard", got)
	}
	for id, e := range got {
		if e.WatermarkMillis != FinalWatermark || e.Position() != lastOf(stageRecs, id) {
			t.Errorf("%s: %+v, want the last record %v at the final watermark", id, e, lastOf(stageRecs, id))
		}
	}
}

package checkpoint

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/deliverypipe/deliverypipe/io/kinesisio"
)

type rec struct {
	shard string
	pos   kinesisio.Position
	ts    int64
}

// TestPlanResumesAtFirstNeededRecord checks plan against a brute force over
// the individual records: for random shards with out-of-order event times
// and KPL aggregates, resuming after each entry's checkpoint reads exactly
// the records from the first one (in shard order) whose bucket can hold
// event times at or after wm − horizon, and the compacted summaries give the
// same plan at the next commit.
func TestPlanResumesAtFirstNeededRecord(t *testing.T) {
	const minute = int64(60_000)
	for seed := int64(1); seed <= 50; seed++ {
		rng := rand.New(rand.NewSource(seed))
		var recs []rec
		for sh := 0; sh < 3; sh++ {
			ts := int64(0)
			for seq := 1; seq <= 200; seq++ {
				ts += rng.Int63n(20_000)
				sub := int64(-1)
				n := 1
				if rng.Intn(10) == 0 { // a KPL aggregate of 3
					sub, n = 0, 3
				}
				for k := 0; k < n; k++ {
					jitter := rng.Int63n(5*minute) - 2*minute // out of order, either way
					recs = append(recs, rec{fmt.Sprintf("shard-%d", sh), kinesisio.Position{Sequence: fmt.Sprint(1000 + seq), SubSequence: sub}, ts + jitter})
					if sub >= 0 {
						sub++
					}
				}
			}
		}
		horizon := rng.Int63n(30) * minute
		wm := (rng.Int63n(40) + 5) * minute
		sums := summarise(recs)
		entries, kept := plan(sums, "s", wm, horizon, 0)
		check(t, seed, recs, entries, wm, horizon)
		// The kept summaries must give the same answer later on.
		wm2 := wm + rng.Int63n(10)*minute
		e2, _ := plan(kept, "s", wm2, horizon, 0)
		e2full, _ := plan(sums, "s", wm2, horizon, 0)
		for i := range e2 {
			if e2[i] != e2full[i] {
				t.Errorf("seed %d: after compaction %+v, from all summaries %+v", seed, e2[i], e2full[i])
			}
		}
		final, _ := plan(kept, "s", FinalWatermark, horizon, 0)
		for _, e := range final {
			if want := lastOf(recs, e.ShardID); e.Position() != want {
				t.Errorf("seed %d %s: final checkpoint %v, want the last record %v", seed, e.ShardID, e.Position(), want)
			}
		}
	}
}

// summarise builds the per-shard, per-minute summaries as Positions does.
func summarise(recs []rec) []Summary {
	m := map[[2]any]Summary{}
	for _, r := range recs {
		end := (r.ts/60_000 + 1) * 60_000
		if r.ts < 0 && r.ts%60_000 != 0 {
			end -= 60_000
		}
		k := [2]any{r.shard, end}
		sm := merge(m[k], Summary{Shard: r.shard, Min: r.pos, Max: r.pos})
		sm.BucketEndMillis = end
		m[k] = sm
	}
	var out []Summary
	for _, s := range m {
		out = append(out, s)
	}
	return out
}

func lastOf(recs []rec, shard string) kinesisio.Position {
	var last kinesisio.Position
	for _, r := range recs {
		if r.shard == shard && r.pos.After(last) {
			last = r.pos
		}
	}
	return last
}

// check replays each shard from its checkpoint the way the reader does
// (records strictly after the checkpoint) and compares with the records
// that must be replayed.
func check(t *testing.T, seed int64, recs []rec, entries []Entry, wm, horizon int64) {
	t.Helper()
	for _, e := range entries {
		cp := e.Position()
		var first kinesisio.Position // first needed record of the shard
		for _, r := range recs {
			bucketEnd := (r.ts/60_000 + 1) * 60_000
			if r.ts < 0 && r.ts%60_000 != 0 {
				bucketEnd -= 60_000
			}
			if r.shard == e.ShardID && bucketEnd > wm-horizon && (first.IsZero() || first.After(r.pos)) {
				first = r.pos
			}
		}
		for _, r := range recs {
			if r.shard != e.ShardID {
				continue
			}
			replayed := r.pos.After(cp)
			needed := !first.IsZero() && !first.After(r.pos)
			if first.IsZero() {
				needed = false
			}
			if replayed != needed {
				t.Fatalf("seed %d %s: record %v (ts %d) replayed=%v, needed=%v (checkpoint %v, first needed %v)",
					seed, e.ShardID, r.pos, r.ts, replayed, needed, cp, first)
			}
		}
		if e.WatermarkMillis != wm {
			t.Errorf("seed %d: watermark %d, want %d", seed, e.WatermarkMillis, wm)
		}
	}
}

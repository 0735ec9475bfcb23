package kinesisio

import (
	"reflect"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

func TestTrackerSelfCheckpoint(t *testing.T) {
	rest := restriction{Shards: []shardState{{ShardID: "a"}, {ShardID: "b"}}}
	tr := newTracker(rest, false)
	for _, c := range []claim{
		{kind: claimRecord, shardID: "a", pos: Position{"10", -1}, wm: 100},
		{kind: claimRecord, shardID: "b", pos: Position{"7", 0}, wm: 90},
		{kind: claimRecord, shardID: "b", pos: Position{"7", 1}, wm: 95},
	} {
		if !tr.TryClaim(c) {
			t.Fatalf("claim %+v refused: %v", c, tr.GetError())
		}
	}
	if p, r, _ := tr.TrySplit(0.5); p != nil || r != nil {
		t.Fatalf("dynamic split accepted: %v %v", p, r)
	}
	p, r, err := tr.TrySplit(0)
	if err != nil || p == nil || r == nil {
		t.Fatalf("self-checkpoint refused: %v", err)
	}
	if !p.(restriction).Done || !tr.IsDone() {
		t.Errorf("primary not done after self-checkpoint: %+v", p)
	}
	res := r.(restriction)
	if res.Done {
		t.Errorf("residual done")
	}
	want := map[string]Position{"a": {"10", -1}, "b": {"7", 1}}
	for _, s := range res.Shards {
		if s.Last != want[s.ShardID] {
			t.Errorf("residual shard %s resumes after %v, want %v", s.ShardID, s.Last, want[s.ShardID])
		}
	}
	if tr.TryClaim(claim{kind: claimRecord, shardID: "a", pos: Position{"11", -1}}) {
		t.Error("claim accepted after the split")
	}
}

func TestTrackerRejectsBackwardsClaim(t *testing.T) {
	tr := newTracker(restriction{Shards: []shardState{{ShardID: "a", Last: Position{"10", -1}}}}, false)
	if tr.TryClaim(claim{kind: claimRecord, shardID: "a", pos: Position{"9", -1}}) {
		t.Fatal("backwards claim accepted")
	}
	if tr.GetError() == nil {
		t.Fatal("no error for a backwards claim")
	}
}

func TestTrackerRecordLimit(t *testing.T) {
	tr := newTracker(restriction{Limit: 2, Shards: []shardState{{ShardID: "a"}}}, true)
	for i, want := range []bool{true, true, false} {
		got := tr.TryClaim(claim{kind: claimRecord, shardID: "a", pos: Position{string(rune('1' + i)), -1}})
		if got != want {
			t.Fatalf("claim %d = %v, want %v", i, got, want)
		}
	}
	if tr.GetError() != nil {
		t.Fatalf("limit reached reported as error: %v", tr.GetError())
	}
}

func TestRestrictionCoderRoundTrip(t *testing.T) {
	r := restriction{Group: 1, Groups: 2, Records: 5, StopAtMillis: 9, Shards: []shardState{
		{ShardID: "s1", Parents: []string{"s0"}, Last: Position{"123456789012345678901234567890", 3}, CaughtUp: true, WatermarkMillis: 42},
	}}
	b, err := encodeRestriction(r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeRestriction(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("round trip = %+v, want %+v", got, r)
	}
}

func shard(id string, parents ...string) types.Shard {
	s := types.Shard{ShardId: aws.String(id)}
	if len(parents) > 0 {
		s.ParentShardId = aws.String(parents[0])
	}
	if len(parents) > 1 {
		s.AdjacentParentShardId = aws.String(parents[1])
	}
	return s
}

func TestSplitGroupsKeepsLineageTogether(t *testing.T) {
	// a and b are roots; a split into a1, a2; a2 and b merged into m (parent a2).
	listing := []types.Shard{shard("a"), shard("b"), shard("a1", "a"), shard("a2", "a"), shard("m", "a2", "b")}
	cfg := defaultReadConfig("s")
	cfg.Groups = 2
	groups := splitGroups(initialRestriction(listing, &cfg, 0))
	got := map[string]int{}
	for _, g := range groups {
		for _, s := range g.Shards {
			got[s.ShardID] = g.Group
		}
	}
	want := map[string]int{"a": 0, "a1": 0, "a2": 0, "m": 0, "b": 1}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("groups = %v, want %v", got, want)
	}
}

func TestReadableWaitsForParents(t *testing.T) {
	r := restriction{Shards: []shardState{{ShardID: "p"}, {ShardID: "c", Parents: []string{"p", "other-group"}}}}
	if r.readable(r.shard("c")) {
		t.Fatal("child readable before its parent closed")
	}
	r.shard("p").Closed = true
	if !r.readable(r.shard("c")) {
		t.Fatal("child not readable after its parent closed")
	}
}

func TestCheckpointClosesAncestors(t *testing.T) {
	listing := []types.Shard{shard("a"), shard("a1", "a"), shard("a2", "a")}
	cfg := defaultReadConfig("s")
	cfg.Checkpoint = map[string]Position{"a1": {"77", -1}}
	r := initialRestriction(listing, &cfg, 0)
	if !r.shard("a").Closed {
		t.Error("parent of a checkpointed shard would be read again")
	}
	if got := r.shard("a1").Last; got != (Position{"77", -1}) {
		t.Errorf("a1 resumes after %v", got)
	}
	if !r.shard("a2").Last.IsZero() {
		t.Errorf("a2 has a position it was never given")
	}
}

// TestApplyCheckpoint: a checkpointed shard resumes after its position; its
// ancestors without a checkpoint are closed (read to their end), and an
// ancestor with one resumes from it — a replay may start before the end of
// a resharded parent.
func TestApplyCheckpoint(t *testing.T) {
	// a splits into b and c; b and d merge into e; f is an ancestor of d.
	shards := func() restriction {
		return restriction{Shards: []shardState{
			{ShardID: "f"}, {ShardID: "a"}, {ShardID: "b", Parents: []string{"a"}}, {ShardID: "c", Parents: []string{"a"}},
			{ShardID: "d", Parents: []string{"f"}}, {ShardID: "e", Parents: []string{"b", "d"}},
		}}
	}
	pos := func(seq string) Position { return Position{Sequence: seq, SubSequence: -1} }
	for _, tt := range []struct {
		name       string
		cp         map[string]Position
		wantClosed []string
		wantLast   map[string]Position
	}{
		{name: "none", wantLast: map[string]Position{}},
		{name: "child only closes every ancestor", cp: map[string]Position{"e": pos("50")},
			wantClosed: []string{"a", "b", "d", "f"}, wantLast: map[string]Position{"e": pos("50")}},
		{name: "listed parents resume from their own positions", cp: map[string]Position{"e": pos("50"), "b": pos("20"), "a": pos("5")},
			wantClosed: []string{"d", "f"}, wantLast: map[string]Position{"e": pos("50"), "b": pos("20"), "a": pos("5")}},
		{name: "sibling of a split child untouched", cp: map[string]Position{"c": pos("9")},
			wantClosed: []string{"a"}, wantLast: map[string]Position{"c": pos("9")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := shards()
			applyCheckpoint(&r, tt.cp)
			var closed []string
			last := map[string]Position{}
			for _, s := range r.Shards {
				if s.Closed {
					closed = append(closed, s.ShardID)
				}
				if !s.Last.IsZero() {
					last[s.ShardID] = s.Last
				}
			}
			slices.Sort(closed)
			if !slices.Equal(closed, tt.wantClosed) || !reflect.DeepEqual(last, tt.wantLast) {
				t.Errorf("closed %v, positions %v; want closed %v, positions %v", closed, last, tt.wantClosed, tt.wantLast)
			}
		})
	}
}

package kinesisio

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

func init() {
	beam.RegisterCoder(reflect.TypeOf((*restriction)(nil)).Elem(), encodeRestriction, decodeRestriction)
	// Registered as functions too, so the SDK calls them without reflection.
	register.Function1x2(encodeRestriction)
	register.Function1x2(decodeRestriction)
}

// shardState is one shard's place inside a shard-group restriction.
type shardState struct {
	ShardID string `json:"id"`
	// Parents are the shards that must be read to their end before this one
	// (one parent after a split, two after a merge).
	Parents []string `json:"parents,omitempty"`
	// Last is the last position claimed; zero means nothing read yet.
	Last Position `json:"last"`
	// Start says where to begin when Last is zero: see StartPosition.
	Start StartPosition `json:"start"`
	// Ending is the shard's ending sequence number once the stream has closed
	// it (split or merge); empty while the shard is open for writes.
	Ending string `json:"ending,omitempty"`
	// Closed is set once the shard has been read to its end.
	Closed bool `json:"closed,omitempty"`
	// CaughtUp is set while reads come back empty at the tip; such a shard
	// does not hold the watermark back (see WatermarkPolicy).
	CaughtUp bool `json:"caught_up,omitempty"`
	// IdleSinceMillis and LastPollMillis are the wall-clock times of the first
	// and the latest empty read at the tip while CaughtUp.
	IdleSinceMillis int64 `json:"idle_since,omitempty"`
	LastPollMillis  int64 `json:"last_poll,omitempty"`
	// WatermarkMillis is the watermark implied by the records read so far.
	WatermarkMillis int64 `json:"wm"`
	// Stopped is set in bounded mode once the shard reached its stop point.
	Stopped bool `json:"stopped,omitempty"`
}

// restriction is a shard group: the positions of a set of shards, parents
// with their descendants, read together by one SDF element.
type restriction struct {
	Group  int          `json:"group"`
	Groups int          `json:"groups"`
	Shards []shardState `json:"shards"`
	// Records counts records claimed so far (bounded mode's record limit).
	Records int64 `json:"records"`
	// Done marks a restriction with nothing left to read: a bounded read that
	// finished, or the primary after a self-checkpoint.
	Done bool `json:"done,omitempty"`
	// StopAtMillis is, in bounded mode, the wall-clock time the read started:
	// records that arrived later belong to a later run.
	StopAtMillis int64 `json:"stop_at,omitempty"`
	// Limit, when positive, is the bounded mode's record limit for the group.
	Limit int64 `json:"limit,omitempty"`
}

func encodeRestriction(r restriction) ([]byte, error) { return json.Marshal(r) }

func decodeRestriction(b []byte) (restriction, error) {
	var r restriction
	err := json.Unmarshal(b, &r)
	return r, err
}

// clone returns a deep copy, so a split's halves never share slices.
func (r restriction) clone() restriction {
	c := r
	c.Shards = make([]shardState, len(r.Shards))
	for i, s := range r.Shards {
		s.Parents = append([]string(nil), s.Parents...)
		c.Shards[i] = s
	}
	return c
}

func (r *restriction) shard(id string) *shardState {
	for i := range r.Shards {
		if r.Shards[i].ShardID == id {
			return &r.Shards[i]
		}
	}
	return nil
}

// readable reports whether shard s may be read now: it is open and every
// parent known to this group has been read to its end. A parent that is not
// in the group (the adjacent parent of a merge that lives in another group, or
// one already past retention) does not block.
func (r *restriction) readable(s *shardState) bool {
	if s.Closed || s.Stopped {
		return false
	}
	for _, p := range s.Parents {
		if ps := r.shard(p); ps != nil && !ps.Closed {
			return false
		}
	}
	return true
}

// sortShards keeps shard order stable, so encodings and reads are deterministic.
func (r *restriction) sortShards() {
	sort.Slice(r.Shards, func(i, j int) bool { return r.Shards[i].ShardID < r.Shards[j].ShardID })
}

// claim is what the reader asks the tracker to record.
type claim struct {
	kind    claimKind
	shardID string
	pos     Position
	shard   shardState // for claimAddShard
	wm      int64      // claimRecord: the record's watermark
	now     int64      // claimCaughtUp: wall-clock millis of the empty read
}

type claimKind int

const (
	claimRecord   claimKind = iota // a record was read at pos
	claimAddShard                  // a child shard joined the group
	claimClose                     // the shard was read to its end
	claimCaughtUp                  // an empty read at the tip
	claimStop                      // bounded mode: the shard reached its stop point
	claimEnded                     // the stream closed the shard at pos.Sequence
)

// tracker tracks a shard-group restriction. It refuses dynamic splits: a
// group's shards must be read by one element to keep parents before
// children. It supports the self-checkpoint split (fraction 0), after which
// the primary is done and the residual holds every position claimed so far.
type tracker struct {
	rest    restriction
	bounded bool
	stopped bool
	err     error
}

// newTracker returns a tracker over a copy of rest; bounded says whether the
// read stops by itself (ReadBounded), which decides what a drain keeps.
func newTracker(rest restriction, bounded bool) *tracker {
	return &tracker{rest: rest.clone(), bounded: bounded}
}

// TryClaim records a claim (see claimKind); it fails once the tracker has
// been split or stopped.
func (t *tracker) TryClaim(pos any) bool {
	if t.stopped || t.err != nil {
		return false
	}
	c, ok := pos.(claim)
	if !ok {
		t.err = fmt.Errorf("kinesisio: tracker got a %T, want a claim", pos)
		return false
	}
	if c.kind == claimAddShard {
		if t.rest.shard(c.shard.ShardID) == nil {
			t.rest.Shards = append(t.rest.Shards, c.shard)
			t.rest.sortShards()
		}
		return true
	}
	s := t.rest.shard(c.shardID)
	if s == nil {
		t.err = fmt.Errorf("kinesisio: claim for shard %s outside group %d", c.shardID, t.rest.Group)
		return false
	}
	switch c.kind {
	case claimRecord:
		if t.rest.Limit > 0 && t.rest.Records >= t.rest.Limit {
			t.stopped = true // the bounded read is complete; not an error
			return false
		}
		if !s.Last.IsZero() && !c.pos.After(s.Last) {
			t.err = fmt.Errorf("kinesisio: shard %s: position %v is not after %v", c.shardID, c.pos, s.Last)
			return false
		}
		s.Last = c.pos
		s.CaughtUp, s.IdleSinceMillis, s.LastPollMillis = false, 0, 0
		if c.wm > s.WatermarkMillis {
			s.WatermarkMillis = c.wm
		}
		t.rest.Records++
	case claimClose:
		s.Closed = true
	case claimCaughtUp:
		if !s.CaughtUp {
			s.CaughtUp, s.IdleSinceMillis = true, c.now
		}
		s.LastPollMillis = c.now
	case claimStop:
		s.Stopped = true
	case claimEnded:
		s.Ending = c.pos.Sequence
	}
	return true
}

// GetError returns the first invalid claim.
func (t *tracker) GetError() error { return t.err }

// TrySplit supports only fraction 0, the self-checkpoint: the primary keeps
// what was claimed and is done; the residual continues from there.
//
// A bounded read refuses every split: it never needs to checkpoint, and a
// runner-initiated split of a running shard group only adds a chance to lose
// or repeat what the group read.
func (t *tracker) TrySplit(fraction float64) (primary, residual any, err error) {
	if t.bounded || t.stopped || t.rest.Done || fraction > 0 {
		return nil, nil, nil
	}
	res := t.rest.clone()
	res.Records = 0
	t.stopped = true
	prim := t.rest.clone()
	prim.Done = true
	t.rest = prim
	return prim, res, nil
}

// GetProgress reports claimed records as done work and one unit remaining
// while the group has readable shards; Kinesis gives no cheap backlog size.
func (t *tracker) GetProgress() (done, remaining float64) {
	if t.IsDone() {
		return float64(t.rest.Records), 0
	}
	return float64(t.rest.Records), 1
}

// IsDone reports whether nothing is left: split away, finished, or every
// shard closed or stopped.
func (t *tracker) IsDone() bool {
	if t.stopped || t.rest.Done {
		return true
	}
	for i := range t.rest.Shards {
		if !t.rest.Shards[i].Closed && !t.rest.Shards[i].Stopped {
			return false
		}
	}
	return true
}

// GetRestriction returns the current restriction.
func (t *tracker) GetRestriction() any { return t.rest.clone() }

// IsBounded reports whether the read stops by itself.
func (t *tracker) IsBounded() bool { return t.bounded }

// finish marks the restriction done after a bounded read completed.
func (t *tracker) finish() { t.rest.Done = true; t.stopped = true }

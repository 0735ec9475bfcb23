package kinesisio

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// listShards returns every shard of the stream within retention, following
// NextToken pages. Children are found here, not in GetRecords' ChildShards,
// which some servers (kinesalite) never fill.
func listShards(ctx context.Context, c *kinesis.Client, stream string, opts ...func(*kinesis.Options)) ([]types.Shard, error) {
	var out []types.Shard
	in := &kinesis.ListShardsInput{StreamName: aws.String(stream)}
	for {
		resp, err := c.ListShards(ctx, in, opts...)
		if err != nil {
			return nil, fmt.Errorf("kinesisio: ListShards on stream %s: %w", stream, err)
		}
		out = append(out, resp.Shards...)
		if resp.NextToken == nil {
			return out, nil
		}
		in = &kinesis.ListShardsInput{NextToken: resp.NextToken}
	}
}

// endingOf returns the shard's ending sequence number, empty while open.
func endingOf(s types.Shard) string {
	if s.SequenceNumberRange == nil {
		return ""
	}
	return aws.ToString(s.SequenceNumberRange.EndingSequenceNumber)
}

func parentsOf(s types.Shard) []string {
	var p []string
	if s.ParentShardId != nil {
		p = append(p, *s.ParentShardId)
	}
	if s.AdjacentParentShardId != nil {
		p = append(p, *s.AdjacentParentShardId)
	}
	return p
}

// tipClockSlack widens StopAtTip's arrival-time cutoff: arrival times come
// from the server's clock, and a new child shard's first records may carry a
// time slightly ahead of ours (kinesalite adds a second). The read still stops
// each shard at its first empty read at the tip; the cutoff only ends shards
// that producers keep writing to.
const tipClockSlack = 5 * time.Second

// initialRestriction builds the single restriction over every shard to read,
// to be split into groups by splitGroups.
func initialRestriction(shards []types.Shard, cfg *readConfig, nowMillis int64) restriction {
	r := restriction{Groups: cfg.Groups}
	if cfg.StopAtTip {
		r.StopAtMillis = nowMillis + tipClockSlack.Milliseconds()
	}
	r.Limit = cfg.StopAfterCount
	for _, s := range shards {
		if endingOf(s) != "" && cfg.Start.Type == Latest {
			continue // nothing new will ever arrive in a closed shard
		}
		r.Shards = append(r.Shards, shardState{
			ShardID: aws.ToString(s.ShardId),
			Parents: parentsOf(s),
			Start:   cfg.Start,
			Ending:  endingOf(s),
		})
	}
	r.sortShards()
	applyCheckpoint(&r, cfg.Checkpoint)
	return r
}

// applyCheckpoint positions checkpointed shards and closes their ancestors
// that have no checkpoint of their own: a shard is read only after its
// parents, so a checkpoint in a child means those parents were read to their
// end. A parent with a checkpoint of its own is resumed from it: a replay
// that starts before the end of a resharded parent (io/checkpoint stores
// positions up to a replay horizon back) must read the parent's tail again.
func applyCheckpoint(r *restriction, cp map[string]Position) {
	var closeAncestors func(id string)
	closeAncestors = func(id string) {
		s := r.shard(id)
		if s == nil {
			return
		}
		for _, p := range s.Parents {
			if _, listed := cp[p]; listed {
				continue // positioned by its own checkpoint
			}
			if ps := r.shard(p); ps != nil && !ps.Closed {
				ps.Closed = true
				closeAncestors(p)
			}
		}
	}
	for id, pos := range cp {
		if s := r.shard(id); s != nil {
			s.Last = pos
			closeAncestors(id)
		}
	}
}

// splitGroups deals root shards round-robin into r.Groups groups; every
// other shard follows its ParentShardId, as KCL assigns merged children.
func splitGroups(r restriction) []restriction {
	n := max(r.Groups, 1)
	group := map[string]int{}
	roots := 0
	var assign func(s *shardState) int
	assign = func(s *shardState) int {
		if g, ok := group[s.ShardID]; ok {
			return g
		}
		g := -1
		if len(s.Parents) > 0 {
			if ps := r.shard(s.Parents[0]); ps != nil {
				g = assign(ps)
			}
		}
		if g < 0 {
			g = roots % n
			roots++
		}
		group[s.ShardID] = g
		return g
	}
	for i := range r.Shards {
		assign(&r.Shards[i])
	}
	out := make([]restriction, n)
	for i := range out {
		out[i] = restriction{Group: i, Groups: n, StopAtMillis: r.StopAtMillis, Limit: r.Limit}
	}
	for _, s := range r.Shards {
		g := group[s.ShardID]
		out[g].Shards = append(out[g].Shards, s)
	}
	for i := range out {
		out[i].sortShards()
	}
	return out
}

// newlyEnded returns the group's shards that the listing shows closed by the
// stream but that the group still thinks open, with their ending sequence.
func newlyEnded(r *restriction, listing []types.Shard) map[string]string {
	out := map[string]string{}
	for _, s := range listing {
		if rs := r.shard(aws.ToString(s.ShardId)); rs != nil && rs.Ending == "" && endingOf(s) != "" {
			out[rs.ShardID] = endingOf(s)
		}
	}
	return out
}

// newChildren returns shards from the listing that descend (by
// ParentShardId) from a shard of r and are not yet in r, sorted.
func newChildren(r *restriction, listing []types.Shard) []shardState {
	var out []shardState
	for _, s := range listing {
		id := aws.ToString(s.ShardId)
		if r.shard(id) != nil || s.ParentShardId == nil || r.shard(*s.ParentShardId) == nil {
			continue
		}
		out = append(out, shardState{
			ShardID: id,
			Parents: parentsOf(s),
			Start:   StartPosition{Type: TrimHorizon}, // a child is read whole
			Ending:  endingOf(s),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ShardID < out[j].ShardID })
	return out
}

package kinesisio

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/mtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/sdf"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go/middleware"
)

// Per-shard service limits: 5 GetRecords calls and 2 MB per second.
const (
	minCallGap     = 200 * time.Millisecond
	maxBytesPerSec = 2 << 20
)

// shardIteratorTTL is how long a cached iterator is trusted; AWS expires
// iterators after 5 minutes. A variable so tests can force re-acquisition.
var shardIteratorTTL = 4 * time.Minute

// groupReader is the reading core shared by the unbounded and bounded DoFns.
// It lives for the DoFn instance, so shard iterators and call pacing survive
// self-checkpoints on the same worker.
type groupReader struct {
	cfg           readConfig
	client        *kinesis.Client
	tsFn          TimestampFn
	iters         map[string]iterState
	nextCall      map[string]time.Time
	lastDiscovery time.Time
	metrics       *readMetrics
	// minEmitted is the smallest element timestamp (Unix ms) emitted since
	// the last resetBundle, or math.MaxInt64 when none was.
	minEmitted int64
	// plain backs userRecords' result for a non-aggregated record.
	plain [1]userRecord
}

// resetBundle starts counting emitted timestamps for a new bundle.
func (g *groupReader) resetBundle() { g.minEmitted = math.MaxInt64 }

// iterState is a cached iterator that continues right after position after.
type iterState struct {
	iterator string
	after    Position
	fetched  time.Time
}

func newGroupReader(ctx context.Context, cfg readConfig) (*groupReader, error) {
	c, err := newClient(ctx, cfg.Region, cfg.Endpoint, cfg.MaxAttempts)
	if err != nil {
		return nil, err
	}
	g := &groupReader{
		cfg:      cfg,
		client:   c,
		iters:    map[string]iterState{},
		nextCall: map[string]time.Time{},
		metrics:  newReadMetrics(),
	}
	if cfg.Policy.Kind == EventTime {
		g.tsFn, _ = lookupTimestampFn(cfg.Policy.TimestampFn)
		if g.tsFn == nil {
			return nil, fmt.Errorf("kinesisio: no TimestampFn registered as %q on this worker", cfg.Policy.TimestampFn)
		}
	}
	return g, nil
}

// stepResult sums up one pass over the group's shards.
type stepResult struct {
	records  int
	readable int       // shards that were readable in this pass
	caughtUp bool      // every readable shard is at the tip (or none is readable)
	refused  bool      // the tracker refused a claim: the restriction was split
	nextDue  time.Time // earliest time another call is allowed
}

// step makes at most one GetRecords call per readable shard that is due.
// The calls of one step run concurrently, one goroutine per shard, because a
// reader spends most of its time waiting on them; their records are claimed
// and emitted here, in the ProcessElement goroutine, each batch whole and in
// its shard's order, so the tracker sees the same claims as a serial read.
func (g *groupReader) step(ctx context.Context, rt *sdf.LockRTracker, emit func(beam.EventTime, Record)) (stepResult, error) {
	res := stepResult{caughtUp: true}
	rest := rt.GetRestriction().(restriction)
	if time.Since(g.lastDiscovery) >= g.cfg.DiscoveryInterval {
		if err := g.discover(ctx, rt, &rest); err != nil {
			return res, err
		}
	}
	var due []shardState
	for i := range rest.Shards {
		s := rest.Shards[i]
		if !rest.readable(&s) {
			continue
		}
		res.readable++
		if next := g.nextCall[s.ShardID]; time.Now().Before(next) {
			res.caughtUp = res.caughtUp && s.CaughtUp
			res.nextDue = earliest(res.nextDue, next)
			continue
		}
		due = append(due, s)
	}

	fetches := make(chan fetch, len(due))
	fctx, cancel := context.WithCancel(ctx)
	pending := len(due)
	defer func() { // no fetch outlives the step, even when it returns early
		cancel()
		for ; pending > 0; pending-- {
			g.settle(ctx, <-fetches) // its call still counts toward the shard's limits
		}
	}()
	for _, s := range due {
		cached, ok := g.iters[s.ShardID]
		go func() { fetches <- g.fetch(fctx, s, cached, ok) }()
	}
	closedOne := false
	for pending > 0 {
		f := <-fetches
		pending--
		g.settle(ctx, f)
		if f.err != nil {
			return res, f.err
		}
		sr, err := g.claimBatch(ctx, rt, f, rest.StopAtMillis, emit)
		if err != nil {
			return res, err
		}
		res.records += sr.records
		if sr.refused {
			res.refused = true
			return res, nil
		}
		closedOne = closedOne || sr.closed
		res.caughtUp = res.caughtUp && (sr.atTip || sr.closed || sr.stopped)
		res.nextDue = earliest(res.nextDue, g.nextCall[f.shard.ShardID])
	}
	if closedOne { // children of a finished parent become readable now
		rest = rt.GetRestriction().(restriction)
		if err := g.discover(ctx, rt, &rest); err != nil {
			return res, err
		}
		res.caughtUp = false
	}
	return res, nil
}

// earliest returns the earlier of a and b, where zero means unset.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// discover adds child shards of the group's shards found by ListShards.
func (g *groupReader) discover(ctx context.Context, rt *sdf.LockRTracker, rest *restriction) error {
	g.lastDiscovery = time.Now()
	var throttled int64
	listing, err := listShards(ctx, g.client, g.cfg.Stream, countThrottles(&throttled))
	g.metrics.listThrottles.Inc(ctx, throttled)
	if err != nil {
		return err
	}
	for id, ending := range newlyEnded(rest, listing) {
		if !rt.TryClaim(claim{kind: claimEnded, shardID: id, pos: Position{Sequence: ending}}) {
			return nil
		}
	}
	for _, child := range newChildren(rest, listing) {
		if !rt.TryClaim(claim{kind: claimAddShard, shard: child}) {
			return nil
		}
	}
	*rest = rt.GetRestriction().(restriction)
	return nil
}

type shardResult struct {
	records                         int
	atTip, closed, stopped, refused bool
}

// fetch is the outcome of one GetRecords call on a shard, made off the
// ProcessElement goroutine: it touches no reader state or metric, and says
// what the reader should learn from it (see settle).
type fetch struct {
	shard shardState
	out   *kinesis.GetRecordsOutput
	err   error
	// iter is the iterator the call used, to cache when it was new.
	iter    iterState
	newIter bool
	// expired is set when a cached iterator had expired and was replaced.
	expired bool
	// started is when GetRecords was sent: the per-shard pacing counts from
	// there, as the service does.
	started time.Time
	// throttled counts the throttled attempts of the fetch's calls; Beam's
	// counters may only be touched from the ProcessElement goroutine.
	throttled int64
}

// fetch calls GetRecords on shard s with the cached iterator when it still
// continues after s.Last, else with a fresh one, replacing an expired one once.
func (g *groupReader) fetch(ctx context.Context, s shardState, cached iterState, haveCached bool) fetch {
	f := fetch{shard: s}
	useCached := haveCached && cached.after == s.Last && time.Since(cached.fetched) < shardIteratorTTL
	for attempt := 0; ; attempt++ {
		if useCached {
			f.iter = cached
		} else {
			f.iter, f.err = g.newIterator(ctx, s, &f.throttled)
			if f.err != nil {
				return f
			}
			f.newIter = true
		}
		f.started = time.Now()
		out, err := g.client.GetRecords(ctx, &kinesis.GetRecordsInput{
			ShardIterator: aws.String(f.iter.iterator),
			Limit:         aws.Int32(g.cfg.MaxRecordsPerCall),
		}, countThrottles(&f.throttled))
		var expired *types.ExpiredIteratorException
		if errors.As(err, &expired) && attempt == 0 {
			f.expired, useCached = true, false
			continue
		}
		if err != nil {
			f.err = fmt.Errorf("kinesisio: GetRecords on stream %s shard %s: %w", g.cfg.Stream, s.ShardID, err)
		}
		f.out = out
		return f
	}
}

// settle records what a fetch teaches the reader: its iterator, the expiry
// and the earliest time of the shard's next call (at least minCallGap after
// this one started, and no faster than maxBytesPerSec).
func (g *groupReader) settle(ctx context.Context, f fetch) {
	id := f.shard.ShardID
	m := g.metrics
	m.throttles.Inc(ctx, f.throttled)
	if f.expired {
		m.expired.Inc(ctx, 1)
	}
	if !f.started.IsZero() {
		bytes := 0
		if f.out != nil {
			for _, r := range f.out.Records {
				bytes += len(r.Data)
			}
		}
		g.nextCall[id] = f.started.Add(max(minCallGap, time.Duration(float64(bytes)/maxBytesPerSec*float64(time.Second))))
	}
	switch {
	case f.err != nil:
		delete(g.iters, id)
	case f.newIter:
		g.iters[id] = f.iter
	}
}

// claimBatch claims and emits the records of one fetch, in order.
func (g *groupReader) claimBatch(ctx context.Context, rt *sdf.LockRTracker, f fetch, stopAt int64, emit func(beam.EventTime, Record)) (shardResult, error) {
	var res shardResult
	s, out := f.shard, f.out
	now := time.Now()
	m := g.metrics
	m.calls.Inc(ctx, 1)
	bytes := 0
	last := s.Last
	shardWM := s.WatermarkMillis
	for _, r := range out.Records {
		arrival := aws.ToTime(r.ApproximateArrivalTimestamp)
		if stopAt > 0 && arrival.UnixMilli() > stopAt {
			res.stopped = true
			break
		}
		bytes += len(r.Data)
		for _, u := range g.userRecords(r) {
			pos := Position{Sequence: aws.ToString(r.SequenceNumber), SubSequence: u.sub}
			if !last.IsZero() && !pos.After(last) {
				continue // already read: a resume inside an aggregate re-reads it
			}
			ts, wm := g.cfg.Policy.stamp(g.tsFn, u.data, arrival, now, shardWM)
			shardWM = max(shardWM, wm)
			if !rt.TryClaim(claim{kind: claimRecord, shardID: s.ShardID, pos: pos, wm: wm}) {
				delete(g.iters, s.ShardID) // stopped mid-call: the cache no longer matches
				res.refused = true
				return res, rt.GetError()
			}
			g.minEmitted = min(g.minEmitted, ts.UnixMilli())
			emit(mtime.FromTime(ts), Record{
				Data: u.data, Stream: g.cfg.Stream, ShardID: s.ShardID,
				Sequence: pos.Sequence, SubSequence: pos.SubSequence,
				PartitionKey: u.partitionKey, ArrivalMillis: arrival.UnixMilli(),
			})
			last = pos
			res.records++
		}
		m.lagMillis.Update(ctx, now.Sub(arrival).Milliseconds())
	}
	m.records.Inc(ctx, int64(res.records))
	m.bytes.Inc(ctx, int64(bytes))

	switch {
	case res.stopped:
		delete(g.iters, s.ShardID)
		if !rt.TryClaim(claim{kind: claimStop, shardID: s.ShardID}) {
			res.refused = true
		}
	case out.NextShardIterator == nil: // the shard has ended and was read to its end
		delete(g.iters, s.ShardID)
		res.closed = true
		if !rt.TryClaim(claim{kind: claimClose, shardID: s.ShardID}) {
			res.refused = true
		}
	default:
		g.iters[s.ShardID] = iterState{iterator: *out.NextShardIterator, after: last, fetched: now}
		// An empty read at the tip of a shard the stream has closed is not the
		// end: the end is a read without a next iterator, which comes next.
		if len(out.Records) == 0 && aws.ToInt64(out.MillisBehindLatest) == 0 && s.Ending == "" {
			res.atTip = true
			kind := claimCaughtUp
			if stopAt > 0 {
				kind, res.stopped = claimStop, true
			}
			if !rt.TryClaim(claim{kind: kind, shardID: s.ShardID, now: now.UnixMilli()}) {
				res.refused = true
			}
		}
	}
	return res, nil
}

// userRecords de-aggregates r; a plain record reuses the reader's one-element
// buffer rather than allocating a slice per record.
func (g *groupReader) userRecords(r types.Record) []userRecord {
	if recs, err := parseAggregate(r.Data); err == nil {
		return recs
	}
	g.plain[0] = userRecord{data: r.Data, partitionKey: aws.ToString(r.PartitionKey), sub: -1}
	return g.plain[:]
}

// newIterator asks for an iterator positioned after s.Last, or at the
// shard's start position when nothing was read yet.
func (g *groupReader) newIterator(ctx context.Context, s shardState, throttled *int64) (iterState, error) {
	in := &kinesis.GetShardIteratorInput{StreamName: aws.String(g.cfg.Stream), ShardId: aws.String(s.ShardID)}
	switch {
	case !s.Last.IsZero() && s.Last.SubSequence != -1:
		// Inside an aggregate, or just before a record (Before): re-read it
		// and skip the user records already claimed.
		in.ShardIteratorType = types.ShardIteratorTypeAtSequenceNumber
		in.StartingSequenceNumber = aws.String(s.Last.Sequence)
	case !s.Last.IsZero():
		in.ShardIteratorType = types.ShardIteratorTypeAfterSequenceNumber
		in.StartingSequenceNumber = aws.String(s.Last.Sequence)
	case s.Start.Type == AtTimestamp:
		in.ShardIteratorType = types.ShardIteratorTypeAtTimestamp
		in.Timestamp = aws.Time(time.UnixMilli(s.Start.TimestampMillis))
	case s.Start.Type == Latest:
		in.ShardIteratorType = types.ShardIteratorTypeLatest
	default:
		in.ShardIteratorType = types.ShardIteratorTypeTrimHorizon
	}
	out, err := g.client.GetShardIterator(ctx, in, countThrottles(throttled))
	if err != nil {
		return iterState{}, fmt.Errorf("kinesisio: GetShardIterator on stream %s shard %s (%s): %w", g.cfg.Stream, s.ShardID, in.ShardIteratorType, err)
	}
	return iterState{iterator: aws.ToString(out.ShardIterator), after: s.Last, fetched: time.Now()}, nil
}

// countThrottles is a per-call option that counts every throttled attempt
// of the call in *n. The SDK's retryer retries throttles itself (see
// newClient), so the error the reader finally sees tells nothing of the
// attempts before it; this middleware sits inside the retry loop. The
// attempts of one call run one after another, so *n needs no lock.
func countThrottles(n *int64) func(*kinesis.Options) {
	mw := middleware.FinalizeMiddlewareFunc("kinesisio.countThrottles",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleFinalize(ctx, in)
			var pt *types.ProvisionedThroughputExceededException
			var le *types.LimitExceededException
			if errors.As(err, &pt) || errors.As(err, &le) {
				*n++
			}
			return out, md, err
		})
	return func(o *kinesis.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Finalize.Insert(mw, "Retry", middleware.After)
		})
	}
}

// wait sleeps until t or until ctx ends.
func wait(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

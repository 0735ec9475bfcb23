package kinesisio

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/sdf"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

func init() {
	register.DoFn5x2[context.Context, *watermarkEstimator, *sdf.LockRTracker, []byte, func(beam.EventTime, Record), sdf.ProcessContinuation, error](&readFn{})
	register.Emitter2[beam.EventTime, Record]()
}

// Read returns an unbounded PCollection<Record> of every record in stream,
// read by WithGroups shard groups (default 1), from each shard's checkpoint or
// start position (default TRIM_HORIZON), stamped by the watermark policy
// (default arrival time). Invalid options panic at construction time, as in
// Beam's other IOs; use ValidateReadOptions to check flags beforehand.
func Read(s beam.Scope, stream string, opts ...ReadOption) beam.PCollection {
	s = s.Scope("kinesisio.Read")
	cfg, err := buildConfig(stream, opts)
	if err != nil {
		panic(fmt.Sprintf("kinesisio.Read: %v", err))
	}
	return beam.ParDo(s, &readFn{shardGroupFn{Cfg: cfg}}, beam.Impulse(s))
}

// ValidateReadOptions reports what is wrong with a set of options, so a
// command can fail fast with a message before building the pipeline.
func ValidateReadOptions(stream string, opts ...ReadOption) error {
	_, err := buildConfig(stream, opts)
	return err
}

// shardGroupFn holds what the unbounded and the bounded SDF share: the
// configuration, the reading core, and the restriction's creation and split.
type shardGroupFn struct {
	Cfg    readConfig
	reader *groupReader
}

// Setup builds the Kinesis client.
func (fn *shardGroupFn) Setup(ctx context.Context) error {
	r, err := newGroupReader(ctx, fn.Cfg)
	fn.reader = r
	return err
}

// ensure sets the reader up where a runner calls a restriction method before
// Setup (the restriction stages may run in other DoFn instances).
func (fn *shardGroupFn) ensure(ctx context.Context) error {
	if fn.reader != nil {
		return nil
	}
	return fn.Setup(ctx)
}

// CreateInitialRestriction lists the stream's shards once. LATEST is pinned
// to the listing time as AT_TIMESTAMP, so a restart or a retried bundle
// starts from the same place.
func (fn *shardGroupFn) CreateInitialRestriction(ctx context.Context, _ []byte) (restriction, error) {
	if err := fn.ensure(ctx); err != nil {
		return restriction{}, err
	}
	shards, err := listShards(ctx, fn.reader.client, fn.Cfg.Stream)
	if err != nil {
		return restriction{}, err
	}
	now := time.Now().UnixMilli()
	cfg := fn.Cfg
	r := initialRestriction(shards, &cfg, now)
	if cfg.Start.Type == Latest {
		for i := range r.Shards {
			r.Shards[i].Start = StartPosition{Type: AtTimestamp, TimestampMillis: now}
		}
	}
	return r, nil
}

// SplitRestriction deals the shards into shard groups.
func (fn *shardGroupFn) SplitRestriction(_ []byte, rest restriction) []restriction {
	return splitGroups(rest)
}

// RestrictionSize weighs a group by its number of open shards.
func (fn *shardGroupFn) RestrictionSize(_ []byte, rest restriction) float64 {
	n := 0
	for _, s := range rest.Shards {
		if !s.Closed && !s.Stopped {
			n++
		}
	}
	return float64(n)
}

// readFn is the unbounded shard-group SDF.
type readFn struct {
	shardGroupFn
}

// CreateTracker wraps the restriction's tracker in a lock: splits arrive
// while ProcessElement runs.
func (fn *readFn) CreateTracker(rest restriction) *sdf.LockRTracker {
	return sdf.NewLockRTracker(newTracker(rest, false))
}

// InitialWatermarkEstimatorState starts the watermark at the impulse's time.
func (fn *readFn) InitialWatermarkEstimatorState(et beam.EventTime, _ restriction, _ []byte) int64 {
	return et.Milliseconds()
}

// CreateWatermarkEstimator restores the estimator from its state.
func (fn *readFn) CreateWatermarkEstimator(ms int64) *watermarkEstimator {
	return &watermarkEstimator{State: ms}
}

// WatermarkEstimatorState saves the estimator.
func (fn *readFn) WatermarkEstimatorState(e *watermarkEstimator) int64 { return e.State }

// ProcessElement reads the group until every readable shard is at the tip,
// or for at most MaxReadTime, then self-checkpoints: Flink's portable runner
// checkpoints an SDF only when it returns.
func (fn *readFn) ProcessElement(ctx context.Context, we *watermarkEstimator, rt *sdf.LockRTracker, _ []byte, emit func(beam.EventTime, Record)) (sdf.ProcessContinuation, error) {
	if err := fn.ensure(ctx); err != nil {
		return sdf.StopProcessing(), err
	}
	deadline := time.Now().Add(fn.Cfg.MaxReadTime)
	fn.reader.resetBundle()
	for {
		res, err := fn.reader.step(ctx, rt, emit)
		if err != nil {
			return sdf.StopProcessing(), err
		}
		fn.advanceWatermark(rt, we)
		switch {
		case res.refused || rt.IsDone():
			return sdf.StopProcessing(), rt.GetError()
		case res.caughtUp:
			return sdf.ResumeProcessingIn(fn.Cfg.PollInterval), nil
		case time.Now().After(deadline):
			return sdf.ResumeProcessingIn(0), nil
		}
		if err := wait(ctx, res.nextDue); err != nil {
			return sdf.StopProcessing(), err
		}
	}
}

// advanceWatermark moves the estimate to the group's watermark, but never
// past an element timestamp emitted in this bundle: a runner may hand the
// bundle's outputs downstream after the watermark it reports with them
// (measured on Flink: one GetRecords call spanning 90 minutes of event time
// made the first windows' events late and dropped). The next bundle, after
// the self-checkpoint, moves it the rest of the way.
func (fn *readFn) advanceWatermark(rt *sdf.LockRTracker, we *watermarkEstimator) {
	rest := rt.GetRestriction().(restriction)
	if wm, ok := fn.Cfg.Policy.groupWatermark(&rest, fn.Cfg.IdleLag); ok {
		we.advance(min(wm, fn.reader.minEmitted))
	}
}

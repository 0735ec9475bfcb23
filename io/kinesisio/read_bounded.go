package kinesisio

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/sdf"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

func init() {
	register.DoFn4x1[context.Context, *sdf.LockRTracker, []byte, func(beam.EventTime, Record), error](&readBoundedFn{})
}

// ReadBounded reads stream like Read but stops, giving a bounded
// PCollection<Record> that batch runners (Spark) and tests can consume. It
// needs at least one of StopAtTip, StopAfterRecords or StopAfter.
func ReadBounded(s beam.Scope, stream string, opts ...ReadOption) beam.PCollection {
	s = s.Scope("kinesisio.ReadBounded")
	cfg, err := buildBoundedConfig(stream, opts)
	if err != nil {
		panic(fmt.Sprintf("kinesisio.ReadBounded: %v", err))
	}
	return beam.ParDo(s, &readBoundedFn{shardGroupFn{Cfg: cfg}}, beam.Impulse(s))
}

// ValidateBoundedReadOptions is ValidateReadOptions for ReadBounded.
func ValidateBoundedReadOptions(stream string, opts ...ReadOption) error {
	_, err := buildBoundedConfig(stream, opts)
	return err
}

func buildBoundedConfig(stream string, opts []ReadOption) (readConfig, error) {
	cfg, err := buildConfig(stream, opts)
	if err == nil && !cfg.StopAtTip && cfg.StopAfterCount == 0 && cfg.StopAfter == 0 {
		err = errors.New("a bounded read needs a stop condition: StopAtTip, StopAfterRecords or StopAfter")
	}
	return cfg, err
}

// readBoundedFn is the bounded shard-group SDF.
type readBoundedFn struct {
	shardGroupFn
}

// CreateTracker wraps the restriction's tracker in a lock.
func (fn *readBoundedFn) CreateTracker(rest restriction) *sdf.LockRTracker {
	return sdf.NewLockRTracker(newTracker(rest, true))
}

// ProcessElement reads the group until its stop condition holds.
func (fn *readBoundedFn) ProcessElement(ctx context.Context, rt *sdf.LockRTracker, _ []byte, emit func(beam.EventTime, Record)) error {
	if err := fn.ensure(ctx); err != nil {
		return err
	}
	start := time.Now()
	for !rt.IsDone() {
		if fn.Cfg.StopAfter > 0 && time.Since(start) >= fn.Cfg.StopAfter {
			break
		}
		res, err := fn.reader.step(ctx, rt, emit)
		if err != nil {
			return err
		}
		if res.refused { // the record limit was reached, or a claim was invalid
			if err := rt.GetError(); err != nil {
				return err
			}
			break
		}
		if res.readable == 0 && !rt.IsDone() {
			// Every remaining shard waits for a parent that stopped without
			// ending: its records all arrived after the stop point.
			stopRest(rt)
			break
		}
		if rt.IsDone() { // waiting for the next call's turn would only delay the end
			break
		}
		if res.records == 0 && res.caughtUp && !fn.Cfg.StopAtTip {
			res.nextDue = time.Now().Add(fn.Cfg.PollInterval)
		}
		if err := wait(ctx, res.nextDue); err != nil {
			return err
		}
	}
	rt.Mu.Lock()
	rt.Rt.(*tracker).finish()
	rt.Mu.Unlock()
	return nil
}

// stopRest marks every shard not yet closed or stopped as stopped.
func stopRest(rt *sdf.LockRTracker) {
	rest := rt.GetRestriction().(restriction)
	for _, s := range rest.Shards {
		if !s.Closed && !s.Stopped {
			rt.TryClaim(claim{kind: claimStop, shardID: s.ShardID})
		}
	}
}

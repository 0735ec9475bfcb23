package kinesisio

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// The watermark policy kinds.
const (
	ArrivalTime    = "arrival_time"
	ProcessingTime = "processing_time"
	EventTime      = "event_time"
)

// WatermarkPolicy decides each record's element timestamp and the read's
// watermark.
//
//   - ArrivalTime (default): the record's ApproximateArrivalTimestamp. A
//     replay sees the same timestamps, hence the same lateness, as the first run.
//   - ProcessingTime: the wall clock at read time.
//   - EventTime: a registered TimestampFn applied to the payload; the
//     watermark trails the largest event time seen by MaxOutOfOrder.
//
// A shard caught up at the tip does not hold the watermark back: under
// ArrivalTime it advances to the poll time less a small lag, under EventTime
// it advances with the wall clock from its last event time.
type WatermarkPolicy struct {
	Kind          string
	TimestampFn   string
	MaxOutOfOrder time.Duration
}

// ArrivalTimePolicy stamps records with their arrival time at Kinesis.
func ArrivalTimePolicy() WatermarkPolicy { return WatermarkPolicy{Kind: ArrivalTime} }

// ProcessingTimePolicy stamps records with the time they were read.
func ProcessingTimePolicy() WatermarkPolicy { return WatermarkPolicy{Kind: ProcessingTime} }

// EventTimePolicy stamps records with the time the named TimestampFn (see
// RegisterTimestampFn) extracts, with a watermark maxOutOfOrder behind the
// largest time seen.
func EventTimePolicy(timestampFn string, maxOutOfOrder time.Duration) WatermarkPolicy {
	return WatermarkPolicy{Kind: EventTime, TimestampFn: timestampFn, MaxOutOfOrder: maxOutOfOrder}
}

func (p WatermarkPolicy) validate() error {
	switch p.Kind {
	case ArrivalTime, ProcessingTime:
		return nil
	case EventTime:
		if _, ok := lookupTimestampFn(p.TimestampFn); !ok {
			return fmt.Errorf("event-time policy: no TimestampFn registered as %q", p.TimestampFn)
		}
		if p.MaxOutOfOrder < 0 {
			return fmt.Errorf("event-time policy: negative out-of-orderness %v", p.MaxOutOfOrder)
		}
		return nil
	}
	return fmt.Errorf("watermark policy %q: want %s, %s or %s", p.Kind, ArrivalTime, ProcessingTime, EventTime)
}

// TimestampFn extracts an event time from a payload. ok=false means the
// payload has no usable time; such a record gets its arrival time as element
// timestamp but does not move the watermark: in a replay, arrival times run
// hours ahead of event times, and one garbage record would make every later
// event of its shard late. A TimestampFn should also refuse absurd times (years
// ahead), which would push the watermark as far.
type TimestampFn func(data []byte) (t time.Time, ok bool)

var timestampFns sync.Map // name -> TimestampFn

// RegisterTimestampFn makes fn available to EventTimePolicy under name. Call
// it from an init function so every worker has it: DoFns are serialised, and
// a function is carried by name.
func RegisterTimestampFn(name string, fn TimestampFn) { timestampFns.Store(name, fn) }

func lookupTimestampFn(name string) (TimestampFn, bool) {
	v, ok := timestampFns.Load(name)
	if !ok {
		return nil, false
	}
	return v.(TimestampFn), true
}

// stamp returns the element timestamp and the watermark a record implies.
//
// Under EventTime a record without a usable time is stamped with its shard's
// watermark so far (shardWM, Unix ms; arrival time before the shard has one):
// it is never late, and windowed outputs of such records (dead letters) fire
// with the event-time windows around them instead of waiting for the
// watermark to reach an arrival time hours ahead in a replay.
func (p WatermarkPolicy) stamp(fn TimestampFn, data []byte, arrival, now time.Time, shardWM int64) (ts time.Time, wm int64) {
	switch p.Kind {
	case ProcessingTime:
		return now, now.UnixMilli()
	case EventTime:
		if t, ok := fn(data); ok {
			return t, t.Add(-p.MaxOutOfOrder).UnixMilli()
		}
		if shardWM > 0 {
			return time.UnixMilli(shardWM), math.MinInt64
		}
		return arrival, math.MinInt64 // the shard's watermark only moves forward
	}
	return arrival, arrival.UnixMilli()
}

// shardWatermark is a shard's contribution to its group's watermark at now.
func (p WatermarkPolicy) shardWatermark(s *shardState, idleLag time.Duration) int64 {
	if !s.CaughtUp {
		return s.WatermarkMillis
	}
	var idle int64
	switch p.Kind {
	case ProcessingTime:
		idle = s.LastPollMillis
	case EventTime:
		idle = s.WatermarkMillis + (s.LastPollMillis - s.IdleSinceMillis)
	default:
		idle = s.LastPollMillis - idleLag.Milliseconds()
	}
	return max(idle, s.WatermarkMillis)
}

// groupWatermark is the minimum over the group's open shards; ok=false when
// no shard is open (the previous watermark stands).
func (p WatermarkPolicy) groupWatermark(r *restriction, idleLag time.Duration) (wm int64, ok bool) {
	for i := range r.Shards {
		s := &r.Shards[i]
		if s.Closed || s.Stopped || !r.readable(s) && s.Last.IsZero() {
			continue // a child not yet readable holds nothing back: its parents do
		}
		w := p.shardWatermark(s, idleLag)
		if !ok || w < wm {
			wm, ok = w, true
		}
	}
	return wm, ok
}

// watermarkEstimator is the read's manual, monotonic watermark estimator.
type watermarkEstimator struct {
	State int64
}

// CurrentWatermark returns the estimate.
func (e *watermarkEstimator) CurrentWatermark() time.Time { return time.UnixMilli(e.State) }

// advance moves the estimate forward only.
func (e *watermarkEstimator) advance(ms int64) {
	if ms > e.State {
		e.State = ms
	}
}

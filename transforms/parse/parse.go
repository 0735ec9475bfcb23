package parse

import (
	"context"
	"reflect"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/mtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func init() {
	register.DoFn4x0[context.Context, Raw, func(event.Event), func(DeadLetter)](&parseFn{})
	register.Emitter1[event.Event]()
	register.Emitter1[DeadLetter]()
	register.Function1x2(stampEventTime)
	beam.RegisterType(reflect.TypeOf((*Raw)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*DeadLetter)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*event.Event)(nil)).Elem())
}

// Raw is one record as a source delivers it. The Kinesis reader maps its
// records to Raw, so this package does not depend on it.
type Raw struct {
	Data          []byte
	Shard         string
	Sequence      string
	SubSequence   int64
	ArrivalMillis int64
}

// DeadLetter is a record Parse did not accept, with where it came from.
//
// The JSON names are the columns of the dead-letter table
// (pipelines/delivery/tables/ddl/dead_letters.sql).
type DeadLetter struct {
	Raw          []byte `json:"raw"`
	Reason       string `json:"reason"` // a Reason
	Detail       string `json:"detail"`
	Shard        string `json:"shard_id"`
	Sequence     string `json:"sequence_number"`
	SubSequence  int64  `json:"sub_sequence"`
	IngestMillis int64  `json:"ingest_time"` // the source's arrival time of the record
}

var (
	readCount   = beam.NewCounter("parse", "read")
	validCount  = beam.NewCounter("parse", "valid")
	deadCount   = beam.NewCounter("parse", "dead_letter")
	newerCount  = beam.NewCounter("parse", "newer_schema")
	reasonCount = func() map[Reason]beam.Counter {
		m := make(map[Reason]beam.Counter, len(Reasons))
		for _, r := range Reasons {
			m[r] = beam.NewCounter("parse", "dead_letter."+string(r))
		}
		return m
	}()
)

// Parse decodes and validates each Raw of raw (a PCollection<Raw>) and returns
// valid, a PCollection<event.Event>, and deadLetters, a
// PCollection<DeadLetter> holding every other record with its Reason.
//
// Elements keep the timestamp the input carries: the source's watermark
// policy decides; use WithEventTime to re-stamp with event time (which
// lifecycle.Track does not need: it stamps its batches from event times). A valid event
// without schema_version leaves with SchemaVersion 1 (the seed's form) and,
// when it had no event_id, with the DerivedID of its content as EventID.
//
// Counters (namespace "parse"): read, valid, dead_letter,
// dead_letter.<reason>, and newer_schema (valid events with a schema_version
// above event.CurrentSchemaVersion).
func Parse(s beam.Scope, raw beam.PCollection, opts ...Option) (valid, deadLetters beam.PCollection) {
	s = s.Scope("parse.Parse")
	l := DefaultLimits()
	fn := &parseFn{MaxSkewMillis: l.MaxSkew.Milliseconds(), MaxBytes: l.MaxBytes}
	for _, o := range opts {
		o(fn)
	}
	return beam.ParDo2(s, fn, raw)
}

type parseFn struct {
	MaxSkewMillis int64
	MaxBytes      int
	NowMillis     int64 // 0: wall clock
}

func (f *parseFn) ProcessElement(ctx context.Context, r Raw, emitValid func(event.Event), emitDead func(DeadLetter)) {
	readCount.Inc(ctx, 1)
	now := time.Now()
	if f.NowMillis != 0 {
		now = time.UnixMilli(f.NowMillis)
	}
	limits := Limits{MaxSkew: time.Duration(f.MaxSkewMillis) * time.Millisecond, MaxBytes: f.MaxBytes}
	var e event.Event
	if err := DecodeValidate(r.Data, now, limits, &e); err != nil {
		reason := ReasonOf(err)
		detail := err.Error()
		if pe, ok := err.(*Error); ok {
			detail = pe.Detail
		}
		deadCount.Inc(ctx, 1)
		reasonCount[reason].Inc(ctx, 1)
		emitDead(DeadLetter{
			Raw: r.Data, Reason: string(reason), Detail: detail,
			Shard: r.Shard, Sequence: r.Sequence, SubSequence: r.SubSequence,
			IngestMillis: r.ArrivalMillis,
		})
		return
	}
	if e.SchemaVersion == 0 {
		e.SchemaVersion = 1
	}
	if e.SchemaVersion > event.CurrentSchemaVersion {
		newerCount.Inc(ctx, 1)
	}
	validCount.Inc(ctx, 1)
	emitValid(e)
}

// WithEventTime re-stamps each event of events (a PCollection<event.Event>)
// with its event time, for event-time windowing downstream.
func WithEventTime(s beam.Scope, events beam.PCollection) beam.PCollection {
	return beam.ParDo(s.Scope("parse.WithEventTime"), stampEventTime, events)
}

func stampEventTime(e event.Event) (beam.EventTime, event.Event) {
	return mtime.FromMilliseconds(e.EventTimeMillis), e
}

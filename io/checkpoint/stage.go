package checkpoint

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/mtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/state"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/timers"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/deliverypipe/deliverypipe/io/awsconf"
	"github.com/deliverypipe/deliverypipe/io/kinesisio"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*Entry)(nil)).Elem())
	register.DoFn2x0[beam.X, func(string, Summary)](&dropAllFn{})
	register.Function1x2(oneKey)
	register.DoFn7x1[context.Context, beam.EventTime, state.Provider, timers.Provider, string, Summary, func(Entry), error](&commitFn{})
	register.Emitter1[Entry]()
	register.Emitter2[string, Summary]()
}

// Option configures Commit.
type Option func(*commitFn)

// WithAllowedLateness is the graph's allowed lateness: a window is final
// that long after its end (default 0).
func WithAllowedLateness(d time.Duration) Option {
	return func(f *commitFn) { f.LatenessMillis = d.Milliseconds() }
}

// WithHorizon is how far back in event time before a non-final window the
// state that feeds it reaches; a replay starts that far back (default 0).
func WithHorizon(d time.Duration) Option {
	return func(f *commitFn) { f.HorizonMillis = d.Milliseconds() }
}

// WithPeriod is how often, in event time, the stage commits (default one
// minute).
func WithPeriod(d time.Duration) Option {
	return func(f *commitFn) { f.PeriodMillis = d.Milliseconds() }
}

// Commit maintains the checkpoints of stream in table. records is the
// PCollection<kinesisio.Record> as read; written are the sinks' outputs, which
// only hold the stage's watermark (their elements are dropped). It returns
// the PCollection<Entry> of the writes that applied.
func Commit(s beam.Scope, records beam.PCollection, written []beam.PCollection, table, stream string, opts ...Option) beam.PCollection {
	s = s.Scope("checkpoint.Commit")
	fn := &commitFn{
		Table: table, Stream: stream, PeriodMillis: time.Minute.Milliseconds(),
		Buckets: state.MakeBagState[Summary]("buckets"),
		Armed:   state.MakeValueState[int64]("armed"),
		Fired:   state.MakeValueState[int64]("fired"),
		Latest:  state.MakeValueState[int64]("latest"),
		Tick:    timers.InEventTime("tick"),
	}
	for _, o := range opts {
		o(fn)
	}
	summaries := Positions(s, records, time.Duration(fn.LatenessMillis+fn.HorizonMillis)*time.Millisecond)
	// Flatten needs one windowing: every input goes to the global window.
	global := func(col beam.PCollection) beam.PCollection {
		return beam.WindowInto(s, window.NewGlobalWindows(), col)
	}
	all := []beam.PCollection{global(beam.ParDo(s, oneKey, summaries))}
	for _, w := range written {
		all = append(all, global(beam.ParDo(s, &dropAllFn{}, w)))
	}
	return beam.ParDo(s, fn, beam.Flatten(s, all...))
}

// oneKey puts every summary on one key: there is one per shard and minute.
func oneKey(sm Summary) (string, Summary) { return "", sm }

// dropAllFn passes a sink's watermark, not its elements.
type dropAllFn struct{}

func (dropAllFn) ProcessElement(beam.X, func(string, Summary)) {}

type commitFn struct {
	Table, Stream  string
	LatenessMillis int64
	HorizonMillis  int64
	PeriodMillis   int64

	// Buckets holds the summaries that can still matter, compacted at each
	// commit; a few per shard and minute of horizon.
	Buckets state.Bag[Summary]
	// Armed is the last tick armed, Fired the last one committed (0: none
	// yet); Latest is the latest bucket end seen.
	Armed, Fired, Latest state.Value[int64]
	// Tick is the only timer family, its timers told apart by tags: prism
	// (v2.62 in-process) stalls a stage with two families.
	Tick timers.EventTime

	table *Table
}

func (f *commitFn) Setup(ctx context.Context) error {
	cfg, err := awsconf.Load(ctx)
	if err != nil {
		return fmt.Errorf("checkpoint: load AWS config: %w", err)
	}
	f.table = NewTable(dynamodb.NewFromConfig(cfg), f.Table)
	return nil
}

// lookAhead is how many ticks the stage keeps armed at once. When the
// watermark jumps (a replay, a catch-up) every armed tick it passes fires in
// the same round; one tick at a time would commit one period per runner
// round. It stays well below the timers per bundle that deadlock a Beam 2.62
// Flink runner without our job-server patch (runners/README.md, "Known
// problems": at least 100, thousands with short keys).
const lookAhead = 16

// endTag tags the timer at the end of the global window, which only a bounded
// run reaches; the ticks are tagged with their time.
const endTag = "end"

// ProcessElement keeps the summary and arms the ticks up to the latest
// bucket: they walk period by period up to it, then wait for data.
func (f *commitFn) ProcessElement(ctx context.Context, ts beam.EventTime, sp state.Provider, tp timers.Provider, _ string, sm Summary, _ func(Entry)) error {
	if err := f.Buckets.Add(sp, sm); err != nil {
		return fmt.Errorf("checkpoint: add summary: %w", err)
	}
	latest, _, err := f.Latest.Read(sp)
	if err != nil {
		return fmt.Errorf("checkpoint: read state: %w", err)
	}
	if sm.BucketEndMillis > latest {
		latest = sm.BucketEndMillis
		if err := f.Latest.Write(sp, latest); err != nil {
			return fmt.Errorf("checkpoint: write state: %w", err)
		}
	}
	return f.arm(sp, tp, ceil(int64(ts)+1, f.PeriodMillis), latest)
}

// arm sets the ticks after the last one armed (and at or after from) up to
// the latest bucket's end, at most lookAhead periods past the last one
// fired. Armed and Fired only grow, so an old summary never re-arms times
// already committed.
func (f *commitFn) arm(sp state.Provider, tp timers.Provider, from, latest int64) error {
	armed, ok, err := f.Armed.Read(sp)
	if err != nil {
		return fmt.Errorf("checkpoint: read state: %w", err)
	}
	fired, _, err := f.Fired.Read(sp)
	if err != nil {
		return fmt.Errorf("checkpoint: read state: %w", err)
	}
	if !ok {
		// The run's first summary: arm the bounded run's final commit, and
		// count the look-ahead from here.
		f.Tick.Set(tp, mtime.EndOfGlobalWindowTime.ToTime(), timers.WithTag(endTag))
		armed, fired = from-f.PeriodMillis, from-f.PeriodMillis
		if err := f.Fired.Write(sp, fired); err != nil {
			return fmt.Errorf("checkpoint: write state: %w", err)
		}
	}
	last := armed
	for t := max(from, armed+f.PeriodMillis); t <= ceil(latest, f.PeriodMillis) && t <= fired+lookAhead*f.PeriodMillis; t += f.PeriodMillis {
		f.Tick.Set(tp, time.UnixMilli(t), timers.WithTag(strconv.FormatInt(t, 10)))
		last = t
	}
	if last != armed || !ok {
		if err := f.Armed.Write(sp, last); err != nil {
			return fmt.Errorf("checkpoint: write state: %w", err)
		}
	}
	return nil
}

// OnTimer commits at a tick (or at the end of a bounded run) and arms the
// ticks that the look-ahead now allows.
func (f *commitFn) OnTimer(ctx context.Context, _ beam.EventTime, sp state.Provider, tp timers.Provider, _ string, timer timers.Context, emit func(Entry)) error {
	if timer.Tag == endTag {
		return f.commit(ctx, sp, FinalWatermark, emit)
	}
	// The tag is the tick's time: the timestamp Beam Go passes to OnTimer
	// is the timer's output timestamp, which only defaults to it.
	tick, err := strconv.ParseInt(timer.Tag, 10, 64)
	if err != nil {
		return fmt.Errorf("checkpoint: timer tag %q: %w", timer.Tag, err)
	}
	fired, _, err := f.Fired.Read(sp)
	if err != nil {
		return fmt.Errorf("checkpoint: read state: %w", err)
	}
	if tick <= fired {
		return nil // a later tick of the same round committed already
	}
	if err := f.commit(ctx, sp, tick-f.LatenessMillis, emit); err != nil {
		return err
	}
	if err := f.Fired.Write(sp, tick); err != nil {
		return fmt.Errorf("checkpoint: write state: %w", err)
	}
	latest, _, err := f.Latest.Read(sp)
	if err != nil {
		return fmt.Errorf("checkpoint: read state: %w", err)
	}
	return f.arm(sp, tp, tick+f.PeriodMillis, latest)
}

// commit stores each shard's checkpoint for the committed watermark wm and
// compacts the buckets that no longer matter.
func (f *commitFn) commit(ctx context.Context, sp state.Provider, wm int64, emit func(Entry)) error {
	all, _, err := f.Buckets.Read(sp)
	if err != nil {
		return fmt.Errorf("checkpoint: read buckets: %w", err)
	}
	entries, kept := plan(all, f.Stream, wm, f.HorizonMillis, time.Now().UnixMilli())
	for _, e := range entries {
		ok, err := f.table.Commit(ctx, e)
		if err != nil {
			return err
		}
		if ok {
			emit(e)
		}
	}
	if err := f.Buckets.Clear(sp); err != nil {
		return fmt.Errorf("checkpoint: clear buckets: %w", err)
	}
	for _, sm := range kept {
		if err := f.Buckets.Add(sp, sm); err != nil {
			return fmt.Errorf("checkpoint: add summary: %w", err)
		}
	}
	return nil
}

// plan computes the entries for committed watermark wm from the summaries,
// and the summaries to keep. Per shard, the replay must start at the first
// record of a bucket that can hold event times at or after wm − horizon;
// when no such bucket exists, or the run ended (FinalWatermark), after the
// last record seen.
func plan(all []Summary, stream string, wm, horizon, nowMillis int64) ([]Entry, []Summary) {
	type shardPlan struct{ need, old, read Summary }
	shards := map[string]*shardPlan{}
	from := wm - horizon
	if wm == FinalWatermark {
		from = FinalWatermark
	}
	for _, sm := range all {
		p := shards[sm.Shard]
		if p == nil {
			p = &shardPlan{}
			shards[sm.Shard] = p
		}
		p.read = merge(p.read, sm)
		if sm.BucketEndMillis > from {
			p.need = merge(p.need, sm)
		} else {
			p.old = merge(p.old, sm)
		}
	}
	ids := make([]string, 0, len(shards))
	for id := range shards {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var entries []Entry
	var kept []Summary
	for _, id := range ids {
		p := shards[id]
		resume := p.read.Max
		if !p.need.Min.IsZero() {
			resume = kinesisio.Before(p.need.Min)
		}
		lag := int64(0)
		if wm != FinalWatermark {
			lag = nowMillis - wm
		}
		entries = append(entries, Entry{
			Stream: stream, ShardID: id, Sequence: resume.Sequence, SubSequence: resume.SubSequence,
			WatermarkMillis: wm, UpdatedMillis: nowMillis, LagMillis: lag, ReadSequence: p.read.Max.Sequence,
		})
		for _, sm := range all {
			if sm.Shard == id && sm.BucketEndMillis > from {
				kept = append(kept, sm)
			}
		}
		if !p.old.Max.IsZero() {
			kept = append(kept, Summary{Shard: id, Max: p.old.Max})
		}
	}
	return entries, kept
}

// ceil rounds t up to a multiple of period.
func ceil(t, period int64) int64 {
	if r := t % period; r != 0 {
		return t + period - r
	}
	return t
}

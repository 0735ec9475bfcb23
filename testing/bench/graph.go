package bench

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/metrics"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/transforms/periodic"
	"github.com/parquet-go/parquet-go"

	"github.com/deliverypipe/deliverypipe/pipelines/delivery"
	"github.com/deliverypipe/deliverypipe/transforms/event"
	"github.com/deliverypipe/deliverypipe/transforms/parse"
)

func init() {
	register.DoFn2x0[context.Context, beam.X](&countFn{})
	register.Function1x1(lineToRaw)
	register.Function2x0(dropTick)
	beam.RegisterType(reflect.TypeFor[countFn]())
}

// Counter names (namespace "bench") under which the stage benchmarks count
// their outputs, and FullGraph the order statuses.
const (
	CountEventTypeCounts = "event_type_counts"
	CountOrderFacts      = "order_facts"
	CountDeadLetters     = "dead_letters"
	CountStatuses        = "statuses"
)

// FilesBucket is the bucket directory FullGraph writes its tables under.
const FilesBucket = "bench"

// Create is the in-memory source: the workload's lines as parse.Raw.
func Create(s beam.Scope, w *Workload) beam.PCollection {
	raws := make([]parse.Raw, len(w.Lines))
	for i, l := range w.Lines {
		raws[i] = parse.Raw{Data: l, Shard: "bench", ArrivalMillis: 1}
	}
	return beam.CreateList(s.Scope("bench.Create"), raws)
}

// ReadFile is the file source (JSON Lines at path, as WriteJSONLines writes
// them), for runners where a pipeline carrying the events inline would be too
// large to submit.
func ReadFile(s beam.Scope, path string) beam.PCollection {
	s = s.Scope("bench.ReadFile")
	return beam.ParDo(s, lineToRaw, textio.Read(s, path))
}

// StreamFile is the file source flattened with an empty unbounded
// PCollection (a one-tick periodic.Impulse), so that Flink runs the job in
// streaming mode, as in production, where a bounded source gets its batch
// translation. Needs --experiments=shutdown_idle_sources on this repo's
// Flink job server for the job to end.
func StreamFile(s beam.Scope, path string) beam.PCollection {
	s = s.Scope("bench.Stream")
	now := time.Now()
	ticks := periodic.Impulse(s, now, now.Add(time.Millisecond), time.Second, false)
	return beam.Flatten(s, ReadFile(s, path), beam.ParDo(s, dropTick, ticks))
}

// dropTick turns periodic ticks into nothing (of the events' type).
func dropTick(_ []byte, _ func(parse.Raw)) {}

func lineToRaw(l string) parse.Raw {
	return parse.Raw{Data: []byte(l), Shard: "bench", ArrivalMillis: 1}
}

// FullGraph runs delivery.Build over raw and writes its tables as
// delivery.WriteFiles does, Parquet and JSON Lines files under
// dir/FilesBucket/, the objects a deployment writes to S3. The order
// statuses, which go to DynamoDB in a deployment, are counted instead.
func FullGraph(s beam.Scope, raw beam.PCollection, o delivery.Options, dir string) {
	out := delivery.Build(s, raw, o)
	written := delivery.WriteFiles(s, out, dir, delivery.Sinks{Bucket: FilesBucket})
	beam.ParDo0(s.Scope("bench.Count"), &countFn{Name: CountStatuses}, out.Statuses)
	// The written URIs go on to one more stage, as checkpoint.Commit takes
	// them in a deployment. Left without a consumer, each writing stage
	// would have no outputs, and the in-process prism of Beam Go v2.62 spins
	// a core for as long as such a stage's bundle runs (its progress loop
	// selects on the bundle's data channel, closed from the start when there
	// are no outputs): 4.7k instead of 7.4k events/s at 5,000 orders.
	for i, w := range written {
		written[i] = beam.WindowInto(s, window.NewGlobalWindows(), w)
	}
	beam.ParDo0(s.Scope("bench.Count"), &countFn{Name: "files"}, beam.Reshuffle(s, beam.Flatten(s, written...)))
}

// countFn is a discarding sink that counts what it is given.
type countFn struct {
	Name string
	c    beam.Counter
}

func (f *countFn) Setup() { f.c = beam.NewCounter("bench", f.Name) }

// ProcessElement counts an element, or the events of an event.Batch.
func (f *countFn) ProcessElement(ctx context.Context, x beam.X) {
	if b, ok := x.(event.Batch); ok {
		f.c.Inc(ctx, int64(len(b.Events)))
		return
	}
	f.c.Inc(ctx, 1)
}

// Counters reads the bench and transform counters (committed values) of a
// finished run.
func Counters(r metrics.QueryResults) map[string]int64 {
	out := map[string]int64{}
	for _, c := range r.Counters() {
		out[c.Key.Namespace+"."+c.Key.Name] += c.Result()
	}
	return out
}

// rowsCounter is the counter of the rows s3parquet wrote to table.
func rowsCounter(table string) string { return "s3parquet.rows_" + table }

// Expected is what the counters of FullGraph must read for a run whose plain
// result is r (enrichment ids unknown to the dimensions are flagged, not
// dropped, so the events table has every unique event).
func Expected(r Rows) map[string]int64 {
	return map[string]int64{
		rowsCounter(delivery.EventsTableName):          r.Unique,
		rowsCounter(delivery.EventTypeCountsTableName): r.EventTypeCounts,
		rowsCounter(delivery.RestaurantKPIsTableName):  r.RestaurantKPIs,
		rowsCounter(delivery.ZoneKPIsTableName):        r.ZoneKPIs,
		rowsCounter(delivery.OrderFactsTableName):      r.OrderFacts,
		rowsCounter(delivery.DeadLetterTableName):      r.DeadLetters,
		"bench." + CountStatuses:                       r.Unique,
		"lifecycle.expired":                            r.ExpiredOrders,
	}
}

// FileRows counts the rows in the files FullGraph wrote under dir, per
// table: what the Parquet footers say, and the lines of the JSON Lines files.
func FileRows(dir string) (map[string]int64, error) {
	root := filepath.Join(dir, FilesBucket)
	rows := map[string]int64{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		table, _, _ := strings.Cut(filepath.ToSlash(rel), "/")
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		switch filepath.Ext(path) {
		case ".parquet":
			f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				return fmt.Errorf("bench: %s: %w", path, err)
			}
			rows[table] += f.NumRows()
		case ".jsonl":
			rows[table] += int64(bytes.Count(data, []byte{'\n'}))
		default:
			return fmt.Errorf("bench: unexpected file %s", path)
		}
		return nil
	})
	return rows, err
}

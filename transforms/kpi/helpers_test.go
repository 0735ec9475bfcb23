package kpi

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/flink"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/teststream"

	"github.com/deliverypipe/deliverypipe/runners/presets/presetstest"
	"github.com/deliverypipe/deliverypipe/testing/stepsource"
	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func init() {
	register.Function1x1(fromStreamEvent)
}

func TestMain(m *testing.M) {
	os.Exit(presetstest.MainRet(m, "prism"))
}

// t0 is a minute-aligned event time; the tests place events relative to it.
const t0 = int64(1_767_225_600_000) // 2026-01-01T00:00:00Z

const minute = int64(60_000)

func ev(id string, typ event.Type, at int64) event.Event {
	return event.Event{EventID: id, EventType: typ, OrderID: "o-" + id, RestaurantID: "r-1", DriverID: "d-1", EventTimeMillis: at}
}

// step is one TestStream action: add events at their event times, then move the watermark.
type step struct {
	add       []event.Event
	watermark int64
}

// streamEvent is the TestStream element: only strings and numbers, because
// Java runners (Flink) decode TestStream elements with the row coder, and
// Beam Java's decoding of a Go-encoded event.Event row (its nil Items and
// Metadata) fails with an OutOfMemoryError (measured on Flink 2.62). The
// events are rebuilt in Go right after the source.
type streamEvent struct {
	ID, Type, Order, Restaurant, Driver string
	Millis                              int64
	Price                               float64
}

func toStreamEvent(e event.Event) streamEvent {
	return streamEvent{ID: e.EventID, Type: string(e.EventType), Order: e.OrderID, Restaurant: e.RestaurantID, Driver: e.DriverID, Millis: e.EventTimeMillis, Price: e.TotalPrice}
}

func fromStreamEvent(e streamEvent) event.Event {
	return event.Event{EventID: e.ID, EventType: event.Type(e.Type), OrderID: e.Order, RestaurantID: e.Restaurant, DriverID: e.Driver, EventTimeMillis: e.Millis, TotalPrice: e.Price}
}

// stream builds a TestStream of events from steps, each stamped with its own
// event time, and ends with the watermark at infinity.
func stream(t *testing.T, s beam.Scope, steps ...step) beam.PCollection {
	t.Helper()
	c := teststream.NewConfig()
	for _, st := range steps {
		for _, e := range st.add {
			if err := c.AddElements(e.EventTimeMillis, toStreamEvent(e)); err != nil {
				t.Fatal(err)
			}
		}
		if st.watermark != 0 {
			if err := c.AdvanceWatermark(st.watermark); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := c.AdvanceWatermarkToInfinity(); err != nil {
		t.Fatal(err)
	}
	return beam.ParDo(s, fromStreamEvent, teststream.Create(s, c))
}

// equals asserts col (any windowing) holds exactly want.
func equals(s beam.Scope, col beam.PCollection, want ...any) {
	passert.Equals(s, beam.WindowInto(s, window.NewGlobalWindows(), col), want...)
}

// steps is a stepsource of the given steps: TestStream's replacement on
// Flink, where TestStream elements overtake its watermarks (see package
// stepsource).
func steps(s beam.Scope, st ...step) beam.PCollection {
	ss := make([]stepsource.Step, len(st))
	for i, x := range st {
		ss[i] = stepsource.Step{Events: x.add, Watermark: x.watermark}
	}
	return stepsource.Events(s, stepsource.DefaultPause, ss...)
}

// runAndCompare runs p and checks that rows (a PCollection<string>, any
// windowing) holds exactly want. Flink tests use it instead of passert:
// passert's side inputs make Flink checkpoints fail (a ClassCastException
// snapshotting the side-input pushback state, Beam 2.62) once a job outlives
// the 5 s checkpoint interval. The rows go through textio to a file (the
// LOOPBACK worker runs in this process).
func runAndCompare(t *testing.T, p *beam.Pipeline, s beam.Scope, rows beam.PCollection, want ...string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "rows.txt")
	textio.Write(s, out, beam.WindowInto(s, window.NewGlobalWindows(), rows))
	ptest.RunAndValidate(t, p)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("reading the pipeline's rows: %v", err)
	}
	got := strings.Split(strings.TrimSpace(string(b)), "\n")
	slices.Sort(got)
	want = slices.Clone(want)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// onRunner adds to w the workarounds of the runner the tests run on
// (runners/presets), as delivery.Build does.
func onRunner(w Windows) Windows {
	if presetstest.Workarounds().NormalizePanes {
		w.Options = append(w.Options, NormalizePanes())
	}
	return w
}

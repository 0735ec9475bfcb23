package kpi

import (
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/flink"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/teststream"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func TestMain(m *testing.M) {
	ptest.MainWithDefault(m, "prism")
}

// t0 is a minute-aligned event time; the tests place events relative to it.
const t0 = int64(1_767_225_600_000) // 2026-01-01T00:00:00Z

const minute = int64(60_000)

func ev(id string, typ event.Type, at int64) event.Event {
	return event.Event{EventID: id, EventType: typ, OrderID: "o-" + id, RestaurantID: "r-1", DriverID: "d-1", EventTimeMillis: at}
}

// step is one TestStream action: add elements at their event times, or move the watermark.
type step struct {
	add       []any
	watermark int64
}

// stream builds a TestStream from steps; every element is stamped with its
// own time (at(elem)).
func stream(t *testing.T, s beam.Scope, at func(any) int64, steps ...step) beam.PCollection {
	t.Helper()
	c := teststream.NewConfig()
	for _, st := range steps {
		for _, e := range st.add {
			if err := c.AddElements(at(e), e); err != nil {
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
	return teststream.Create(s, c)
}

func eventTime(e any) int64 { return e.(event.Event).EventTimeMillis }

// equals asserts col (any windowing) holds exactly want.
func equals(s beam.Scope, col beam.PCollection, want ...any) {
	passert.Equals(s, beam.WindowInto(s, window.NewGlobalWindows(), col), want...)
}

// skipOnOldPrism skips tests of triggers, accumulating panes and allowed
// lateness on the in-process prism of Beam Go v2.62, which refuses them.
func skipOnOldPrism(t *testing.T) {
	t.Helper()
	if r := *ptest.Runner; r == "" || r == "prism" {
		t.Skip("prism in Beam Go v2.62 implements no triggers, accumulating panes or allowed lateness; run with -runner=flink")
	}
}

package dedup

import (
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/metrics"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/teststream"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func TestMain(m *testing.M) {
	ptest.MainWithDefault(m, "prism")
}

func init() {
	register.Function1x1(idOf)
}

func idOf(e event.Event) string { return e.EventID }

const t0 = int64(1_767_225_600_000)

func ev(id string, at int64) event.Event {
	return event.Event{EventID: id, EventType: event.OrderCreated, OrderID: "o-" + id, EventTimeMillis: at}
}

func TestDedup(t *testing.T) {
	c := teststream.NewConfig()
	add := func(e event.Event) {
		if err := c.AddElements(e.EventTimeMillis, e); err != nil {
			t.Fatal(err)
		}
	}
	add(ev("a", t0))
	add(ev("b", t0+1000))
	add(ev("a", t0+5000))                                     // repeat within the 1-minute horizon: dropped
	add(ev("b", t0+1000))                                     // exact repeat: dropped
	if err := c.AdvanceWatermark(t0 + 2*60_000); err != nil { // both expiry timers fire
		t.Fatal(err)
	}
	add(ev("a", t0+3*60_000)) // after the horizon: passed on again
	if err := c.AdvanceWatermarkToInfinity(); err != nil {
		t.Fatal(err)
	}
	p, s := beam.NewPipelineWithRoot()
	out := Dedup(s, teststream.Create(s, c), WithHorizon(time.Minute))
	passert.Equals(s, beam.ParDo(s, idOf, out), "a", "b", "a")
	res := ptest.RunAndValidate(t, p)
	if got := counter(res, "duplicates"); got != 2 {
		t.Errorf("dedup.duplicates = %d, want 2", got)
	}
}

func counter(res beam.PipelineResult, name string) int64 {
	var n int64
	for _, c := range res.Metrics().Query(func(r metrics.SingleResult) bool {
		return r.Namespace() == "dedup" && r.Name() == name
	}).Counters() {
		n += c.Result()
	}
	return n
}

package lifecycle

import (
	"fmt"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/teststream"

	"github.com/deliverypipe/deliverypipe/internal/simulator"
	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func init() {
	register.Function2x0(formatDelivery)
	register.Function1x1(formatStepTimes)
}

// formatDelivery renders the delivery minutes of a fact whose pick-up and
// delivery were both seen.
func formatDelivery(f OrderFact, emit func(string)) {
	if f.PickedUpMillis != 0 && f.DeliveredMillis != 0 {
		emit(fmt.Sprintf("%s %g", f.OrderID, f.DeliveryMinutes))
	}
}

// formatStepTimes renders the times a fact keeps, in ms, exactly.
func formatStepTimes(f OrderFact) string {
	return fmt.Sprintf("%s c=%d a=%d p=%d d=%d x=%d del=%.6f", f.OrderID, f.CreatedMillis, f.AcceptedMillis,
		f.PickedUpMillis, f.DeliveredMillis, f.CancelledMillis, f.DeliveryMinutes)
}

// resent is a step sent again by a client under a new event_id (not a
// duplicate: dedup keeps it), at another time and place.
func resent(e event.Event, at int64, loc event.Location) event.Event {
	e.EventID += "/retry"
	e.EventTimeMillis, e.Location = at, loc
	return e
}

// TestEarliestStepTime: a step seen twice under two event ids counts at its
// earliest time (README: delivery minutes from the lifecycle fact; the fact
// keeps the earliest time per step, and the zone of the earliest delivered
// event), whichever copy arrives first.
func TestEarliestStepTime(t *testing.T) {
	elsewhere := event.Location{Lat: 48.8566, Lon: 2.3522}
	c := teststream.NewConfig()
	for _, e := range []event.Event{
		// A: the originals first, the later copies after them.
		ev("A", event.OrderCreated, t0),
		ev("A", event.PickedUp, t0+10*minute),
		resent(ev("A", event.PickedUp, 0), t0+12*minute, elsewhere),
		ev("A", event.Delivered, t0+30*minute),
		resent(ev("A", event.Delivered, 0), t0+30*minute+20_000, elsewhere),
		// B: the later copies arrive first.
		ev("B", event.OrderCreated, t0+1*minute),
		resent(ev("B", event.PickedUp, 0), t0+14*minute, elsewhere),
		ev("B", event.PickedUp, t0+11*minute),
		resent(ev("B", event.Delivered, 0), t0+40*minute+30_000, elsewhere),
		ev("B", event.Delivered, t0+40*minute),
	} {
		if err := c.AddElements(e.EventTimeMillis, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.AdvanceWatermarkToInfinity(); err != nil {
		t.Fatal(err)
	}
	p, s := beam.NewPipelineWithRoot()
	unique, facts := Track(s, teststream.Create(s, c))
	passert.Count(s, beam.ParDo(s, eventsOf, unique), "unique events (copies have their own ids)", 10)
	// By hand: A picked up at 10, delivered at 30 (20 min); B picked up at
	// 11, delivered at 40 (29 min); both in the first events' zone u33dc0.
	passert.Equals(s, beam.ParDo(s, formatFact, facts),
		"A@30 c=0 a=-1 p=10 d=30 x=-1 prep=10 del=20 tot=30 cancelled=false complete=true zone=u33dc0",
		"B@40 c=1 a=-1 p=11 d=40 x=-1 prep=10 del=29 tot=39 cancelled=false complete=true zone=u33dc0",
	)
	passert.Equals(s, beam.ParDo(s, formatDelivery, facts), "A 20", "B 29")
	ptest.RunAndValidate(t, p)
}

// TestEarliestStepTimeSimulated runs Track on a simulated stream with
// re-sent steps (simulator.Config.ResendShare) and compares every fact's
// step times and delivery minutes with the earliest time per step, computed
// here from the events.
func TestEarliestStepTimeSimulated(t *testing.T) {
	cfg := simulator.DefaultConfig()
	cfg.Orders, cfg.Seed = 80, 3
	cfg.ResendShare, cfg.ResendBy = 0.4, 30*time.Second
	// All events on time: a straggler after its order's fact would not
	// change the fact, which is another rule.
	cfg.OutOfOrderShare, cfg.LateShare = 0, 0
	sim, err := simulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sent, err := sim.Generate()
	if err != nil {
		t.Fatal(err)
	}
	type steps struct{ c, a, p, d, x int64 }
	byOrder := map[string]*steps{}
	seen := map[string]bool{}
	copies := map[[2]string]int{}
	c := teststream.NewConfig()
	for _, e := range sent {
		if err := c.AddElements(e.EventTimeMillis, e); err != nil {
			t.Fatal(err)
		}
		if seen[e.EventID] {
			continue
		}
		seen[e.EventID] = true
		copies[[2]string{e.OrderID, string(e.EventType)}]++
		o := byOrder[e.OrderID]
		if o == nil {
			o = &steps{}
			byOrder[e.OrderID] = o
		}
		at := map[event.Type]*int64{event.OrderCreated: &o.c, event.OrderAccepted: &o.a, event.PickedUp: &o.p, event.Delivered: &o.d, event.Cancelled: &o.x}[e.EventType]
		if *at == 0 || e.EventTimeMillis < *at {
			*at = e.EventTimeMillis
		}
	}
	if err := c.AdvanceWatermarkToInfinity(); err != nil {
		t.Fatal(err)
	}
	resentEnds := 0
	for k, n := range copies {
		if n > 1 && (k[1] == string(event.PickedUp) || k[1] == string(event.Delivered)) {
			resentEnds++
		}
	}
	if resentEnds < 10 {
		t.Fatalf("only %d re-sent pick-ups or deliveries: the test would prove little", resentEnds)
	}
	var want, wantDeliveries []any
	for id, o := range byOrder {
		del := 0.0
		if o.p != 0 && o.d != 0 {
			del = float64(o.d-o.p) / 60_000
			wantDeliveries = append(wantDeliveries, fmt.Sprintf("%s %g", id, del))
		}
		want = append(want, fmt.Sprintf("%s c=%d a=%d p=%d d=%d x=%d del=%.6f", id, o.c, o.a, o.p, o.d, o.x, del))
	}
	p, s := beam.NewPipelineWithRoot()
	_, facts := Track(s, teststream.Create(s, c))
	passert.Equals(s, beam.ParDo(s, formatStepTimes, facts), want...)
	passert.Equals(s, beam.ParDo(s, formatDelivery, facts), wantDeliveries...)
	ptest.RunAndValidate(t, p)
}

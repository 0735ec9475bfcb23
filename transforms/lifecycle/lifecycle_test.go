package lifecycle

import (
	"fmt"
	"math"
	"strings"
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
	register.Function2x1(formatFact)
	register.Function2x0(eventsOf)
	register.Function3x0(misstamped)
}

// eventsOf emits the events of a batch of Track's unique output.
func eventsOf(b event.Batch, emit func(event.Event)) {
	for _, e := range b.Events {
		emit(e)
	}
}

// misstamped reports a batch of Track's unique output that is empty or not
// timestamped with its earliest event, as the watermark holds require.
func misstamped(ts beam.EventTime, b event.Batch, report func(string)) {
	if len(b.Events) == 0 {
		report("an empty batch")
		return
	}
	earliest := b.Events[0].EventTimeMillis
	for _, e := range b.Events {
		earliest = min(earliest, e.EventTimeMillis)
	}
	if ts.Milliseconds() != earliest {
		report(fmt.Sprintf("batch of %d events stamped %d, its earliest event is at %d", len(b.Events), ts.Milliseconds(), earliest))
	}
}

const (
	t0     = int64(1_767_225_600_000)
	minute = int64(60_000)
)

// formatFact renders a fact with its element timestamp, times in minutes after t0.
func formatFact(ts beam.EventTime, f OrderFact) string {
	rel := func(ms int64) int64 {
		if ms == 0 {
			return -1
		}
		return (ms - t0) / minute
	}
	return fmt.Sprintf("%s@%d c=%d a=%d p=%d d=%d x=%d prep=%g del=%g tot=%g cancelled=%v complete=%v zone=%s",
		f.OrderID, rel(ts.Milliseconds()), rel(f.CreatedMillis), rel(f.AcceptedMillis), rel(f.PickedUpMillis),
		rel(f.DeliveredMillis), rel(f.CancelledMillis), f.PrepMinutes, f.DeliveryMinutes, f.TotalMinutes,
		f.Cancelled, f.Complete, f.Zone)
}

func ev(order string, typ event.Type, at int64) event.Event {
	return event.Event{EventID: order + "/" + string(typ), EventType: typ, OrderID: order, RestaurantID: "r-1", DriverID: "d-1",
		EventTimeMillis: at, Location: event.Location{Lat: 52.520008, Lon: 13.404954}}
}

// TestTrack runs the same stream with state keyed per order, all orders in
// one cell, and the default buckets, with and without the bundle cache: the
// results must not depend on it.
func TestTrack(t *testing.T) {
	for _, buckets := range []int{0, 1, DefaultBuckets} {
		t.Run(fmt.Sprint("buckets=", buckets), func(t *testing.T) { testTrack(t, WithBuckets(buckets)) })
	}
	t.Run("without bundle cache", func(t *testing.T) { testTrack(t, WithoutBundleCache()) })
}

func testTrack(t *testing.T, opt Option) {
	c := teststream.NewConfig()
	add := func(es ...event.Event) {
		for _, e := range es {
			if err := c.AddElements(e.EventTimeMillis, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	add(
		ev("A", event.PickedUp, t0+10*minute), // out of order
		ev("A", event.OrderCreated, t0),
		ev("B", event.OrderCreated, t0+1*minute),
		ev("A", event.OrderAccepted, t0+2*minute),
		ev("C", event.OrderCreated, t0+3*minute), // never finishes
		ev("B", event.Cancelled, t0+5*minute),    // B has no accept, no pick-up
		ev("A", event.Delivered, t0+30*minute),
	)
	if err := c.AdvanceWatermark(t0 + 40*minute); err != nil {
		t.Fatal(err)
	}
	straggler := ev("A", event.OrderAccepted, t0+2*minute)
	straggler.EventID = "A/order_accepted/resent"
	add(straggler,
		ev("A", event.OrderAccepted, t0+2*minute)) // a repeat: dropped as a duplicate
	if err := c.AdvanceWatermarkToInfinity(); err != nil {
		t.Fatal(err)
	}
	p, s := beam.NewPipelineWithRoot()
	unique, facts := Track(s, teststream.Create(s, c), WithGrace(time.Minute), WithHorizon(time.Hour), opt)
	passert.Count(s, beam.ParDo(s, eventsOf, unique), "unique events", 8)
	passert.Empty(s, beam.ParDo(s, misstamped, unique))
	// By hand: A prep 0→10, delivery 10→30, total 30, stamped at delivery (30);
	// B cancelled at 5; C expires at 3 + 60 = 63.
	passert.Equals(s, beam.ParDo(s, formatFact, facts),
		"A@30 c=0 a=2 p=10 d=30 x=-1 prep=10 del=20 tot=30 cancelled=false complete=true zone=u33dc0",
		"B@5 c=1 a=-1 p=-1 d=-1 x=5 prep=0 del=0 tot=0 cancelled=true complete=true zone=",
		"C@63 c=3 a=-1 p=-1 d=-1 x=-1 prep=0 del=0 tot=0 cancelled=false complete=false zone=",
	)
	res := ptest.RunAndValidate(t, p)
	got := map[string]int64{}
	for _, c := range res.Metrics().Query(func(r metrics.SingleResult) bool {
		return r.Namespace() == "lifecycle" || r.Namespace() == "dedup"
	}).Counters() {
		got[c.Name()] += c.Result()
	}
	if want := map[string]int64{"emitted": 2, "expired": 1, "after_emit": 1, "duplicates": 1, "forgotten": 3}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("counters %v, want %v", got, want)
	}
}

func TestBucketCoderRoundTrip(t *testing.T) {
	for _, b := range []bucketState{
		{},
		{Armed: []armedTimer{{Tick: t0 + minute, Hold: t0}}, Orders: []orderState{
			{Fact: OrderFact{OrderID: "A", RestaurantID: "r", DriverID: "d", Zone: "u33dc0", CreatedMillis: t0, DeliveredMillis: t0 + minute},
				FirstMillis: t0, LastMillis: t0 + minute, EventHashes: []uint64{eventHash("e1"), eventHash("e2")}, Emitted: true},
			{Fact: OrderFact{OrderID: "B", CancelledMillis: -5}, EventHashes: []uint64{}},
			{Fact: OrderFact{OrderID: strings.Repeat("x", 200), CreatedMillis: math.MinInt64, AcceptedMillis: math.MaxInt64},
				FirstMillis: 63, LastMillis: -64, EventHashes: []uint64{0, math.MaxUint64}},
		}},
	} {
		enc := encodeBucket(b)
		// The buffer is sized up front: a wrong size would reallocate it.
		if cap(enc) != len(enc) {
			t.Errorf("encoded %d bytes into a buffer of %d", len(enc), cap(enc))
		}
		got, err := decodeBucket(enc)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(b) {
			t.Errorf("round trip: got %+v, want %+v", got, b)
		}
	}
	// Version 1, then two armed timers announced and none there.
	if _, err := decodeBucket([]byte{0x01, 0x02, 0xff}); err == nil {
		t.Error("truncated state decoded without error")
	}
	if _, err := decodeBucket(nil); err == nil {
		t.Error("empty state decoded without error")
	}
	// The first byte is the coder's version: 1; another is refused, naming it.
	if enc := encodeBucket(bucketState{}); len(enc) == 0 || enc[0] != 1 {
		t.Errorf("encoded state %x does not start with version 1", enc)
	}
	if _, err := decodeBucket([]byte{0x02, 0x00, 0x00}); err == nil || !strings.Contains(err.Error(), "coder version 2") {
		t.Errorf("state of version 2: err = %v, want one naming version 2", err)
	}
}

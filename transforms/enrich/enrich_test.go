package enrich

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/mtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/metrics"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/mmcloughlin/geohash"

	"github.com/deliverypipe/deliverypipe/testing/localstack"
	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func TestMain(m *testing.M) {
	os.Exit(localstack.Finish(ptest.MainRetWithDefault(m, "prism")))
}

func init() {
	register.Function3x0(formatEnriched)
	register.Function1x2(stampBatch)
}

// stampBatch timestamps a batch with its earliest event, as Track does.
func stampBatch(b event.Batch) (beam.EventTime, event.Batch) {
	return mtime.FromMilliseconds(b.MinMillis()), b
}

// formatEnriched formats each row of a batch, with the batch's timestamp.
func formatEnriched(ts beam.EventTime, b Batch, emit func(string)) {
	for _, e := range b.Rows {
		emit(fmt.Sprintf("%s@%d|%s|%s|%s|%s|ur=%v|ud=%v", e.Event.EventID, ts.Milliseconds(), e.RestaurantName, e.Cuisine, e.DriverVehicle, e.Zone, e.UnknownRestaurant, e.UnknownDriver))
	}
}

// writeDims writes dimension files in the simulator's layout, columns of
// restaurants.csv shuffled to check lookup by header name.
func writeDims(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	r := filepath.Join(dir, "restaurants.csv")
	d := filepath.Join(dir, "drivers.csv")
	if err := os.WriteFile(r, []byte("name,restaurant_id,cuisine,zone,lat,lon\n\"Golden Dragon, Mitte\",r-00001,chinese,u33dbf,52.5,13.4\nLittle Oven,r-00002,pizza,u33dc0,52.51,13.41\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(d, []byte("driver_id,name,vehicle,home_zone\nd-00001,Ana Meyer,e-bike,u33dbf\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return r, d
}

func TestEnrich(t *testing.T) {
	r, d := writeDims(t)
	loc := event.Location{Lat: 52.520008, Lon: 13.404954}
	events := []event.Event{
		{EventID: "e1", EventType: event.OrderCreated, RestaurantID: "r-00001", Location: loc, EventTimeMillis: 5},
		{EventID: "e2", EventType: event.OrderAccepted, RestaurantID: "r-00002", DriverID: "d-00001", Location: loc, EventTimeMillis: 9},
		{EventID: "e3", EventType: event.PickedUp, RestaurantID: "r-99999", DriverID: "d-99999", Location: loc, EventTimeMillis: 20},
	}
	// Zone by hand: geohash of Berlin Mitte at 6 characters.
	zone := geohash.EncodeWithPrecision(loc.Lat, loc.Lon, 6)
	if zone != "u33dc0" {
		t.Fatalf("geohash(%v) = %s, want u33dc0", loc, zone)
	}
	p, s := beam.NewPipelineWithRoot()
	// Two batches, stamped with their earliest events (5 and 20): the
	// enriched batches keep the stamps.
	first, second := event.Batch{Events: events[:2]}, event.Batch{Events: events[2:]}
	in := beam.ParDo(s, stampBatch, beam.Create(s, first, second))
	out := beam.ParDo(s, formatEnriched, Enrich(s, in, r, d))
	passert.Equals(s, out,
		"e1@5|Golden Dragon, Mitte|chinese||u33dc0|ur=false|ud=false",
		"e2@5|Little Oven|pizza|e-bike|u33dc0|ur=false|ud=false",
		"e3@20||||u33dc0|ur=true|ud=true",
	)
	res := ptest.RunAndValidate(t, p)
	got := map[string]int64{}
	for _, c := range res.Metrics().Query(func(r metrics.SingleResult) bool { return r.Namespace() == "enrich" }).Counters() {
		got[c.Name()] += c.Result()
	}
	if want := map[string]int64{"events": 3, "unknown_restaurant": 1, "unknown_driver": 1}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("counters %v, want %v", got, want)
	}
}

func TestLoadDimensionsErrors(t *testing.T) {
	r, d := writeDims(t)
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("driver_id,name\nd-1,x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, r, d string }{
		{"missing file", filepath.Join(t.TempDir(), "nope.csv"), d},
		{"missing column", r, bad},
		{"bad s3 uri", "s3://bucket-only", d},
	} {
		if _, err := LoadDimensions(t.Context(), c.r, c.d); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

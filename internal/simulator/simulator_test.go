package simulator

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func generate(t testing.TB, cfg Config) []event.Event {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := s.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func jsonLines(t testing.TB, evs []event.Event) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, e := range evs {
		j, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func TestDeterministic(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Orders = 3000
	a, b := jsonLines(t, generate(t, cfg)), jsonLines(t, generate(t, cfg))
	if !bytes.Equal(a, b) {
		t.Fatal("same seed gave different output")
	}
	cfg.Seed++
	if bytes.Equal(a, jsonLines(t, generate(t, cfg))) {
		t.Fatal("different seeds gave the same output")
	}
}

func TestEventsStopsAndUnbounded(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Orders = 0
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var first []event.Event
	for e := range s.Events() {
		first = append(first, e)
		if len(first) == 5000 {
			break
		}
	}
	var again []event.Event
	for e := range s.Events() {
		again = append(again, e)
		if len(again) == 5000 {
			break
		}
	}
	if len(first) != 5000 || !bytes.Equal(jsonLines(t, first), jsonLines(t, again)) {
		t.Fatalf("unbounded run: got %d events, replay equal=%v", len(first), reflect.DeepEqual(first, again))
	}
	if _, err := s.Generate(); err == nil {
		t.Fatal("Generate with Orders=0 should fail")
	}
}

// TestLifecycle checks, per order in event time, the step sequence, the time
// gaps, the ids and the totals.
func TestLifecycle(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Orders = 5000
	s, _ := New(cfg)
	evs := generate(t, cfg)
	rs, ds := s.Dimensions()
	restaurants, drivers := map[string]bool{}, map[string]bool{}
	for _, r := range rs {
		restaurants[r.ID] = true
	}
	for _, d := range ds {
		drivers[d.ID] = true
	}
	uuidRE := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	half := cfg.City.SizeKm / 2 / kmPerDegreeLat

	byOrder := map[string][]event.Event{}
	seen := map[string]event.Event{}
	for _, e := range evs {
		if first, ok := seen[e.EventID]; ok {
			if !reflect.DeepEqual(first, e) {
				t.Fatalf("duplicate %s differs from its first copy", e.EventID)
			}
			continue
		}
		seen[e.EventID] = e
		byOrder[e.OrderID] = append(byOrder[e.OrderID], e)
		if !uuidRE.MatchString(e.EventID) || e.SchemaVersion != 1 || !restaurants[e.RestaurantID] || !drivers[e.DriverID] {
			t.Fatalf("bad ids or version: %+v", e)
		}
		if math.Abs(e.Location.Lat-cfg.City.Center.Lat) > half+1e-6 {
			t.Fatalf("location outside the city: %+v", e.Location)
		}
		if len(e.Items) < 1 || len(e.Items) > 5 {
			t.Fatalf("%d items", len(e.Items))
		}
		var sum float64
		for _, it := range e.Items {
			if it.Qty < 1 || it.Price <= 0 {
				t.Fatalf("bad item %+v", it)
			}
			sum += float64(it.Qty) * it.Price
		}
		if math.Round(sum*100)/100 != e.TotalPrice {
			t.Fatalf("total_price %v, items sum to %v", e.TotalPrice, sum)
		}
		if e.Metadata["app_version"] == "" || e.Metadata["platform"] == "" {
			t.Fatalf("metadata %v", e.Metadata)
		}
	}
	if len(byOrder) != cfg.Orders {
		t.Fatalf("%d orders, want %d", len(byOrder), cfg.Orders)
	}
	gap := func(a, b event.Event) time.Duration {
		return time.Duration(b.EventTimeMillis-a.EventTimeMillis) * time.Millisecond
	}
	within := func(d, lo, hi time.Duration) bool { return d >= lo && d < hi }
	cancelled := 0
	for id, steps := range byOrder {
		sort.SliceStable(steps, func(i, j int) bool { return steps[i].EventTimeMillis < steps[j].EventTimeMillis })
		var types []event.Type
		for _, e := range steps {
			types = append(types, e.EventType)
			if e.TotalPrice != steps[0].TotalPrice || e.RestaurantID != steps[0].RestaurantID || e.DriverID != steps[0].DriverID {
				t.Fatalf("order %s changes its fields between events", id)
			}
		}
		switch {
		case reflect.DeepEqual(types, []event.Type{event.OrderCreated, event.OrderAccepted, event.PickedUp, event.Delivered}):
			if !within(gap(steps[0], steps[1]), time.Minute, 3*time.Minute) ||
				!within(gap(steps[0], steps[2]), 8*time.Minute, 25*time.Minute) ||
				!within(gap(steps[2], steps[3]), 10*time.Minute, 35*time.Minute) {
				t.Fatalf("order %s gaps: %v", id, steps)
			}
		case reflect.DeepEqual(types, []event.Type{event.OrderCreated, event.Cancelled}),
			reflect.DeepEqual(types, []event.Type{event.OrderCreated, event.OrderAccepted, event.Cancelled}):
			cancelled++
		default:
			t.Fatalf("order %s lifecycle %v", id, types)
		}
	}
	if got := float64(cancelled) / float64(cfg.Orders); math.Abs(got-cfg.CancelShare) > 0.015 {
		t.Errorf("cancelled share %.4f, want about %.2f", got, cfg.CancelShare)
	}
}

// TestShares measures out-of-order, late and duplicate emission from the
// output alone: an event's lag is how far the largest event time emitted
// before it is ahead of its own event time.
func TestShares(t *testing.T) {
	for _, tc := range []struct{ ooo, late, dup float64 }{
		{0, 0, 0},
		{0.05, 0.03, 0.02},
		{0.2, 0.1, 0.1},
	} {
		cfg := DefaultConfig()
		cfg.Orders = 20000
		cfg.OutOfOrderShare, cfg.LateShare, cfg.DuplicateShare = tc.ooo, tc.late, tc.dup
		evs := generate(t, cfg)
		seen := map[string]bool{}
		var firsts, dups, disordered, late int
		maxSeen := int64(math.MinInt64)
		for _, e := range evs {
			if seen[e.EventID] {
				dups++
				continue
			}
			seen[e.EventID] = true
			firsts++
			switch lag := time.Duration(maxSeen-e.EventTimeMillis) * time.Millisecond; {
			case lag > cfg.LateBy/2:
				late++
			case lag > 0:
				disordered++
			}
			maxSeen = max(maxSeen, e.EventTimeMillis)
		}
		n := float64(firsts)
		check := func(name string, got int, want float64) {
			// Binomial spread plus a little for late events a quiet stream
			// does not overtake; a share of 0 must give exactly 0.
			tol := 4*math.Sqrt(n*want*(1-want)) + 0.05*n*want
			if math.Abs(float64(got)-n*want) > tol {
				t.Errorf("%+v: %s = %d of %d, want about %.0f", tc, name, got, firsts, n*want)
			}
		}
		check("duplicates", dups, tc.dup)
		check("late", late, tc.late)
		check("out of order", disordered, tc.ooo)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Orders = 2000
	for _, e := range generate(t, cfg) {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		var back event.Event
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !reflect.DeepEqual(back, e) {
			t.Fatalf("round trip changed the event:\n%+v\n%+v", e, back)
		}
	}
}

func TestWriteDimensionsCSV(t *testing.T) {
	s, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := s.WriteDimensionsCSV(dir); err != nil {
		t.Fatal(err)
	}
	read := func(name string) [][]string {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	rs, ds := s.Dimensions()
	rrows, drows := read("restaurants.csv"), read("drivers.csv")
	if !reflect.DeepEqual(rrows[0], []string{"restaurant_id", "name", "cuisine", "zone", "lat", "lon"}) || len(rrows) != len(rs)+1 {
		t.Fatalf("restaurants.csv header %v, %d rows", rrows[0], len(rrows))
	}
	for i, r := range rs {
		row := rrows[i+1]
		lat, _ := strconv.ParseFloat(row[4], 64)
		lon, _ := strconv.ParseFloat(row[5], 64)
		if row[0] != r.ID || row[1] != r.Name || row[2] != r.Cuisine || row[3] != r.Zone || lat != r.Location.Lat || lon != r.Location.Lon || len(r.Zone) != ZonePrecision {
			t.Fatalf("row %v for %+v", row, r)
		}
	}
	if !reflect.DeepEqual(drows[0], []string{"driver_id", "name", "vehicle", "home_zone"}) || len(drows) != len(ds)+1 {
		t.Fatalf("drivers.csv header %v, %d rows", drows[0], len(drows))
	}
	for i, d := range ds {
		if got := drows[i+1]; !reflect.DeepEqual(got, []string{d.ID, d.Name, d.Vehicle, d.HomeZone}) {
			t.Fatalf("row %v for %+v", got, d)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"default", func(*Config) {}, ""},
		{"negative orders", func(c *Config) { c.Orders = -1 }, "Orders must be >= 0"},
		{"no restaurants", func(c *Config) { c.Restaurants = 0 }, "Restaurants must be in"},
		{"no drivers", func(c *Config) { c.Drivers = 0 }, "Drivers must be in"},
		{"zero rate", func(c *Config) { c.OrdersPerMinute = 0 }, "OrdersPerMinute must be > 0"},
		{"share above 1", func(c *Config) { c.CancelShare = 1.5 }, "CancelShare must be in [0, 1]"},
		{"NaN share", func(c *Config) { c.DuplicateShare = math.NaN() }, "DuplicateShare must be in [0, 1]"},
		{"late plus ooo", func(c *Config) { c.LateShare, c.OutOfOrderShare = 0.6, 0.6 }, "OutOfOrderShare + LateShare"},
		{"negative lateness", func(c *Config) { c.LateBy = -time.Second }, "LateBy must be >= 0"},
		{"resend share above 1", func(c *Config) { c.ResendShare = 2 }, "ResendShare must be in [0, 1]"},
		{"resend without a delay", func(c *Config) { c.ResendShare, c.ResendBy = 0.1, 0 }, "ResendBy must be >= 1s"},
		{"empty city", func(c *Config) { c.City = City{} }, "City needs SizeKm > 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.change(&cfg)
			_, err := New(cfg)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !regexp.MustCompile(regexp.QuoteMeta(tc.want)).MatchString(err.Error()) {
				t.Fatalf("error %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

// BenchmarkEvents generates b.N events from an unbounded run.
func BenchmarkEvents(b *testing.B) {
	cfg := DefaultConfig()
	cfg.Orders = 0
	s, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for range s.Events() {
		if n++; n == b.N {
			break
		}
	}
}

// TestResend checks re-sent steps: with ResendShare > 0 some steps come
// again under a new event_id, the same order and type, 1 s to ResendBy later
// in event time; with the default (0) there are none.
func TestResend(t *testing.T) {
	for _, tc := range []struct {
		share float64
		by    time.Duration
	}{{0, 0}, {0.2, 30 * time.Second}, {0.5, 5 * time.Second}} {
		cfg := DefaultConfig()
		cfg.Orders = 3000
		cfg.ResendShare, cfg.ResendBy = tc.share, tc.by
		if tc.share == 0 {
			cfg.ResendBy = DefaultConfig().ResendBy
		}
		evs := generate(t, cfg)
		seen := map[string]bool{}
		first := map[[2]string]event.Event{} // (order, type) → its earliest copy
		var steps, resent int
		for _, e := range evs {
			if seen[e.EventID] {
				continue // a duplicate: same id
			}
			seen[e.EventID] = true
			k := [2]string{e.OrderID, string(e.EventType)}
			f, ok := first[k]
			if !ok || e.EventTimeMillis < f.EventTimeMillis {
				first[k] = e
			}
			if ok {
				resent++
			} else {
				steps++
			}
		}
		// Second pass: every later copy is 1 s to ResendBy after the first.
		for _, e := range evs {
			f := first[[2]string{e.OrderID, string(e.EventType)}]
			if f.EventID == e.EventID {
				continue
			}
			lag := time.Duration(e.EventTimeMillis-f.EventTimeMillis) * time.Millisecond
			if lag < time.Second || lag > tc.by || e.RestaurantID != f.RestaurantID || e.DriverID != f.DriverID || e.TotalPrice != f.TotalPrice {
				t.Fatalf("share %v: re-sent %+v is %v after %+v, want the same order 1s..%v later", tc.share, e, lag, f, tc.by)
			}
		}
		want := tc.share * float64(steps)
		if tol := 4*math.Sqrt(want*(1-tc.share)) + 1; math.Abs(float64(resent)-want) > tol {
			t.Errorf("share %v: %d of %d steps re-sent, want about %.0f", tc.share, resent, steps, want)
		}
	}
}

// TestResendOffKeepsStream checks that the option, off, draws nothing: with
// ResendShare 0 the stream does not depend on ResendBy.
func TestResendOffKeepsStream(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Orders = 50
	a := jsonLines(t, generate(t, cfg))
	cfg.ResendShare, cfg.ResendBy = 0, time.Hour
	if !bytes.Equal(a, jsonLines(t, generate(t, cfg))) {
		t.Fatal("ResendBy changed the stream with ResendShare 0")
	}
}

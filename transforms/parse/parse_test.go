package parse

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/metrics"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func TestMain(m *testing.M) {
	ptest.MainWithDefault(m, "prism")
}

func init() {
	register.Function1x1(eventKey)
	register.Function1x1(deadLetterKey)
	register.Function2x1(timedKey)
}

// eventKey summarises what the test checks of a valid event.
func eventKey(e event.Event) string {
	return fmt.Sprintf("%s|v%d|%s|%s", e.EventID, e.SchemaVersion, e.EventType, e.Extra)
}

func deadLetterKey(d DeadLetter) string {
	return fmt.Sprintf("%s|%s|%s/%d|%d|%d", d.Reason, d.Shard, d.Sequence, d.SubSequence, d.IngestMillis, len(d.Raw))
}

func timedKey(ts beam.EventTime, e event.Event) string {
	return fmt.Sprintf("%s@%d", e.EventID, ts.Milliseconds())
}

// counters returns the pipeline's "parse" counters by name.
func counters(t *testing.T, res beam.PipelineResult) map[string]int64 {
	t.Helper()
	got := map[string]int64{}
	for _, c := range res.Metrics().Query(func(r metrics.SingleResult) bool { return r.Namespace() == "parse" }).Counters() {
		got[c.Name()] += c.Result()
	}
	return got
}

func TestParse(t *testing.T) {
	var raws []Raw
	var wantValid, wantDead []string
	add := func(b []byte, reason Reason) {
		r := Raw{Data: b, Shard: "shardId-000000000001", Sequence: fmt.Sprint(49000 + len(raws)), SubSequence: int64(len(raws) % 3), ArrivalMillis: testNow.UnixMilli() + int64(len(raws))}
		raws = append(raws, r)
		if reason != "" {
			wantDead = append(wantDead, deadLetterKey(DeadLetter{Raw: b, Reason: string(reason), Shard: r.Shard, Sequence: r.Sequence, SubSequence: r.SubSequence, IngestMillis: r.ArrivalMillis}))
		}
	}
	for i := range 40 {
		e := genEvent(i)
		b, _ := json.Marshal(e)
		add(b, "")
		wantValid = append(wantValid, eventKey(e))
	}
	// A newer schema version with a field this version does not know.
	newer := genEvent(100)
	newer.SchemaVersion = 2
	b, _ := json.Marshal(newer)
	add(append(b[:len(b)-1], `,"eta":{"minutes":12}}`...), "")
	newer.Extra = `{"eta":{"minutes":12}}`
	wantValid = append(wantValid, eventKey(newer))
	// The seed's form: no schema_version, "pickup".
	seed := `{"event_id":"seed-1","event_type":"pickup","order_id":"o","driver_id":"d","timestamp":"2026-03-14T12:00:00Z"}`
	add([]byte(seed), "")
	wantValid = append(wantValid, "seed-1|v1|picked_up|")

	add([]byte(`{"event_id":`), MalformedJSON)
	add([]byte("{\"event_id\":\"\xfe\"}"), InvalidUTF8)
	add([]byte(`{"event_id":"x","schema_version":1,"event_type":"delivered","order_id":"o","timestamp":"2026-03-14T12:00:00Z"}`), MissingField)
	add([]byte(`{"event_id":"x","schema_version":1,"event_type":"lost","order_id":"o","timestamp":"2026-03-14T12:00:00Z"}`), UnknownEventType)
	add([]byte(`{"event_id":"x","schema_version":1,"event_type":"cancelled","order_id":"o","timestamp":"2026-03-14T15:00:00Z"}`), FutureTimestamp)
	add([]byte(`{"event_id":"x","pad":"`+strings.Repeat("z", 5000)+`"}`), TooLarge)

	p, s := beam.NewPipelineWithRoot()
	valid, dead := Parse(s, beam.CreateList(s, raws), WithNow(testNow), WithMaxBytes(4096))
	passert.Equals(s, beam.ParDo(s, eventKey, valid), toAny(wantValid)...)
	passert.Equals(s, beam.ParDo(s, deadLetterKey, dead), toAny(wantDead)...)

	var wantTimed []any
	for _, r := range raws[:40] {
		var e event.Event
		if err := Decode(r.Data, &e); err != nil {
			t.Fatal(err)
		}
		wantTimed = append(wantTimed, fmt.Sprintf("%s@%d", e.EventID, e.EventTimeMillis))
	}
	first40 := beam.CreateList(s, raws[:40])
	v40, _ := Parse(s.Scope("first40"), first40, WithNow(testNow))
	passert.Equals(s, beam.ParDo(s, timedKey, WithEventTime(s, v40)), wantTimed...)

	res, err := ptest.RunWithMetrics(p)
	if err != nil {
		t.Fatalf("pipeline failed: %v", err)
	}
	got := counters(t, res)
	// Both Parse applications count into the same names.
	want := map[string]int64{
		"read": int64(len(raws) + 40), "valid": int64(len(wantValid) + 40),
		"dead_letter": int64(len(wantDead)), "newer_schema": 1,
	}
	for _, r := range []Reason{MalformedJSON, InvalidUTF8, MissingField, UnknownEventType, FutureTimestamp, TooLarge} {
		want["dead_letter."+string(r)] = 1
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("counter parse.%s = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
	if got["read"] != got["valid"]+got["dead_letter"] {
		t.Errorf("read %d != valid %d + dead_letter %d", got["read"], got["valid"], got["dead_letter"])
	}
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func ExampleParse() {
	p, s := beam.NewPipelineWithRoot()
	raw := beam.Create(s,
		Raw{Data: []byte(`{"event_id":"e1","schema_version":1,"event_type":"order_accepted","order_id":"o1","driver_id":"d1","timestamp":"2026-03-14T12:00:00Z"}`), Shard: "shardId-0", Sequence: "1"},
		Raw{Data: []byte(`{"event_id":"e2","schema_version":1,"event_type":"order_accepted","order_id":"o1","timestamp":"2026-03-14T12:00:01Z"}`), Shard: "shardId-0", Sequence: "2"},
	)
	valid, deadLetters := Parse(s, raw, WithNow(time.Date(2026, 3, 14, 12, 5, 0, 0, time.UTC)))
	_ = WithEventTime(s, valid) // ready for event-time windows
	_ = deadLetters             // e2: missing_field (driver_id)

	res, err := ptest.RunWithMetrics(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range res.Metrics().Query(func(r metrics.SingleResult) bool {
		return r.Namespace() == "parse" && (r.Name() == "valid" || r.Name() == "dead_letter.missing_field")
	}).Counters() {
		fmt.Println(c.Name(), c.Result())
	}
	// Unordered output:
	// valid 1
	// dead_letter.missing_field 1
}

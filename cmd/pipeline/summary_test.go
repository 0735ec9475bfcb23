package main

import (
	"bytes"
	"flag"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/metrics"
)

// counter is one fake counter as a runner reports it.
func counter(step, namespace, name string, committed, attempted int64) metrics.CounterResult {
	return metrics.CounterResult{Committed: committed, Attempted: attempted, Key: metrics.StepKey{Step: step, Namespace: namespace, Name: name}}
}

// fakeCounters are the counters of a run over 100 records: 60 dead-lettered
// (40 unsupported_schema, 20 bad_timestamp), 3 duplicates, two S3 tables and
// a DynamoDB table; parse.read is split over two steps, and a runner that
// only reports attempted values is honoured too.
var fakeCounters = []metrics.CounterResult{
	counter("parse1", "parse", "read", 70, 70),
	counter("parse2", "parse", "read", 0, 30),
	counter("parse1", "parse", "valid", 40, 40),
	counter("parse1", "parse", "dead_letter", 60, 60),
	counter("parse1", "parse", "dead_letter.unsupported_schema", 40, 40),
	counter("parse1", "parse", "dead_letter.bad_timestamp", 20, 20),
	counter("parse1", "parse", "dead_letter.too_large", 0, 0),
	counter("parse1", "parse", "newer_schema", 0, 0),
	counter("track", "dedup", "duplicates", 3, 3),
	counter("kpis", "s3parquet", "rows_kpis", 25, 25),
	counter("kpis", "s3parquet", "objects_kpis", 5, 5),
	counter("kpis", "s3parquet", "bytes_kpis", 9000, 9000),
	counter("dlq", "s3parquet", "rows_dlq", 60, 60),
	counter("dlq", "s3parquet", "objects_dlq", 2, 2),
	counter("upsert", "dynamodbio", "applied_kpi-table", 24, 24),
	counter("upsert", "dynamodbio", "throttled_kpi-table", 7, 7),
	counter("enrich", "enrich", "events", 37, 37),
}

func TestSummarize(t *testing.T) {
	want := runSummary{
		Read: 100, Valid: 40, DeadLetters: 60, Duplicates: 3,
		DeadByReason: map[string]int64{"unsupported_schema": 40, "bad_timestamp": 20},
		Rows:         map[string]int64{"kpis": 25, "dlq": 60},
		Objects:      map[string]int64{"kpis": 5, "dlq": 2},
		Items:        map[string]int64{"kpi-table": 24},
		HasMetrics:   true,
	}
	if got := summarize(fakeCounters); !reflect.DeepEqual(got, want) {
		t.Errorf("summarize:\n got %+v\nwant %+v", got, want)
	}
	if got := summarize(nil); got.HasMetrics {
		t.Errorf("summarize(nil) claims parse counters: %+v", got)
	}
}

func TestSummaryLine(t *testing.T) {
	var buf bytes.Buffer
	dropTime := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}
	slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: dropTime})).
		Info("summary", summarize(fakeCounters).attrs(1500*time.Millisecond)...)
	want := `level=INFO msg=summary read=100 valid=40 dead_letters=60` +
		` dead_letters_by_reason="unsupported_schema=40 bad_timestamp=20" duplicates_dropped=3` +
		` s3_rows_objects="dlq=60/2 kpis=25/5" dynamodb_items="kpi-table=24" seconds=1.5` + "\n"
	if buf.String() != want {
		t.Errorf("summary line:\n got %s\nwant %s", buf.String(), want)
	}
}

func TestCheckDeadLetterRatio(t *testing.T) {
	for _, tc := range []struct {
		name      string
		s         runSummary
		maxRatio  float64
		wantParts []string // nil: no error
	}{
		{name: "below", s: runSummary{Read: 100, DeadLetters: 49, DeadByReason: map[string]int64{"missing_field": 49}}, maxRatio: 0.5},
		{name: "at the limit", s: runSummary{Read: 100, DeadLetters: 50, DeadByReason: map[string]int64{"missing_field": 50}}, maxRatio: 0.5},
		{name: "above names the main reason", s: summarize(fakeCounters), maxRatio: 0.5,
			wantParts: []string{"60 of 100 records read (60.0%)", "--max-dead-letter-ratio=0.5", "main reason unsupported_schema (40 records)", "s3://b/p/dlq/"}},
		{name: "all rejected", s: runSummary{Read: 5, DeadLetters: 5, DeadByReason: map[string]int64{"unsupported_schema": 5}}, maxRatio: 0.5,
			wantParts: []string{"5 of 5 records read (100.0%)", "unsupported_schema (5 records)"}},
		{name: "tie picks the first name", s: runSummary{Read: 4, DeadLetters: 4, DeadByReason: map[string]int64{"too_large": 2, "bad_location": 2}}, maxRatio: 0,
			wantParts: []string{"main reason bad_location (2 records)"}},
		{name: "zero tolerates none", s: runSummary{Read: 1000, DeadLetters: 1, DeadByReason: map[string]int64{"bad_quantity": 1}}, maxRatio: 0,
			wantParts: []string{"1 of 1000 records read (0.1%)", "bad_quantity (1 records)"}},
		{name: "one tolerates all", s: runSummary{Read: 3, DeadLetters: 3, DeadByReason: map[string]int64{"bad_quantity": 3}}, maxRatio: 1},
		{name: "nothing read", s: runSummary{}, maxRatio: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.s.check(tc.maxRatio, dlqLocation("b", "p"))
			if tc.wantParts == nil {
				if err != nil {
					t.Fatalf("check: %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("check: nil, want an error")
			}
			for _, p := range tc.wantParts {
				if !strings.Contains(err.Error(), p) {
					t.Errorf("error %q lacks %q", err, p)
				}
			}
		})
	}
}

func TestMaxDeadLetterRatioFlag(t *testing.T) {
	for _, tc := range []struct {
		arg  string
		want float64
		ok   bool
	}{
		{"0", 0, true}, {"0.25", 0.25, true}, {"1", 1, true},
		{"-0.1", 0, false}, {"1.01", 0, false}, {"NaN", 0, false}, {"half", 0, false},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			fs := flag.NewFlagSet("pipeline", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			r := ratioValue(0.5)
			fs.Var(&r, maxDeadLetterRatioFlag, "")
			err := fs.Parse([]string{"--max-dead-letter-ratio=" + tc.arg})
			switch {
			case tc.ok && (err != nil || float64(r) != tc.want):
				t.Errorf("parse: %v, value %v, want %v", err, float64(r), tc.want)
			case !tc.ok && (err == nil || !strings.Contains(err.Error(), "max-dead-letter-ratio")):
				t.Errorf("parse: %v, want an error naming the flag", err)
			}
		})
	}
	if f := flag.Lookup(maxDeadLetterRatioFlag); f == nil || f.DefValue != "0.5" {
		t.Errorf("--%s: %+v, want a flag with default 0.5", maxDeadLetterRatioFlag, f)
	}
}

package main

import (
	"cmp"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/metrics"

	"github.com/deliverypipe/deliverypipe/pipelines/delivery"
)

// maxDeadLetterRatioFlag names the flag, for its definition and its errors.
const maxDeadLetterRatioFlag = "max-dead-letter-ratio"

// ratioValue is a flag.Value holding a share in [0, 1]. Set refuses anything
// else, so flag.Parse fails naming the flag before the job is built.
type ratioValue float64

// String returns the share as flag's usage prints it.
func (r *ratioValue) String() string { return strconv.FormatFloat(float64(*r), 'g', -1, 64) }

// Set parses s as a share between 0 and 1.
func (r *ratioValue) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v >= 0 && v <= 1) { // the negation also refuses NaN
		return fmt.Errorf("want a share of the records read between 0 and 1, e.g. 0.5")
	}
	*r = ratioValue(v)
	return nil
}

// ratioFlag defines a ratioValue flag on the command line, like flag.Float64.
func ratioFlag(name string, value float64, usage string) *float64 {
	r := ratioValue(value)
	flag.Var(&r, name, usage)
	return (*float64)(&r)
}

// runSummary is what a finished run's counters say it did.
type runSummary struct {
	Read, Valid, DeadLetters, Duplicates int64
	DeadByReason                         map[string]int64 // parse.Reason → records
	Rows, Objects                        map[string]int64 // S3 table → rows, objects written
	Items                                map[string]int64 // DynamoDB table → items written or upserted
	// HasMetrics is false when the runner returned no counters at all (the
	// reader counts its calls even on an empty stream): then the counts say
	// nothing about the input.
	HasMetrics bool
}

// summarize reads the counters of transforms/parse, the lifecycle dedup
// (dedup.duplicates), io/s3parquet and io/dynamodbio. Counters are summed
// over steps: a counter name may be reported by several stages.
func summarize(counters []metrics.CounterResult) runSummary {
	s := runSummary{DeadByReason: map[string]int64{}, Rows: map[string]int64{}, Objects: map[string]int64{}, Items: map[string]int64{},
		HasMetrics: len(counters) > 0}
	for _, c := range counters {
		n, name := c.Result(), c.Name()
		switch c.Namespace() {
		case "parse":
			switch {
			case name == "read":
				s.Read += n
			case name == "valid":
				s.Valid += n
			case name == "dead_letter":
				s.DeadLetters += n
			case strings.HasPrefix(name, "dead_letter.") && n > 0:
				s.DeadByReason[strings.TrimPrefix(name, "dead_letter.")] += n
			}
		case "dedup":
			if name == "duplicates" {
				s.Duplicates += n
			}
		case "s3parquet":
			if t, ok := strings.CutPrefix(name, "rows_"); ok {
				s.Rows[t] += n
			} else if t, ok := strings.CutPrefix(name, "objects_"); ok {
				s.Objects[t] += n
			}
		case "dynamodbio":
			if t, ok := strings.CutPrefix(name, "items_written_"); ok {
				s.Items[t] += n
			} else if t, ok := strings.CutPrefix(name, "applied_"); ok {
				s.Items[t] += n
			}
		}
	}
	return s
}

// mainReason returns the reason with the most dead letters (ties: the
// alphabetically first, so the message is stable).
func (s runSummary) mainReason() (string, int64) {
	var best string
	var most int64
	for _, r := range slices.Sorted(maps.Keys(s.DeadByReason)) {
		if n := s.DeadByReason[r]; n > most {
			best, most = r, n
		}
	}
	return best, most
}

// attrs are the fields of the summary log line. Per-reason and per-table
// counts are single strings, so the line stays one line in text and JSON logs.
func (s runSummary) attrs(elapsed time.Duration) []any {
	reasons := slices.SortedFunc(maps.Keys(s.DeadByReason), func(a, b string) int {
		return cmp.Or(cmp.Compare(s.DeadByReason[b], s.DeadByReason[a]), cmp.Compare(a, b))
	})
	byReason := make([]string, len(reasons))
	for i, r := range reasons {
		byReason[i] = fmt.Sprintf("%s=%d", r, s.DeadByReason[r])
	}
	var s3 []string
	for _, t := range slices.Sorted(maps.Keys(s.Rows)) {
		s3 = append(s3, fmt.Sprintf("%s=%d/%d", t, s.Rows[t], s.Objects[t]))
	}
	var ddb []string
	for _, t := range slices.Sorted(maps.Keys(s.Items)) {
		ddb = append(ddb, fmt.Sprintf("%s=%d", t, s.Items[t]))
	}
	return []any{
		"read", s.Read, "valid", s.Valid, "dead_letters", s.DeadLetters,
		"dead_letters_by_reason", strings.Join(byReason, " "),
		"duplicates_dropped", s.Duplicates,
		"s3_rows_objects", strings.Join(s3, " "),
		"dynamodb_items", strings.Join(ddb, " "),
		"seconds", elapsed.Round(time.Millisecond).Seconds(),
	}
}

// check fails when more than maxRatio of the records read were
// dead-lettered: a run that rejected most of its input must not exit 0.
// where says where the dead letters can be read, for the message.
func (s runSummary) check(maxRatio float64, where string) error {
	if s.Read == 0 || float64(s.DeadLetters) <= maxRatio*float64(s.Read) {
		return nil
	}
	reason, n := s.mainReason()
	return fmt.Errorf("%d of %d records read (%.1f%%) were dead-lettered, more than --%s=%g; main reason %s (%d records), examples in %s",
		s.DeadLetters, s.Read, 100*float64(s.DeadLetters)/float64(s.Read), maxDeadLetterRatioFlag, maxRatio, reason, n, where)
}

// dlqLocation is where the S3 sink writes the dead letters.
func dlqLocation(bucket, prefix string) string {
	return "s3://" + path.Join(bucket, prefix, delivery.DeadLetterTableName) + "/"
}

// finishRun logs the run's one summary line from res's counters and fails
// when the dead-letter share is above maxRatio. res is nil for runners that
// run nothing (dot).
func finishRun(res beam.PipelineResult, elapsed time.Duration, maxRatio float64, where string) error {
	if res == nil {
		slog.Info("done", "seconds", elapsed.Round(time.Millisecond).Seconds())
		return nil
	}
	s := summarize(res.Metrics().AllMetrics().Counters())
	if !s.HasMetrics {
		// Without counters the run cannot be judged; say so rather than
		// print zeros that look like an empty input.
		slog.Warn("done; the runner returned no metrics, so records read and dead-lettered are unknown",
			"seconds", elapsed.Round(time.Millisecond).Seconds())
		return nil
	}
	slog.Info("summary", s.attrs(elapsed)...)
	return s.check(maxRatio, where)
}

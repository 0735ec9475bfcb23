// Package delivery wires the deliverypipe graph: raw records in, KPIs and
// archives out. It builds from an Options struct and nothing else; the source
// and the sinks are separate steps, so tests can feed beam.Create or
// TestStream and inspect the outputs.
package delivery

import (
	"errors"
	"fmt"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/deliverypipe/deliverypipe/transforms/kpi"
	"github.com/deliverypipe/deliverypipe/transforms/parse"
)

// Options shapes the transforms of the graph.
type Options struct {
	WindowSize      time.Duration
	WindowPeriod    time.Duration
	AllowedLateness time.Duration
	// OnTimeOnly fires one ON_TIME pane per window and drops late events:
	// for the in-process prism of Beam Go v2.62, which refuses late firings.
	OnTimeOnly bool
	// MaxSkew is how far in the future an event time may be before it is
	// dead-lettered; zero keeps parse's default.
	MaxSkew time.Duration
}

// DefaultOptions returns the documented defaults: 5-minute windows every
// minute, 10 minutes of allowed lateness.
func DefaultOptions() Options {
	return Options{WindowSize: kpi.DefaultSize, WindowPeriod: kpi.DefaultPeriod, AllowedLateness: kpi.DefaultAllowedLateness}
}

// Validate says what is wrong with o, in terms of the flags that set it.
func (o Options) Validate() error {
	var errs []error
	if o.WindowPeriod <= 0 || o.WindowSize <= 0 {
		errs = append(errs, fmt.Errorf("--window-size (%v) and --window-period (%v) must be positive", o.WindowSize, o.WindowPeriod))
	} else if o.WindowSize%o.WindowPeriod != 0 {
		errs = append(errs, fmt.Errorf("--window-size (%v) must be a multiple of --window-period (%v)", o.WindowSize, o.WindowPeriod))
	}
	if o.AllowedLateness < 0 {
		errs = append(errs, fmt.Errorf("--allowed-lateness (%v) must not be negative", o.AllowedLateness))
	}
	return errors.Join(errs...)
}

// Outputs are the graph's results, for sinks or assertions.
type Outputs struct {
	Events          beam.PCollection // PCollection<event.Event>, valid, stamped with event time
	DeadLetters     beam.PCollection // PCollection<parse.DeadLetter>
	EventTypeCounts beam.PCollection // PCollection<kpi.EventTypeCount>
}

// Build wires the transforms over raw, a PCollection<parse.Raw>.
func Build(s beam.Scope, raw beam.PCollection, o Options) Outputs {
	var popts []parse.Option
	if o.MaxSkew > 0 {
		popts = append(popts, parse.WithMaxSkew(o.MaxSkew))
	}
	valid, dead := parse.Parse(s, raw, popts...)
	events := parse.WithEventTime(s, valid)
	var wopts []kpi.WindowOption
	if o.OnTimeOnly {
		wopts = append(wopts, kpi.OnTimeOnly())
	}
	windowed := kpi.SlidingWindows(s, events, o.WindowSize, o.WindowPeriod, o.AllowedLateness, wopts...)
	return Outputs{
		Events:          events,
		DeadLetters:     dead,
		EventTypeCounts: kpi.EventTypeCounts(s, windowed),
	}
}

package kpi

import (
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window/trigger"
)

// Defaults of the window flags.
const (
	DefaultSize            = 5 * time.Minute
	DefaultPeriod          = time.Minute
	DefaultAllowedLateness = 10 * time.Minute
)

// Windows are the sliding windows of the KPIs and their firing strategy: the
// KPI transforms take their input unwindowed and apply SlidingWindows with
// these parameters themselves, after pre-aggregating (preaggregate.go).
type Windows struct {
	Size, Period, AllowedLateness time.Duration
	Options                       []WindowOption
}

func (w Windows) apply(s beam.Scope, col beam.PCollection) beam.PCollection {
	return SlidingWindows(s, col, w.Size, w.Period, w.AllowedLateness, w.Options...)
}

// slotMillis is the length of the slots whose elements all fall in the same
// windows: window bounds are multiples of the period and of the size, so of
// their greatest common divisor.
func (w Windows) slotMillis() int64 {
	a, b := w.Size.Milliseconds(), w.Period.Milliseconds()
	for b != 0 {
		a, b = b, a%b
	}
	return max(a, 1)
}

// WindowOption configures SlidingWindows.
type WindowOption func(*windowConfig)

type windowConfig struct {
	onTimeOnly     bool
	normalizePanes bool
}

func (w Windows) config() windowConfig {
	var c windowConfig
	for _, o := range w.Options {
		o(&c)
	}
	return c
}

// NormalizePanes renumbers the panes of a runner that fires them wrongly,
// so that every row's pane and timing mean what the Beam model says: a
// window that gets no late data has one ON_TIME pane, a LATE pane appears
// only when late data arrived, and panes after the window closed are
// dropped. Prism (v2.77) needs it: it fires a closing pane for every window
// that repeats the window's last pane, fires late data only at that
// closing pane instead of once per late element, and after the closing
// pane fires elements that arrive too late in a pane of their own
// (runners/README.md has a reproduction). It costs a stateful stage per KPI
// (one state cell per key and window), so runners/presets turns it on only
// where it is needed.
func NormalizePanes() WindowOption {
	return func(c *windowConfig) { c.normalizePanes = true }
}

// OnTimeOnly replaces the late-firing trigger by Beam's default trigger with
// discarding panes and no allowed lateness: one ON_TIME pane per window, late
// elements dropped. It exists for runners that refuse the full strategy: the
// in-process prism of Beam Go v2.62 accepts neither non-default triggers, nor
// accumulating mode, nor an allowed lateness other than 0 or infinity.
func OnTimeOnly() WindowOption {
	return func(c *windowConfig) { c.onTimeOnly = true }
}

// SlidingWindows windows events (any PCollection whose element timestamps are
// event times, e.g. PCollection<event.Event>) into sliding windows of size
// starting every period. Each window fires an ON_TIME pane when the watermark
// passes its end, then a LATE pane for every late element until the watermark
// passes end + allowedLateness; later elements are dropped. Panes accumulate:
// a late pane holds everything the window has received, so it replaces the
// earlier pane of the same window.
//
// Every element is in size/period windows, and the KPIs group per key and
// window, so their cost grows with size/period.
func SlidingWindows(s beam.Scope, events beam.PCollection, size, period, allowedLateness time.Duration, opts ...WindowOption) beam.PCollection {
	s = s.Scope("kpi.SlidingWindows")
	var c windowConfig
	for _, o := range opts {
		o(&c)
	}
	ws := window.NewSlidingWindows(period, size)
	if c.onTimeOnly {
		return beam.WindowInto(s, ws, events, beam.PanesDiscard())
	}
	// Early firings must be set explicitly: Beam Go defaults them to the
	// Default trigger, which Java runners (Flink) cast to a OnceTrigger and
	// reject; Never is a OnceTrigger. The late firing is implicitly repeated.
	return beam.WindowInto(s, ws, events,
		beam.Trigger(trigger.AfterEndOfWindow().EarlyFiring(trigger.Never()).LateFiring(trigger.AfterCount(1))),
		beam.PanesAccumulate(),
		beam.AllowedLateness(allowedLateness),
	)
}

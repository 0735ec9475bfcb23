package kpi

// AggregateOption configures EventTypeCounts, RestaurantKPIs and ZoneKPIs.
type AggregateOption func(*aggregateConfig)

type aggregateConfig struct {
	lifted  bool
	buckets int
}

// DefaultBuckets is how many groups RestaurantKPIs and ZoneKPIs spread their
// entities over by default.
const DefaultBuckets = 16

// WithBuckets sets how many groups RestaurantKPIs and ZoneKPIs spread their
// entities over before grouping (default DefaultBuckets): fewer groups cost
// the runner less per window, more groups allow more parallelism, and a LATE
// pane re-emits the rows of every entity of its group.
func WithBuckets(n int) AggregateOption {
	return func(c *aggregateConfig) { c.buckets = max(n, 1) }
}

// Lifted computes the KPIs with a lifted combiner (CombinePerKey) instead of
// a GroupByKey followed by a fold. Every row then has Pane 0 and Timing
// UNKNOWN: the Beam Go SDK's combine nodes (v2.62 to v2.77) drop the pane of
// their output, so nothing downstream can read it. Use it only where a window
// fires a single pane anyway (OnTimeOnly windows), never with late panes and
// pane-versioned sinks. It is the cheaper path in principle (partial combining
// before the shuffle), but measured on prism v2.62 it is not faster
// (transforms/README.md).
func Lifted() AggregateOption {
	return func(c *aggregateConfig) { c.lifted = true }
}

func aggregateOptions(opts []AggregateOption) aggregateConfig {
	c := aggregateConfig{buckets: DefaultBuckets}
	for _, o := range opts {
		o(&c)
	}
	return c
}

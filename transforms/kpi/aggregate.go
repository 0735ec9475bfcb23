package kpi

// AggregateOption configures EventTypeCounts, RestaurantKPIs and ZoneKPIs.
type AggregateOption func(*aggregateConfig)

type aggregateConfig struct {
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

func aggregateOptions(opts []AggregateOption) aggregateConfig {
	c := aggregateConfig{buckets: DefaultBuckets}
	for _, o := range opts {
		o(&c)
	}
	return c
}

package kpi

// AggregateOption configures EventTypeCounts, RestaurantKPIs and ZoneKPIs.
type AggregateOption func(*aggregateConfig)

type aggregateConfig struct {
	lifted bool
}

// Lifted computes the KPIs with a lifted combiner (CombinePerKey) instead of
// a GroupByKey followed by a fold. It is the cheap path, but every row then
// has Pane 0 and Timing UNKNOWN: the Beam Go SDK's combine nodes (v2.62 and
// later) drop the pane of their output, so nothing downstream can read it.
// Use it only where a window fires a single pane anyway (OnTimeOnly windows,
// as on the in-process prism), never with pane-versioned sinks and late
// panes. The numbers in transforms/README.md show what it saves.
func Lifted() AggregateOption {
	return func(c *aggregateConfig) { c.lifted = true }
}

func aggregateOptions(opts []AggregateOption) aggregateConfig {
	var c aggregateConfig
	for _, o := range opts {
		o(&c)
	}
	return c
}

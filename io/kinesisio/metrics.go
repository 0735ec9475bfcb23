package kinesisio

import "github.com/apache/beam/sdks/v2/go/pkg/beam"

const metricsNamespace = "kinesisio"

// readMetrics are the Beam metrics of a read. Their names are fixed, so
// their number does not grow with every reshard (a metric per shard id
// would); the runner keeps them per step.
type readMetrics struct {
	records, bytes, calls, throttles, expired beam.Counter
	// listThrottles counts throttled ListShards calls, which name no shard.
	listThrottles beam.Counter
	// lagMillis is the arrival time of the last record of each read behind
	// the wall clock.
	lagMillis beam.Distribution
}

func newReadMetrics() *readMetrics {
	return &readMetrics{
		records:       beam.NewCounter(metricsNamespace, "records"),
		bytes:         beam.NewCounter(metricsNamespace, "bytes"),
		calls:         beam.NewCounter(metricsNamespace, "read_calls"),
		throttles:     beam.NewCounter(metricsNamespace, "throttles"),
		expired:       beam.NewCounter(metricsNamespace, "expired_iterators"),
		listThrottles: beam.NewCounter(metricsNamespace, "throttles_list_shards"),
		lagMillis:     beam.NewDistribution(metricsNamespace, "lag_ms"),
	}
}

package kinesisio

import "github.com/apache/beam/sdks/v2/go/pkg/beam"

const metricsNamespace = "kinesisio"

// shardMetrics are the per-shard Beam metrics of a read.
type shardMetrics struct {
	records, bytes, calls, throttles, expired beam.Counter
	lagMillis                                 beam.Gauge
}

type readMetrics struct {
	shards map[string]*shardMetrics
	// listThrottles counts throttled ListShards calls, which name no shard.
	listThrottles beam.Counter
}

func newReadMetrics() *readMetrics {
	return &readMetrics{
		shards:        map[string]*shardMetrics{},
		listThrottles: beam.NewCounter(metricsNamespace, "throttles/ListShards"),
	}
}

// shard returns the metrics of one shard, named "<metric>/<shard id>".
func (m *readMetrics) shard(id string) *shardMetrics {
	if s, ok := m.shards[id]; ok {
		return s
	}
	s := &shardMetrics{
		records:   beam.NewCounter(metricsNamespace, "records/"+id),
		bytes:     beam.NewCounter(metricsNamespace, "bytes/"+id),
		calls:     beam.NewCounter(metricsNamespace, "read_calls/"+id),
		throttles: beam.NewCounter(metricsNamespace, "throttles/"+id),
		expired:   beam.NewCounter(metricsNamespace, "expired_iterators/"+id),
		lagMillis: beam.NewGauge(metricsNamespace, "lag_ms/"+id),
	}
	m.shards[id] = s
	return s
}

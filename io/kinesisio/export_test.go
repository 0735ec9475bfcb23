package kinesisio

import "time"

// UserRecord exposes a de-aggregated user record to the external tests.
type UserRecord struct {
	Data         []byte
	PartitionKey string
	Sub          int64
}

// ParseAggregate exposes parseAggregate to the external tests.
func ParseAggregate(data []byte) ([]UserRecord, error) {
	recs, err := parseAggregate(data)
	out := make([]UserRecord, len(recs))
	for i, r := range recs {
		out[i] = UserRecord{Data: r.data, PartitionKey: r.partitionKey, Sub: r.sub}
	}
	return out, err
}

// SetIteratorTTL shortens how long the reader trusts a cached shard iterator
// (the in-process prism runs the DoFns in the test binary) and returns a
// function that restores it.
func SetIteratorTTL(d time.Duration) (restore func()) {
	old := shardIteratorTTL
	shardIteratorTTL = d
	return func() { shardIteratorTTL = old }
}

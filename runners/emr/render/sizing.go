package render

import (
	"errors"
	"fmt"
	"math"
)

// Kinesis per-shard write limits (AWS quotas): 1 MiB/s and 1,000 records/s.
const (
	shardBytesPerSecond   = 1 << 20
	shardRecordsPerSecond = 1000
)

// SizingInput holds the load the deployment is sized for.
type SizingInput struct {
	EventsPerSecond float64 // peak event rate; default 1000
	RecordBytes     float64 // mean record size; default 400 (a 350-byte event plus its Kinesis record overhead)
	Headroom        float64 // multiplier on the peak; default 1.5
	// PerCoreEventsPerSecond is the full graph's measured throughput per
	// Flink task slot (one vCPU). Zero means not measured yet: parallelism is
	// then left as a marked placeholder (see docs/benchmarks.md).
	PerCoreEventsPerSecond float64
}

func (in SizingInput) withDefaults() SizingInput {
	if in.EventsPerSecond == 0 {
		in.EventsPerSecond = 1000
	}
	if in.RecordBytes == 0 {
		in.RecordBytes = 400
	}
	if in.Headroom == 0 {
		in.Headroom = 1.5
	}
	return in
}

func (in SizingInput) validate() error {
	var errs []error
	if in.EventsPerSecond < 0 || in.RecordBytes < 0 || in.PerCoreEventsPerSecond < 0 {
		errs = append(errs, errors.New("EVENTS_PER_SEC, RECORD_BYTES and PER_CORE_EPS must not be negative"))
	}
	if in.RecordBytes > shardBytesPerSecond {
		errs = append(errs, fmt.Errorf("RECORD_BYTES=%g: a Kinesis record holds at most 1 MiB", in.RecordBytes))
	}
	if in.Headroom < 1 && in.Headroom != 0 {
		errs = append(errs, fmt.Errorf("HEADROOM=%g: want at least 1", in.Headroom))
	}
	return errors.Join(errs...)
}

// Sizing is the result: shard count, Flink parallelism and cluster size.
type Sizing struct {
	SizingInput
	ShardsByBytes   float64 // rate × size / 1 MiB/s
	ShardsByRecords float64 // rate / 1000 records/s
	Shards          int     // ceil(max(by bytes, by records) × headroom), at least 1
	SlotsPerNode    int     // one Flink task slot per vCPU of a core node
	Measured        bool    // PerCoreEventsPerSecond was given
	Needed          int     // ceil(rate × headroom / per-core rate); 0 when not measured
	Parallelism     int     // Needed, capped at the slots of CoreNodes; with no measurement, every slot
	CoreNodes       int     // ceil(needed / slots per node), at least 2
	ShardGroups     int     // the reader's --shard-groups: min(shards, parallelism)
}

// size computes the sizing for vCPUs per core node; coreNodes > 0 overrides
// the computed node count.
func size(in SizingInput, vcpus, coreNodes int) Sizing {
	in = in.withDefaults()
	s := Sizing{SizingInput: in, SlotsPerNode: vcpus}
	s.ShardsByBytes = in.EventsPerSecond * in.RecordBytes / shardBytesPerSecond
	s.ShardsByRecords = in.EventsPerSecond / shardRecordsPerSecond
	s.Shards = max(1, int(math.Ceil(math.Max(s.ShardsByBytes, s.ShardsByRecords)*in.Headroom)))
	s.Measured = in.PerCoreEventsPerSecond > 0
	s.CoreNodes = 2
	if s.Measured {
		s.Needed = max(1, int(math.Ceil(in.EventsPerSecond*in.Headroom/in.PerCoreEventsPerSecond)))
		s.CoreNodes = max(2, (s.Needed+vcpus-1)/vcpus)
	}
	if coreNodes > 0 {
		s.CoreNodes = coreNodes
	}
	s.Parallelism = s.CoreNodes * vcpus
	if s.Measured {
		s.Parallelism = min(s.Needed, s.Parallelism)
	}
	s.ShardGroups = min(s.Shards, s.Parallelism)
	return s
}

package kinesisio

import (
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*Record)(nil)).Elem())
}

// Record is one user record read from a shard.
//
// SubSequence is the index of the user record inside a KPL aggregate, or -1
// for a plain (non-aggregated) record.
type Record struct {
	Data          []byte
	Stream        string
	ShardID       string
	Sequence      string
	SubSequence   int64
	PartitionKey  string
	ArrivalMillis int64
}

// Position returns where this record sits in its shard.
func (r Record) Position() Position {
	return Position{Sequence: r.Sequence, SubSequence: r.SubSequence}
}

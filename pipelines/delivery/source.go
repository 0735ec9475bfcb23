package delivery

import (
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/deliverypipe/deliverypipe/io/kinesisio"
	"github.com/deliverypipe/deliverypipe/transforms/event"
	"github.com/deliverypipe/deliverypipe/transforms/parse"
)

// EventTimeFn is the name under which the event-time extractor of order
// events is registered for kinesisio.EventTimePolicy.
const EventTimeFn = "deliverypipe.event_time"

func init() {
	register.Function1x1(recordToRaw)
	kinesisio.RegisterTimestampFn(EventTimeFn, eventTimeOf)
}

// eventTimeOf reads the timestamp of a valid order event. Invalid records
// (parse dead-letters them) get none, so they cannot drive the watermark: a
// timestamp years ahead would make every later event of the shard late. The
// default limits judge it; a pipeline with a larger MaxSkew only loses the
// watermark contribution of events beyond the default, not the events.
func eventTimeOf(data []byte) (time.Time, bool) {
	var e event.Event
	if err := parse.DecodeValidate(data, time.Now(), parse.DefaultLimits(), &e); err != nil {
		return time.Time{}, false
	}
	return e.Time(), true
}

// FromKinesis maps PCollection<kinesisio.Record> to the PCollection<parse.Raw>
// that Build reads.
func FromKinesis(s beam.Scope, records beam.PCollection) beam.PCollection {
	return beam.ParDo(s.Scope("delivery.FromKinesis"), recordToRaw, records)
}

func recordToRaw(r kinesisio.Record) parse.Raw {
	return parse.Raw{Data: r.Data, Shard: r.ShardID, Sequence: r.Sequence, SubSequence: r.SubSequence, ArrivalMillis: r.ArrivalMillis}
}

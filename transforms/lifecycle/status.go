package lifecycle

import (
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/mtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func init() {
	register.Function2x0(toStatuses)
	register.Emitter2[beam.EventTime, Status]()
	beam.RegisterType(reflect.TypeFor[Status]())
}

// Status is an order's status as the order-status table holds it: written by
// io/dynamodbio.UpsertForward, which keeps the greatest (rank, event time), so
// out-of-order and replayed events never roll an order back.
type Status struct {
	OrderID      string `dynamodbav:"order_id"`
	Status       string `dynamodbav:"status"`
	Rank         int64  `dynamodbav:"rank"`
	EventTimeMs  int64  `dynamodbav:"event_time_ms"`
	RestaurantID string `dynamodbav:"restaurant_id"`
	DriverID     string `dynamodbav:"driver_id"`
}

// Statuses maps each event of batches (a PCollection<event.Batch>, Track's
// unique events) to its Status, timestamped with the event's time.
func Statuses(s beam.Scope, batches beam.PCollection) beam.PCollection {
	return beam.ParDo(s.Scope("lifecycle.Statuses"), toStatuses, batches)
}

func toStatuses(b event.Batch, emit func(beam.EventTime, Status)) {
	for i := range b.Events {
		e := &b.Events[i]
		emit(mtime.FromMilliseconds(e.EventTimeMillis), toStatus(*e))
	}
}

func toStatus(e event.Event) Status {
	return Status{
		OrderID: e.OrderID, Status: string(e.EventType), Rank: int64(e.EventType.Rank()),
		EventTimeMs: e.EventTimeMillis, RestaurantID: e.RestaurantID, DriverID: e.DriverID,
	}
}

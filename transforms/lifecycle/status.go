package lifecycle

import (
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

func init() {
	register.Function1x1(toStatus)
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

// Statuses maps each event (a PCollection<event.Event>) to its Status.
func Statuses(s beam.Scope, events beam.PCollection) beam.PCollection {
	return beam.ParDo(s.Scope("lifecycle.Statuses"), toStatus, events)
}

func toStatus(e event.Event) Status {
	return Status{
		OrderID: e.OrderID, Status: string(e.EventType), Rank: int64(e.EventType.Rank()),
		EventTimeMs: e.EventTimeMillis, RestaurantID: e.RestaurantID, DriverID: e.DriverID,
	}
}

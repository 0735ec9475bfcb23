package delivery

import (
	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/deliverypipe/deliverypipe/transforms/kpi"
	"github.com/deliverypipe/deliverypipe/transforms/lifecycle"
)

// The maps between stages: the transforms do not import each other, so the
// assembler turns one stage's output into the next one's input.

func init() {
	register.Function2x0(deliveryOf)
	register.Emitter1[kpi.Delivery]()
}

// deliveries turns facts (a PCollection<lifecycle.OrderFact>) into the
// kpi.Delivery of every delivered order with a known pick-up time, keeping
// timestamps.
func deliveries(s beam.Scope, facts beam.PCollection) beam.PCollection {
	return beam.ParDo(s.Scope("delivery.Deliveries"), deliveryOf, facts)
}

func deliveryOf(f lifecycle.OrderFact, emit func(kpi.Delivery)) {
	if f.DeliveredMillis != 0 && f.PickedUpMillis != 0 {
		emit(kpi.Delivery{OrderID: f.OrderID, RestaurantID: f.RestaurantID, DriverID: f.DriverID, Zone: f.Zone, Minutes: f.DeliveryMinutes})
	}
}

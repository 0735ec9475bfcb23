package dynamodbio_test

import (
	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/deliverypipe/deliverypipe/io/dynamodbio"
)

// KPI is a window KPI item: key (pk, sk), the pane that produced it, values.
type KPI struct {
	PK    string `dynamodbav:"pk"` // entity, e.g. "event_type#delivered"
	SK    int64  `dynamodbav:"sk"` // window start, Unix ms
	Pane  int64  `dynamodbav:"pane"`
	Count int64  `dynamodbav:"count"`
}

// Status is an order status item.
type Status struct {
	OrderID     string `dynamodbav:"order_id"`
	Status      string `dynamodbav:"status"`
	Rank        int    `dynamodbav:"rank"`
	EventTimeMs int64  `dynamodbav:"event_time_ms"`
}

func ExampleWrite() {
	p, s := beam.NewPipelineWithRoot()
	items := beam.Create(s, KPI{PK: "event_type#delivered", SK: 1710028500000, Count: 3})
	dynamodbio.Write(s, items, "window_kpis", dynamodbio.WithMaxAttempts(8))
	_ = p
}

func ExampleUpsertVersioned() {
	p, s := beam.NewPipelineWithRoot()
	// The pane 1 item replaces pane 0 whatever order they arrive in.
	kpis := beam.Create(s,
		KPI{PK: "event_type#delivered", SK: 1710028500000, Pane: 1, Count: 4},
		KPI{PK: "event_type#delivered", SK: 1710028500000, Pane: 0, Count: 3})
	dynamodbio.UpsertVersioned(s, kpis, "window_kpis")
	_ = p
}

func ExampleUpsertForward() {
	p, s := beam.NewPipelineWithRoot()
	// picked_up (rank 3) stays stored although order_accepted (rank 2) arrives later.
	statuses := beam.Create(s,
		Status{OrderID: "o-1", Status: "picked_up", Rank: 3, EventTimeMs: 1710028600000},
		Status{OrderID: "o-1", Status: "order_accepted", Rank: 2, EventTimeMs: 1710028550000})
	dynamodbio.UpsertForward(s, statuses, "order_status")
	_ = p
}

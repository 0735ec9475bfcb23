//go:build flink

package panesink

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/flink"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/deliverypipe/deliverypipe/io/dynamodbio"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery/tables"
	"github.com/deliverypipe/deliverypipe/runners/presets/presetstest"
	"github.com/deliverypipe/deliverypipe/testing/localstack"
	"github.com/deliverypipe/deliverypipe/testing/stepsource"
	"github.com/deliverypipe/deliverypipe/transforms/event"
	"github.com/deliverypipe/deliverypipe/transforms/kpi"
)

// TestMain runs on Flink by default (-endpoint=HOST:PORT
// -environment_type=LOOPBACK) and stops the local stack it started.
func TestMain(m *testing.M) {
	os.Exit(localstack.Finish(presetstest.MainRet(m, "flink")))
}

const (
	t0     = int64(1_767_225_600_000) // 2026-01-01T00:00:00Z
	minute = int64(60_000)
)

func created(id string, at int64) event.Event {
	return event.Event{EventID: id, EventType: event.OrderCreated, OrderID: "o-" + id, RestaurantID: "r-1", EventTimeMillis: at}
}

// TestLatePaneUpsert writes the event-type counts of sliding windows (2 min
// every 1 min, 3 min lateness) with one late element through UpsertVersioned:
// each window's ON_TIME pane (count 2) and then its LATE pane (count 3, pane
// 1) reach the table, in whatever order the sink sees them, and the stored
// item must be the LATE one.
func TestLatePaneUpsert(t *testing.T) {
	st := localstack.Shared(t)
	st.SetEnv(t) // the LOOPBACK worker runs in this process and reads the env
	ctx := context.Background()
	cfg, err := st.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	client := dynamodb.NewFromConfig(cfg)
	table := fmt.Sprintf("kpi_panes_%d", time.Now().UnixNano())
	if err := tables.EnsureKPITable(ctx, client, table); err != nil {
		t.Fatal(err)
	}

	p, s := beam.NewPipelineWithRoot()
	in := stepsource.Events(s, stepsource.DefaultPause,
		stepsource.Step{Events: []event.Event{created("a", t0), created("b", t0+30_000)}, Watermark: t0 + 2*minute},
		stepsource.Step{Events: []event.Event{created("late", t0+40_000)}, Watermark: t0 + 3*minute},
	)
	w := kpi.Windows{Size: 2 * time.Minute, Period: time.Minute, AllowedLateness: 3 * time.Minute}
	dynamodbio.UpsertVersioned(s, tables.EventTypeItems(s, kpi.EventTypeCounts(s, in, w)), table)
	ptest.RunAndValidate(t, p)

	// By hand: a, b and late all lie in [-1,1) and [0,2).
	for _, start := range []int64{t0 - minute, t0} {
		key := map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: tables.EventTypeKey(string(event.OrderCreated))},
			"sk": &types.AttributeValueMemberN{Value: fmt.Sprint(start)},
		}
		out, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatalf("GetItem window %d: %v", start, err)
		}
		if out.Item == nil {
			t.Errorf("window starting %d: no item", start)
			continue
		}
		var got tables.EventTypeItem
		if err := attributevalue.UnmarshalMap(out.Item, &got); err != nil {
			t.Fatal(err)
		}
		want := kpi.EventTypeCount{WindowStart: start, WindowEnd: start + 2*minute, Pane: 1, Timing: kpi.Late, EventType: string(event.OrderCreated), Count: 3}
		if got.Row() != want {
			t.Errorf("window starting %d: item %+v, want %+v", start, got.Row(), want)
		}
	}
}

package dynamodbio

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/deliverypipe/deliverypipe/testing/localstack"
)

func makeKPIs(n int) []kpiItem {
	items := make([]kpiItem, n)
	for i := range items {
		items[i] = kpiItem{PK: fmt.Sprintf("restaurant#r%03d", i%17), SK: int64(i/17) * 60000, Pane: int64(i % 3), Timing: "ON_TIME", Count: int64(i), GMV: float64(i) * 2.5}
	}
	return items
}

func TestWrite(t *testing.T) {
	for _, tc := range []struct {
		name        string
		partial     bool // the proxy leaves half of every batch unprocessed
		wantRetries bool
	}{
		{name: "direct"},
		{name: "unprocessed items retried", partial: true, wantRetries: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := setup(t)
			table := versionedTable(t, c)
			if tc.partial {
				newBatchProxy(t, localstack.Shared(t).DynamoDBEndpoint, false)
			}
			items := makeKPIs(140) // several 25-item batches
			write := func() map[string]int64 {
				return run(t, func(s beam.Scope) {
					Write(s, beam.CreateList(s, items), table, WithBackoff(time.Millisecond, 10*time.Millisecond))
				})
			}
			counters := write()
			got := scan[kpiItem](t, c, table)
			if !reflect.DeepEqual(got, sortByJSON(items)) {
				t.Errorf("read back %d items differing from the %d input items", len(got), len(items))
			}
			if retried := counters["batch_retries_"+table] > 0; retried != tc.wantRetries {
				t.Errorf("batch retries %d, want retries: %v", counters["batch_retries_"+table], tc.wantRetries)
			}
			write()
			if again := scan[kpiItem](t, c, table); !reflect.DeepEqual(again, got) {
				t.Errorf("a replay changed the items")
			}
		})
	}
}

func TestWriteFailsLoudly(t *testing.T) {
	c := setup(t)
	table := versionedTable(t, c)
	newBatchProxy(t, localstack.Shared(t).DynamoDBEndpoint, true)
	p, s := beam.NewPipelineWithRoot()
	Write(s, beam.CreateList(s, makeKPIs(30)), table, WithMaxAttempts(3), WithBackoff(time.Millisecond, 5*time.Millisecond))
	err := ptest.Run(p)
	if err == nil || !strings.Contains(err.Error(), "unprocessed after 3 attempts") {
		t.Fatalf("pipeline error %v, want the unprocessed-items failure", err)
	}
}

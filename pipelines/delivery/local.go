package delivery

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

func init() {
	register.Function1x2(toJSONLine)
}

// Local file names under the directory given to WriteLocal, one JSON object
// per line.
const (
	LocalEventTypeCounts = EventTypeCountsTableName + ".jsonl"
	LocalRestaurantKPIs  = RestaurantKPIsTableName + ".jsonl"
	LocalZoneKPIs        = ZoneKPIsTableName + ".jsonl"
	LocalOrderFacts      = OrderFactsTableName + ".jsonl"
	LocalDeadLetters     = DeadLetterTableName + ".jsonl"
)

// WriteLocal writes the KPI, order-fact and dead-letter outputs as JSON
// Lines files under dir (a local path): the sinks of sample runs and CI
// checks, where S3 and DynamoDB are not wanted. Each output is moved to the
// global window first, so each file is written once; bounded inputs only.
func WriteLocal(s beam.Scope, out Outputs, dir string) {
	s = s.Scope("delivery.WriteLocal")
	for _, f := range []struct {
		name string
		col  beam.PCollection
	}{
		{LocalEventTypeCounts, out.EventTypeCounts},
		{LocalRestaurantKPIs, out.RestaurantKPIs},
		{LocalZoneKPIs, out.ZoneKPIs},
		{LocalOrderFacts, out.OrderFacts},
		{LocalDeadLetters, out.DeadLetters},
	} {
		global := beam.WindowInto(s, window.NewGlobalWindows(), f.col)
		textio.Write(s, filepath.Join(dir, f.name), beam.ParDo(s, toJSONLine, global))
	}
}

func toJSONLine(row beam.X) (string, error) {
	b, err := json.Marshal(row)
	if err != nil {
		return "", fmt.Errorf("delivery: encoding %T as JSON: %w", row, err)
	}
	return string(b), nil
}

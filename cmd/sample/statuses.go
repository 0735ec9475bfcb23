package main

import (
	"encoding/json"
	"path/filepath"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/deliverypipe/deliverypipe/transforms/lifecycle"
)

func init() {
	register.Function1x2(statusLine)
}

// localStatuses holds every event's lifecycle.Status, one JSON object per
// line: what the order-status table's forward-only upserts are fed with
// (delivery.WriteLocal writes no status file).
const localStatuses = "order_statuses.jsonl"

func writeStatuses(s beam.Scope, statuses beam.PCollection, dir string) {
	s = s.Scope("sample.WriteStatuses")
	global := beam.WindowInto(s, window.NewGlobalWindows(), statuses)
	textio.Write(s, filepath.Join(dir, localStatuses), beam.ParDo(s, statusLine, global))
}

func statusLine(st lifecycle.Status) (string, error) {
	b, err := json.Marshal(st)
	return string(b), err
}

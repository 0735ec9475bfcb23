package s3parquet

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/parquet-go/parquet-go"
)

func init() {
	register.Function1x2(stampPanedRow)
	beam.RegisterType(reflect.TypeFor[panedRow]())
}

// panedRow carries the pane of the aggregation that made it, like the KPI rows.
type panedRow struct {
	ID     string `parquet:"id"`
	TimeMs int64  `parquet:"time_ms"`
	Pane   int64  `parquet:"pane"`
}

func (r panedRow) PaneIndex() int64 { return r.Pane }

func stampPanedRow(r panedRow) (beam.EventTime, panedRow) { return beam.EventTime(r.TimeMs), r }

// TestWriteNamesObjectsByRowPane: rows that carry their pane land in the
// object of that pane, each row in exactly one object, although the sink's
// own GroupByKey fires once (pane 0) for all of them.
func TestWriteNamesObjectsByRowPane(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC).UnixMilli()
	rows := []panedRow{
		{ID: "a", TimeMs: start + 1000, Pane: 0},
		{ID: "b", TimeMs: start + 2000, Pane: 0},
		{ID: "a", TimeMs: start + 1000, Pane: 1}, // a's late update
	}
	p, s := beam.NewPipelineWithRoot()
	in := beam.WindowInto(s, window.NewFixedWindows(time.Minute), beam.ParDo(s, stampPanedRow, beam.CreateList(s, rows)))
	Write(s, "unused", "kpis", in, WithLocalDir(dir), WithPrefix("lake"))
	if err := ptest.Run(p); err != nil {
		t.Fatalf("pipeline: %v", err)
	}
	got := map[string][]string{} // object name suffix "-p<pane>-s<shard>" → ids@pane
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(path, ".parquet") {
			return err
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rs, err := parquet.Read[panedRow](bytes.NewReader(body), int64(len(body)))
		if err != nil {
			return err
		}
		name := filepath.Base(path)
		pane := name[strings.LastIndex(name, "-p")+1 : strings.LastIndex(name, "-s")]
		for _, r := range rs {
			got[pane] = append(got[pane], r.ID+"@"+string(rune('0'+r.Pane)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, ids := range got {
		sort.Strings(ids)
	}
	want := map[string][]string{"p0": {"a@0", "b@0"}, "p1": {"a@1"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows by object pane = %v, want %v", got, want)
	}
}

package delivery

import (
	"encoding/json"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/deliverypipe/deliverypipe/internal/simulator"
	"github.com/deliverypipe/deliverypipe/runners/presets/presetstest"
	"github.com/deliverypipe/deliverypipe/transforms/parse"
)

// objectWindow matches the window part of an object name (io/s3parquet's layout).
var objectWindow = regexp.MustCompile(`/(\d{8}T\d{6}Z)-(\d{8}T\d{6}Z)-p\d+-s\d+(-part\d+)?\.(parquet|jsonl)$`)

// TestWriteFilesDropsFinalWindows runs the graph into the file sinks with
// Sinks.FinalUntil set, as a restarted run does: no table may get an object
// for a window that ends at or before it, and every table with windows
// after it must get some.
func TestWriteFilesDropsFinalWindows(t *testing.T) {
	cfg := simulator.DefaultConfig()
	cfg.Orders, cfg.OrdersPerMinute = 60, 2
	cfg.Start = time.Date(2024, 3, 1, 11, 0, 0, 0, time.UTC)
	sim, err := simulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var raws []parse.Raw
	for e := range sim.Events() {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, parse.Raw{Data: b, Shard: "s", ArrivalMillis: 1})
	}
	finalUntil := cfg.Start.Add(20 * time.Minute)
	dir := t.TempDir()
	p, s := beam.NewPipelineWithRoot()
	o := DefaultOptions()
	o.NormalizePanes = presetstest.Workarounds().NormalizePanes
	out := Build(s, beam.CreateList(s, raws), o)
	WriteFiles(s, out, dir, Sinks{Bucket: "b", ArchiveWindow: 10 * time.Minute, FinalUntil: finalUntil})
	if err := ptest.Run(p); err != nil {
		t.Fatalf("pipeline: %v", err)
	}

	after := map[string]int{}
	err = filepath.WalkDir(filepath.Join(dir, "b"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		m := objectWindow.FindStringSubmatch(filepath.ToSlash(path))
		if m == nil {
			t.Errorf("%s: not a windowed object name", path)
			return nil
		}
		end, _ := time.Parse("20060102T150405Z", m[2])
		rel, _ := filepath.Rel(filepath.Join(dir, "b"), path)
		table, _, _ := strings.Cut(filepath.ToSlash(rel), "/")
		if !end.After(finalUntil) {
			t.Errorf("%s: window ends %v, at or before FinalUntil %v", rel, end, finalUntil)
		}
		after[table]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{EventsTableName, OrderFactsTableName, EventTypeCountsTableName, RestaurantKPIsTableName, ZoneKPIsTableName} {
		if after[table] == 0 {
			t.Errorf("%s: no object for the windows after FinalUntil", table)
		}
	}
}

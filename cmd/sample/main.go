// Command sample runs the full deliverypipe graph on a small in-memory sample
// of simulated events on prism and writes its outputs as JSON Lines files:
// a check of a change to the pipeline that needs no AWS, no Kinesis and a
// few seconds (`make sample`).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/deliverypipe/deliverypipe/internal/simulator"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery"
	"github.com/deliverypipe/deliverypipe/runners/presets"
	"github.com/deliverypipe/deliverypipe/transforms/parse"
)

var (
	orders = flag.Int("orders", 300, "orders to simulate (about 4-5 events each)")
	seed   = flag.Int64("seed", 1, "simulator seed (same seed, same events)")
	outDir = flag.String("out", "out/sample", "directory for the JSON Lines outputs")
)

func main() {
	flag.Parse()
	if err := presets.RequireExperiments(flag.CommandLine); err != nil {
		slog.Error("bad flags", "err", err)
		os.Exit(2)
	}
	beam.Init()
	start := time.Now()
	n, err := run(context.Background(), *orders, *seed, *outDir)
	if err != nil {
		slog.Error("sample failed", "err", err)
		os.Exit(1)
	}
	slog.Info("sample done", "events", n, "out", *outDir, "seconds", time.Since(start).Seconds())
}

// badRecords exercise the dead-letter path: each must come out as a dead
// letter.
var badRecords = []string{
	`{"event_type":"order_created","order_id":`,
	`{"event_type":"teleported","event_id":"x","order_id":"o","timestamp":"2024-01-15T11:00:00Z","schema_version":1}`,
}

// run simulates the events, builds the full graph over them with beam.Create
// as the source and local files as the sinks, and runs it. It returns the
// number of simulated events (bad records not included).
func run(ctx context.Context, orders int, seed int64, dir string) (int, error) {
	cfg := simulator.DefaultConfig()
	cfg.Orders, cfg.Seed = orders, seed
	sim, err := simulator.New(cfg)
	if err != nil {
		return 0, fmt.Errorf("simulator: %w", err)
	}
	events, err := sim.Generate()
	if err != nil {
		return 0, fmt.Errorf("simulator: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	if err := sim.WriteDimensionsCSV(dir); err != nil {
		return 0, fmt.Errorf("writing dimensions: %w", err)
	}
	raws := make([]parse.Raw, 0, len(events)+len(badRecords))
	for i, e := range events {
		b, err := json.Marshal(e)
		if err != nil {
			return 0, err
		}
		raws = append(raws, parse.Raw{Data: b, Shard: "sample", Sequence: strconv.Itoa(i), ArrivalMillis: e.EventTimeMillis})
	}
	for i, b := range badRecords {
		raws = append(raws, parse.Raw{Data: []byte(b), Shard: "sample-bad", Sequence: strconv.Itoa(i), ArrivalMillis: cfg.Start.UnixMilli()})
	}
	opts := delivery.DefaultOptions()
	opts.NormalizePanes = presets.WorkaroundsFor(flag.CommandLine).NormalizePanes
	opts.RestaurantsURI, opts.DriversURI = filepath.Join(dir, "restaurants.csv"), filepath.Join(dir, "drivers.csv")
	p, s := beam.NewPipelineWithRoot()
	out := delivery.Build(s, beam.CreateList(s, raws), opts)
	delivery.WriteLocal(s, out, dir)
	writeStatuses(s, out.Statuses, dir) // delivery.WriteLocal has no status file
	if err := beamx.Run(ctx, p); err != nil {
		return 0, err
	}
	return len(events), nil
}

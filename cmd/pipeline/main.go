// Command pipeline runs the deliverypipe graph: Kinesis → parse → sliding
// windows → KPIs → Parquet on S3 and items in DynamoDB.
//
// It only parses flags into pipelines/delivery options and runs the graph
// with Beam's runner flags (--runner, --endpoint, --environment_type, ...).
// AWS endpoints and credentials come from the SDK's standard settings
// (AWS_ENDPOINT_URL_KINESIS, AWS_PROFILE, ...).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/dot"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/flink"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/spark"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/universal"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/deliverypipe/deliverypipe/internal/gctune"
	"github.com/deliverypipe/deliverypipe/io/awsconf"
	"github.com/deliverypipe/deliverypipe/io/checkpoint"
	"github.com/deliverypipe/deliverypipe/io/kinesisio"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery"
	"github.com/deliverypipe/deliverypipe/runners/presets"
)

var (
	// Source.
	stream        = flag.String("stream", "", "source: Kinesis stream name (required)")
	startPosition = flag.String("start-position", kinesisio.TrimHorizon, "source: TRIM_HORIZON or LATEST, for shards without a checkpoint")
	groups        = flag.Int("shard-groups", 1, "source: number of shard groups (the read's parallelism)")
	outOfOrder    = flag.Duration("max-out-of-order", time.Minute, "source: watermark delay behind the largest event time seen")
	bounded       = flag.Bool("bounded", false, "source: read the records present at start, then stop (batch; tests, demo, backfill)")
	maxRecords    = flag.Int64("max-records", 0, "source: with --bounded, stop after this many records per shard group (0 = no limit)")
	// Transforms.
	windowSize  = flag.Duration("window-size", delivery.DefaultOptions().WindowSize, "transforms: sliding window size")
	windowEvery = flag.Duration("window-period", delivery.DefaultOptions().WindowPeriod, "transforms: sliding window period")
	lateness    = flag.Duration("allowed-lateness", delivery.DefaultOptions().AllowedLateness, "transforms: allowed lateness (late panes update KPIs)")
	onTimeOnly  = flag.Bool("on-time-only", false, "transforms: one ON_TIME pane per window, late events dropped")
	restaurants = flag.String("restaurants", "", "transforms: restaurant dimension CSV (path or s3://bucket/key); empty flags every restaurant unknown")
	drivers     = flag.String("drivers", "", "transforms: driver dimension CSV (path or s3://bucket/key)")
	dedupFor    = flag.Duration("dedup-horizon", delivery.DefaultOptions().DedupHorizon, "transforms: how long (event time) an event_id is remembered for dedup")
	orderTTL    = flag.Duration("order-horizon", delivery.DefaultOptions().OrderHorizon, "transforms: event time after which an unfinished order expires")
	// Sinks.
	bucket       = flag.String("bucket", "", "sinks: S3 bucket for the Parquet tables (required)")
	prefix       = flag.String("prefix", "deliverypipe", "sinks: key prefix in the bucket")
	kpiTable     = flag.String("kpi-table", "", "sinks: DynamoDB table for window KPIs (required)")
	statusTable  = flag.String("status-table", "", "sinks: DynamoDB order-status table (optional)")
	kmsKey       = flag.String("kms-key", "", "sinks: KMS key id for SSE-KMS (default SSE-S3)")
	archiveEvery = flag.Duration("archive-window", time.Hour, "sinks: event-time window of the events and order-fact archives")
	create       = flag.Bool("create-missing", false, "sinks: create the bucket, the KPI table and the checkpoint table if missing (development stacks)")
	// Checkpoints.
	checkpointTable   = flag.String("checkpoint-table", "", "checkpoints: DynamoDB table of per-shard checkpoints; a run resumes from it and keeps it current (optional)")
	ignoreCheckpoints = flag.Bool("ignore-checkpoints", false, "checkpoints: start from --start-position and rewrite every output, ignoring what the checkpoint table holds (it is still written)")
	// Operations.
	logFormat   = flag.String("log-format", "text", "ops: log format, text or json")
	insecureTLS = flag.Bool(awsconf.FlagName, false, "ops: "+awsconf.FlagUsage)
	// Run outcome (summary.go).
	maxDeadRatio = ratioFlag(maxDeadLetterRatioFlag, 0.5, "ops: exit non-zero when more than this `share` (0..1) of the records read were dead-lettered")
	// Runner.
	preset = flag.String("preset", presets.Default, "runner preset: Beam runner flags set together; flags given explicitly win"+presets.Usage())
)

func main() {
	flag.Usage = usage
	if name := unknownFlag(flag.CommandLine, os.Args[1:]); name != "" {
		fmt.Fprintln(os.Stderr, "pipeline:", unknownFlagError(flag.CommandLine, name))
		os.Exit(2)
	}
	flag.Parse()
	setupLogging()
	if err := applyPreset(); err != nil {
		slog.Error("bad flags", "err", err)
		os.Exit(2)
	}
	tuneWorkerGC()
	beam.Init()
	// beam.Init (v2.77) installs its own default slog handler; ours wins.
	setupLogging()
	if err := run(context.Background()); err != nil {
		slog.Error("pipeline failed", "err", err)
		os.Exit(1)
	}
}

// tuneWorkerGC sizes the collector (internal/gctune) of a process that runs
// workers: a worker (--worker, as a runner starts the binary) or a launcher
// whose LOOPBACK workers run in it; not of the in-process prism, where the
// pipeline's own memory matters more than its collector's CPU.
func tuneWorkerGC() {
	if gctune.HostsWorkers(flag.CommandLine) {
		gc, limit := gctune.ForWorker()
		slog.Debug("worker collector", "gc_percent", gc, "memory_limit_bytes", limit)
	}
}

func run(ctx context.Context) error {
	if isDotRunner() {
		if err := dotDefaults(); err != nil {
			return err
		}
	}
	job := jobFromFlags()
	if err := validate(job); err != nil {
		return err
	}

	var resume checkpoint.Resume
	if !isDotRunner() {
		cfg, err := awsconf.Load(ctx, awsconf.WithInsecureSkipTLSVerify(*insecureTLS))
		if err != nil {
			return err
		}
		if resume, err = job.Prepare(ctx, cfg); err != nil {
			return err
		}
		// The connectors of in-process workers load their own AWS config.
		if err := awsconf.SetInsecureEnv(*insecureTLS); err != nil {
			return err
		}
	}

	p, s := beam.NewPipelineWithRoot()
	job.Assemble(s, resume)

	slog.Info("running", "stream", *stream, "bounded", *bounded, "bucket", *bucket, "kpi_table", *kpiTable,
		"window", job.Graph.WindowSize.String(), "period", job.Graph.WindowPeriod.String(), "on_time_only", job.Graph.OnTimeOnly)
	start := time.Now()
	ensureJobName()
	stopProgress := reportProgress(ctx, *progressEvery)
	res, err := beamx.RunWithMetrics(ctx, p)
	stopProgress()
	if err != nil {
		return err
	}
	return finishRun(res, time.Since(start), *maxDeadRatio, dlqLocation(*bucket, *prefix))
}

// jobFromFlags turns the flags into the job, with the workarounds of the
// runner the flags name (runners/presets).
func jobFromFlags() delivery.Job {
	opts := delivery.DefaultOptions()
	opts.WindowSize, opts.WindowPeriod, opts.AllowedLateness = *windowSize, *windowEvery, *lateness
	opts.OnTimeOnly = *onTimeOnly
	opts.NormalizePanes = presets.WorkaroundsFor(flag.CommandLine).NormalizePanes
	opts.RestaurantsURI, opts.DriversURI = *restaurants, *drivers
	opts.DedupHorizon, opts.OrderHorizon = *dedupFor, *orderTTL
	return delivery.Job{
		Source: delivery.Source{Stream: *stream, StartPosition: *startPosition, Groups: *groups,
			MaxOutOfOrder: *outOfOrder, Bounded: *bounded, MaxRecords: *maxRecords},
		Graph: opts,
		Sinks: delivery.Sinks{Bucket: *bucket, Prefix: *prefix, KPITable: *kpiTable, StatusTable: *statusTable,
			KMSKeyID: *kmsKey, ArchiveWindow: *archiveEvery},
		CheckpointTable:   *checkpointTable,
		IgnoreCheckpoints: *ignoreCheckpoints,
		CreateMissing:     *create,
	}
}

// validate fails fast, naming the flags to fix.
func validate(job delivery.Job) error {
	var errs []error
	if *logFormat != "text" && *logFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format=%q: want text or json", *logFormat))
	}
	if err := job.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// applyPreset sets the runner flags of --preset that were not given
// explicitly.
func applyPreset() error {
	p, err := presets.Lookup(*preset)
	if err != nil {
		return fmt.Errorf("--preset: %w", err)
	}
	return p.Apply(flag.CommandLine)
}

func setupLogging() {
	var h slog.Handler = slog.NewTextHandler(os.Stderr, nil)
	if *logFormat == "json" {
		h = slog.NewJSONHandler(os.Stderr, nil)
	}
	slog.SetDefault(slog.New(h))
}

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
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/deliverypipe/deliverypipe/io/awsconf"
	"github.com/deliverypipe/deliverypipe/io/checkpoint"
	"github.com/deliverypipe/deliverypipe/io/dynamodbio"
	"github.com/deliverypipe/deliverypipe/io/kinesisio"
	"github.com/deliverypipe/deliverypipe/io/s3parquet"
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
	flag.Parse()
	setupLogging()
	if err := applyPreset(); err != nil {
		slog.Error("bad flags", "err", err)
		os.Exit(2)
	}
	beam.Init()
	// beam.Init (v2.77) installs its own default slog handler; ours wins.
	setupLogging()
	if err := run(context.Background()); err != nil {
		slog.Error("pipeline failed", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	if isDotRunner() {
		if err := dotDefaults(); err != nil {
			return err
		}
	}
	opts, readOpts := fromFlags()
	err := validate(opts, readOpts)
	if err != nil {
		return err
	}

	if !isDotRunner() {
		if err := checkResources(ctx); err != nil {
			return err
		}
		// The connectors of in-process workers load their own AWS config.
		if err := awsconf.SetInsecureEnv(*insecureTLS); err != nil {
			return err
		}
	}

	var resume checkpoint.Resume
	if *checkpointTable != "" && !*ignoreCheckpoints && !isDotRunner() {
		if resume, err = loadCheckpoints(ctx); err != nil {
			return err
		}
		readOpts = append(readOpts, kinesisio.WithCheckpoint(resume.Positions))
	}

	p, s := beam.NewPipelineWithRoot()
	var records beam.PCollection
	if *bounded {
		records = kinesisio.ReadBounded(s, *stream, readOpts...)
	} else {
		records = kinesisio.Read(s, *stream, readOpts...)
	}
	raw := delivery.FromKinesis(s, records)
	out := delivery.Build(s, raw, opts)
	sinks := delivery.Sinks{Bucket: *bucket, Prefix: *prefix, KPITable: *kpiTable, StatusTable: *statusTable, KMSKeyID: *kmsKey, ArchiveWindow: *archiveEvery}
	if resume.FinalUntil > 0 {
		sinks.FinalUntil = time.UnixMilli(resume.FinalUntil)
	}
	written := delivery.WriteAWS(s, out, sinks)
	if *checkpointTable != "" {
		delivery.Checkpoint(s, records, written, opts, sinks, *checkpointTable, *stream)
	}

	slog.Info("running", "stream", *stream, "bounded", *bounded, "bucket", *bucket, "kpi_table", *kpiTable,
		"window", opts.WindowSize.String(), "period", opts.WindowPeriod.String(), "on_time_only", opts.OnTimeOnly)
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

// fromFlags turns the flags into the graph's and the reader's options.
func fromFlags() (delivery.Options, []kinesisio.ReadOption) {
	opts := delivery.DefaultOptions()
	opts.WindowSize, opts.WindowPeriod, opts.AllowedLateness = *windowSize, *windowEvery, *lateness
	opts.OnTimeOnly = *onTimeOnly
	opts.NormalizePanes = presets.WorkaroundsFor(flag.CommandLine).NormalizePanes
	opts.RestaurantsURI, opts.DriversURI = *restaurants, *drivers
	opts.DedupHorizon, opts.OrderHorizon = *dedupFor, *orderTTL
	readOpts := []kinesisio.ReadOption{
		kinesisio.WithGroups(*groups),
		kinesisio.WithWatermarkPolicy(kinesisio.EventTimePolicy(delivery.EventTimeFn, *outOfOrder)),
	}
	if *startPosition != "" {
		readOpts = append(readOpts, kinesisio.WithStartPosition(*startPosition))
	}
	if *bounded {
		readOpts = append(readOpts, kinesisio.StopAtTip())
		if *maxRecords > 0 {
			readOpts = append(readOpts, kinesisio.StopAfterRecords(*maxRecords))
		}
	}
	return opts, readOpts
}

// validate fails fast, naming the flags to fix.
func validate(opts delivery.Options, readOpts []kinesisio.ReadOption) error {
	var errs []error
	if *stream == "" {
		errs = append(errs, errors.New("--stream is required: the Kinesis stream to read"))
	}
	if *bucket == "" {
		errs = append(errs, errors.New("--bucket is required: the S3 bucket for the Parquet tables"))
	}
	if *kpiTable == "" {
		errs = append(errs, errors.New("--kpi-table is required: the DynamoDB table for window KPIs"))
	}
	if *maxRecords < 0 || (*maxRecords > 0 && !*bounded) {
		errs = append(errs, errors.New("--max-records needs --bounded and a positive count"))
	}
	if *logFormat != "text" && *logFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format=%q: want text or json", *logFormat))
	}
	if err := opts.Validate(); err != nil {
		errs = append(errs, err)
	}
	if *stream != "" {
		if err := kinesisio.ValidateReadOptions(*stream, readOpts...); err != nil {
			errs = append(errs, fmt.Errorf("source flags: %w", err))
		}
	}
	return errors.Join(errs...)
}

// resourceCheckTimeout bounds checkResources, SDK retries included, so an
// unreachable endpoint fails the start instead of hanging it.
const resourceCheckTimeout = 30 * time.Second

// checkResources fails fast when the stream, bucket or table is missing or
// unreachable (wrong region, credentials), or creates the sinks with
// --create-missing.
func checkResources(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, resourceCheckTimeout)
	defer cancel()
	cfg, err := awsconf.Load(ctx, awsconf.WithInsecureSkipTLSVerify(*insecureTLS))
	if err != nil {
		return err
	}
	if cfg.Region == "" {
		return errors.New("no AWS region: set AWS_REGION (or AWS_PROFILE with a region in ~/.aws/config)")
	}
	if _, err := kinesis.NewFromConfig(cfg).DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(*stream)}); err != nil {
		return fmt.Errorf("--stream=%s: cannot describe the stream (does it exist in region %q?): %w", *stream, cfg.Region, err)
	}
	s3c, ddb := s3.NewFromConfig(cfg), dynamodb.NewFromConfig(cfg)
	if *create {
		if err := s3parquet.EnsureBucket(ctx, s3c, *bucket); err != nil {
			return fmt.Errorf("--bucket: %w", err)
		}
		if err := dynamodbio.EnsureKPITable(ctx, ddb, *kpiTable); err != nil {
			return fmt.Errorf("--kpi-table: %w", err)
		}
		if *checkpointTable != "" {
			if err := checkpoint.NewTable(ddb, *checkpointTable).Ensure(ctx); err != nil {
				return fmt.Errorf("--checkpoint-table: %w", err)
			}
		}
		if *statusTable != "" {
			if err := dynamodbio.EnsureStatusTable(ctx, ddb, *statusTable); err != nil {
				return fmt.Errorf("--status-table: %w", err)
			}
		}
		return nil
	}
	if _, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(*bucket)}); err != nil {
		return fmt.Errorf("--bucket=%s: bucket not reachable (create it, or pass --create-missing on a development stack): %w", *bucket, err)
	}
	if _, err := ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(*kpiTable)}); err != nil {
		return fmt.Errorf("--kpi-table=%s: table not reachable (create it, or pass --create-missing on a development stack): %w", *kpiTable, err)
	}
	return nil
}

// loadCheckpoints reads the checkpoint table: where each shard resumes and
// until when outputs are final.
func loadCheckpoints(ctx context.Context) (checkpoint.Resume, error) {
	ctx, cancel := context.WithTimeout(ctx, resourceCheckTimeout)
	defer cancel()
	cfg, err := awsconf.Load(ctx, awsconf.WithInsecureSkipTLSVerify(*insecureTLS))
	if err != nil {
		return checkpoint.Resume{}, err
	}
	entries, err := checkpoint.NewTable(dynamodb.NewFromConfig(cfg), *checkpointTable).Load(ctx, *stream)
	if err != nil {
		return checkpoint.Resume{}, fmt.Errorf("--checkpoint-table=%s: %w (pass --ignore-checkpoints to start without it)", *checkpointTable, err)
	}
	r := checkpoint.ResumeFrom(entries)
	switch {
	case len(entries) == 0:
		slog.Info("no checkpoints yet", "table", *checkpointTable, "stream", *stream)
	case r.FinalUntil == checkpoint.FinalWatermark:
		slog.Info("resuming after a run that ended: every output is final", "shards", len(entries))
	default:
		slog.Info("resuming from checkpoints", "shards", len(entries), "final_until", time.UnixMilli(r.FinalUntil).UTC().Format(time.RFC3339))
	}
	return r, nil
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

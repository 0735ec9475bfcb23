package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/deliverypipe/deliverypipe/io/checkpoint"
	"github.com/deliverypipe/deliverypipe/io/kinesisio"
	"github.com/deliverypipe/deliverypipe/io/s3parquet"
	"github.com/deliverypipe/deliverypipe/pipelines/delivery/tables"
)

// Source is the Kinesis stream a job reads and how.
type Source struct {
	Stream string
	// StartPosition is kinesisio.TrimHorizon or kinesisio.Latest, for shards
	// without a checkpoint; empty keeps the reader's default.
	StartPosition string
	// Groups is the number of shard groups (the read's parallelism), at least 1.
	Groups int
	// MaxOutOfOrder is how far the watermark stays behind the largest event
	// time seen.
	MaxOutOfOrder time.Duration
	// Bounded reads the records present at start, then stops.
	Bounded bool
	// MaxRecords, with Bounded, stops after this many records per shard
	// group; 0 reads all.
	MaxRecords int64
}

// DefaultSource returns the documented source defaults for stream: one
// shard group, from the trim horizon, a watermark a minute behind.
func DefaultSource(stream string) Source {
	return Source{Stream: stream, StartPosition: kinesisio.TrimHorizon, Groups: 1, MaxOutOfOrder: time.Minute}
}

// readOptions are the reader's options for the source, resuming at resume.
func (src Source) readOptions(resume checkpoint.Resume) []kinesisio.ReadOption {
	opts := []kinesisio.ReadOption{
		kinesisio.WithGroups(src.Groups),
		kinesisio.WithWatermarkPolicy(kinesisio.EventTimePolicy(EventTimeFn, src.MaxOutOfOrder)),
	}
	if src.StartPosition != "" {
		opts = append(opts, kinesisio.WithStartPosition(src.StartPosition))
	}
	if src.Bounded {
		opts = append(opts, kinesisio.StopAtTip())
		if src.MaxRecords > 0 {
			opts = append(opts, kinesisio.StopAfterRecords(src.MaxRecords))
		}
	}
	if len(resume.Positions) > 0 {
		opts = append(opts, kinesisio.WithCheckpoint(resume.Positions))
	}
	return opts
}

// Job is one run of the pipeline: the source, the graph's options, the
// sinks and the checkpoints. cmd/pipeline fills it from flags; tests fill it
// directly. Validate, Prepare and Assemble are the whole of a run before
// beam.Run.
type Job struct {
	Source Source
	Graph  Options
	Sinks  Sinks
	// CheckpointTable, when set, is the DynamoDB table of per-shard
	// checkpoints: Prepare resumes from it, and the job keeps it current.
	CheckpointTable string
	// IgnoreCheckpoints starts from Source.StartPosition and rewrites every
	// output; the checkpoint table is still written.
	IgnoreCheckpoints bool
	// CreateMissing lets Prepare create the bucket and the tables
	// (development stacks).
	CreateMissing bool
}

// Validate says what is wrong with j, naming the flags that set it.
func (j Job) Validate() error {
	var errs []error
	if j.Source.Stream == "" {
		errs = append(errs, errors.New("--stream is required: the Kinesis stream to read"))
	}
	if j.Sinks.Bucket == "" {
		errs = append(errs, errors.New("--bucket is required: the S3 bucket for the Parquet tables"))
	}
	if j.Sinks.KPITable == "" {
		errs = append(errs, errors.New("--kpi-table is required: the DynamoDB table for window KPIs"))
	}
	if j.Source.MaxRecords < 0 || (j.Source.MaxRecords > 0 && !j.Source.Bounded) {
		errs = append(errs, errors.New("--max-records needs --bounded and a positive count"))
	}
	if err := j.Graph.Validate(); err != nil {
		errs = append(errs, err)
	}
	if j.Source.Stream != "" {
		if err := kinesisio.ValidateReadOptions(j.Source.Stream, j.Source.readOptions(checkpoint.Resume{})...); err != nil {
			errs = append(errs, fmt.Errorf("source flags: %w", err))
		}
	}
	return errors.Join(errs...)
}

// preflightTimeout bounds Prepare, SDK retries included, so an unreachable
// endpoint fails the start instead of hanging it.
const preflightTimeout = 30 * time.Second

// Prepare is the preflight of a run on cfg: it fails fast when the stream,
// bucket or tables are missing or unreachable (wrong region, credentials),
// or creates the sinks with CreateMissing, and it reads where each shard
// resumes from the checkpoint table.
func (j Job) Prepare(ctx context.Context, cfg aws.Config) (checkpoint.Resume, error) {
	ctx, cancel := context.WithTimeout(ctx, preflightTimeout)
	defer cancel()
	if cfg.Region == "" {
		return checkpoint.Resume{}, errors.New("no AWS region: set AWS_REGION (or AWS_PROFILE with a region in ~/.aws/config)")
	}
	if err := j.checkResources(ctx, cfg); err != nil {
		return checkpoint.Resume{}, err
	}
	if j.CheckpointTable == "" || j.IgnoreCheckpoints {
		return checkpoint.Resume{}, nil
	}
	return j.loadCheckpoints(ctx, dynamodb.NewFromConfig(cfg))
}

func (j Job) checkResources(ctx context.Context, cfg aws.Config) error {
	stream, k := j.Source.Stream, j.Sinks
	if _, err := kinesis.NewFromConfig(cfg).DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(stream)}); err != nil {
		return fmt.Errorf("--stream=%s: cannot describe the stream (does it exist in region %q?): %w", stream, cfg.Region, err)
	}
	s3c, ddb := s3.NewFromConfig(cfg), dynamodb.NewFromConfig(cfg)
	if j.CreateMissing {
		if err := s3parquet.EnsureBucket(ctx, s3c, k.Bucket); err != nil {
			return fmt.Errorf("--bucket: %w", err)
		}
		if err := tables.EnsureKPITable(ctx, ddb, k.KPITable); err != nil {
			return fmt.Errorf("--kpi-table: %w", err)
		}
		if j.CheckpointTable != "" {
			if err := checkpoint.NewTable(ddb, j.CheckpointTable).Ensure(ctx); err != nil {
				return fmt.Errorf("--checkpoint-table: %w", err)
			}
		}
		if k.StatusTable != "" {
			if err := tables.EnsureStatusTable(ctx, ddb, k.StatusTable); err != nil {
				return fmt.Errorf("--status-table: %w", err)
			}
		}
		return nil
	}
	if _, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(k.Bucket)}); err != nil {
		return fmt.Errorf("--bucket=%s: bucket not reachable (create it, or pass --create-missing on a development stack): %w", k.Bucket, err)
	}
	if _, err := ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(k.KPITable)}); err != nil {
		return fmt.Errorf("--kpi-table=%s: table not reachable (create it, or pass --create-missing on a development stack): %w", k.KPITable, err)
	}
	return nil
}

// loadCheckpoints reads the checkpoint table: where each shard resumes and
// until when outputs are final.
func (j Job) loadCheckpoints(ctx context.Context, ddb *dynamodb.Client) (checkpoint.Resume, error) {
	entries, err := checkpoint.NewTable(ddb, j.CheckpointTable).Load(ctx, j.Source.Stream)
	if err != nil {
		return checkpoint.Resume{}, fmt.Errorf("--checkpoint-table=%s: %w (pass --ignore-checkpoints to start without it)", j.CheckpointTable, err)
	}
	r := checkpoint.ResumeFrom(entries)
	switch {
	case len(entries) == 0:
		slog.Info("no checkpoints yet", "table", j.CheckpointTable, "stream", j.Source.Stream)
	case r.FinalUntil == checkpoint.FinalWatermark:
		slog.Info("resuming after a run that ended: every output is final", "shards", len(entries))
	default:
		slog.Info("resuming from checkpoints", "shards", len(entries), "final_until", time.UnixMilli(r.FinalUntil).UTC().Format(time.RFC3339))
	}
	return r, nil
}

// Assemble adds the whole job to s: the Kinesis read (resuming at resume),
// Build, the AWS sinks and, with a checkpoint table, the commit stage
// downstream of them. It returns the graph's outputs, for tests that check
// more than the sinks.
func (j Job) Assemble(s beam.Scope, resume checkpoint.Resume) Outputs {
	var records beam.PCollection
	if j.Source.Bounded {
		records = kinesisio.ReadBounded(s, j.Source.Stream, j.Source.readOptions(resume)...)
	} else {
		records = kinesisio.Read(s, j.Source.Stream, j.Source.readOptions(resume)...)
	}
	out := Build(s, FromKinesis(s, records), j.Graph)
	sinks := j.Sinks
	if resume.FinalUntil > 0 {
		sinks.FinalUntil = time.UnixMilli(resume.FinalUntil)
	}
	written := WriteAWS(s, out, sinks)
	if j.CheckpointTable != "" {
		Checkpoint(s, records, written, j.Graph, sinks, j.CheckpointTable, j.Source.Stream)
	}
	return out
}

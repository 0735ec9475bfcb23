package kinesisio

import (
	"errors"
	"fmt"
	"time"
)

// StartPosition says where a shard without a checkpoint starts.
type StartPosition struct {
	// Type is TRIM_HORIZON, LATEST or AT_TIMESTAMP.
	Type string `json:"type"`
	// TimestampMillis is the start time for AT_TIMESTAMP.
	TimestampMillis int64 `json:"ts,omitempty"`
}

// The start position types, named as in the Kinesis API.
const (
	TrimHorizon = "TRIM_HORIZON"
	Latest      = "LATEST"
	AtTimestamp = "AT_TIMESTAMP"
)

// readConfig is the serialisable configuration shared by Read and ReadBounded.
type readConfig struct {
	Stream            string
	Region            string
	Endpoint          string
	Groups            int
	Start             StartPosition
	Checkpoint        map[string]Position
	Policy            WatermarkPolicy
	MaxRecordsPerCall int32
	PollInterval      time.Duration
	MaxReadTime       time.Duration
	DiscoveryInterval time.Duration
	IdleLag           time.Duration
	MaxAttempts       int
	// Bounded-mode stop conditions; zero means unset.
	StopAtTip      bool
	StopAfterCount int64
	StopAfter      time.Duration
}

func defaultReadConfig(stream string) readConfig {
	return readConfig{
		Stream:            stream,
		Groups:            1,
		Start:             StartPosition{Type: TrimHorizon},
		Policy:            WatermarkPolicy{Kind: ArrivalTime},
		MaxRecordsPerCall: 10000,
		PollInterval:      time.Second,
		MaxReadTime:       5 * time.Second,
		DiscoveryInterval: 10 * time.Second,
		IdleLag:           2 * time.Second,
		MaxAttempts:       10,
	}
}

func (c *readConfig) validate() error {
	var errs []error
	if c.Stream == "" {
		errs = append(errs, errors.New("stream name is empty"))
	}
	if c.Groups < 1 {
		errs = append(errs, fmt.Errorf("groups = %d: need at least 1", c.Groups))
	}
	switch c.Start.Type {
	case TrimHorizon, Latest:
	case AtTimestamp:
		if c.Start.TimestampMillis <= 0 {
			errs = append(errs, errors.New("AT_TIMESTAMP start needs a timestamp"))
		}
	default:
		errs = append(errs, fmt.Errorf("start position %q: want TRIM_HORIZON, LATEST or AT_TIMESTAMP", c.Start.Type))
	}
	if c.MaxRecordsPerCall < 1 || c.MaxRecordsPerCall > 10000 {
		errs = append(errs, fmt.Errorf("records per call = %d: want 1..10000", c.MaxRecordsPerCall))
	}
	if err := c.Policy.validate(); err != nil {
		errs = append(errs, err)
	}
	if c.PollInterval <= 0 || c.MaxReadTime <= 0 || c.DiscoveryInterval <= 0 {
		errs = append(errs, errors.New("poll interval, max read time and discovery interval must be positive"))
	}
	return errors.Join(errs...)
}

// ReadOption configures Read and ReadBounded.
type ReadOption func(*readConfig) error

// WithRegion sets the AWS region; by default it comes from the SDK's
// standard settings (AWS_REGION, profile).
func WithRegion(region string) ReadOption {
	return func(c *readConfig) error { c.Region = region; return nil }
}

// WithEndpoint overrides the Kinesis endpoint URL. Prefer the SDK's standard
// AWS_ENDPOINT_URL_KINESIS; this is for an explicit command-line flag.
func WithEndpoint(url string) ReadOption {
	return func(c *readConfig) error { c.Endpoint = url; return nil }
}

// WithGroups sets the number of shard groups, the read's unit of parallelism.
// One group reads tens of MB/s; more groups let a runner spread the shards.
func WithGroups(n int) ReadOption {
	return func(c *readConfig) error {
		if n < 1 {
			return fmt.Errorf("groups = %d: need at least 1", n)
		}
		c.Groups = n
		return nil
	}
}

// WithStartPosition sets where shards without a checkpoint start:
// TrimHorizon or Latest.
func WithStartPosition(typ string) ReadOption {
	return func(c *readConfig) error {
		if typ != TrimHorizon && typ != Latest {
			return fmt.Errorf("start position %q: want %s or %s (use WithStartAt for a time)", typ, TrimHorizon, Latest)
		}
		c.Start = StartPosition{Type: typ}
		return nil
	}
}

// WithStartAt starts shards without a checkpoint at the first record that
// arrived at or after t.
func WithStartAt(t time.Time) ReadOption {
	return func(c *readConfig) error {
		c.Start = StartPosition{Type: AtTimestamp, TimestampMillis: t.UnixMilli()}
		return nil
	}
}

// WithCheckpoint resumes the given shards after the given positions. A
// checkpoint wins over the start position, as in KCL; the ancestors of a
// checkpointed shard that have no checkpoint of their own are taken as fully
// read, and those that have one resume from it (a parent is still read
// before its children).
func WithCheckpoint(positions map[string]Position) ReadOption {
	return func(c *readConfig) error {
		c.Checkpoint = make(map[string]Position, len(positions))
		for k, v := range positions {
			c.Checkpoint[k] = v
		}
		return nil
	}
}

// WithWatermarkPolicy chooses how element timestamps and the watermark are
// derived; the default is ArrivalTimePolicy().
func WithWatermarkPolicy(p WatermarkPolicy) ReadOption {
	return func(c *readConfig) error { c.Policy = p; return c.Policy.validate() }
}

// WithPollInterval sets how long a caught-up read waits before polling again.
func WithPollInterval(d time.Duration) ReadOption {
	return func(c *readConfig) error { c.PollInterval = d; return nil }
}

// WithMaxReadTime bounds one ProcessElement call before it self-checkpoints;
// Flink's portable runner checkpoints an SDF only at these points.
func WithMaxReadTime(d time.Duration) ReadOption {
	return func(c *readConfig) error { c.MaxReadTime = d; return nil }
}

// WithDiscoveryInterval sets how often ListShards looks for new child shards.
func WithDiscoveryInterval(d time.Duration) ReadOption {
	return func(c *readConfig) error { c.DiscoveryInterval = d; return nil }
}

// WithRecordsPerCall sets GetRecords' Limit (1..10000).
func WithRecordsPerCall(n int32) ReadOption {
	return func(c *readConfig) error { c.MaxRecordsPerCall = n; return nil }
}

// StopAtTip makes ReadBounded stop each shard at the records present when the
// read started: it stops at the first record that arrived later, or at an
// empty read at the tip.
func StopAtTip() ReadOption {
	return func(c *readConfig) error { c.StopAtTip = true; return nil }
}

// StopAfterRecords makes ReadBounded stop after n records per shard group.
func StopAfterRecords(n int64) ReadOption {
	return func(c *readConfig) error {
		if n < 1 {
			return fmt.Errorf("stop after %d records: need at least 1", n)
		}
		c.StopAfterCount = n
		return nil
	}
}

// StopAfter makes ReadBounded stop reading after d.
func StopAfter(d time.Duration) ReadOption {
	return func(c *readConfig) error {
		if d <= 0 {
			return fmt.Errorf("stop after %v: need a positive duration", d)
		}
		c.StopAfter = d
		return nil
	}
}

func buildConfig(stream string, opts []ReadOption) (readConfig, error) {
	c := defaultReadConfig(stream)
	for _, o := range opts {
		if err := o(&c); err != nil {
			return c, err
		}
	}
	return c, c.validate()
}

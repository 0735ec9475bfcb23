package dynamodbio

import "time"

// writeConfig is the serializable configuration of this package's DoFns;
// Beam encodes DoFn fields as JSON, so fields are exported.
type writeConfig struct {
	Table       string
	MaxAttempts int
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	Concurrency int
	KeyAttr     string
	PaneAttr    string
	RankAttr    string
	TimeAttr    string
}

func newConfig(table, key string, opts []Option) writeConfig {
	c := writeConfig{
		Table:       table,
		MaxAttempts: 10,
		BaseBackoff: 50 * time.Millisecond,
		MaxBackoff:  5 * time.Second,
		Concurrency: 8,
		KeyAttr:     key,
		PaneAttr:    "pane",
		RankAttr:    "rank",
		TimeAttr:    "event_time_ms",
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Option configures the transforms of this package.
type Option func(*writeConfig)

// WithMaxAttempts bounds the attempts for one batch or item (default 10).
func WithMaxAttempts(n int) Option { return func(c *writeConfig) { c.MaxAttempts = n } }

// WithBackoff sets the first and the largest retry delay (default 50 ms, 5 s);
// each delay is drawn uniformly below the doubled previous bound.
func WithBackoff(base, max time.Duration) Option {
	return func(c *writeConfig) { c.BaseBackoff, c.MaxBackoff = base, max }
}

// WithConcurrency bounds the conditional writes in flight per bundle (default 8).
func WithConcurrency(n int) Option { return func(c *writeConfig) { c.Concurrency = n } }

// WithKeyAttribute names the partition key attribute used in the upsert
// conditions (default "pk" for UpsertVersioned, "order_id" for UpsertForward).
func WithKeyAttribute(name string) Option { return func(c *writeConfig) { c.KeyAttr = name } }

// WithPaneAttribute names UpsertVersioned's pane attribute (default "pane").
func WithPaneAttribute(name string) Option { return func(c *writeConfig) { c.PaneAttr = name } }

// WithRankAttribute names UpsertForward's rank attribute (default "rank").
func WithRankAttribute(name string) Option { return func(c *writeConfig) { c.RankAttr = name } }

// WithTimeAttribute names UpsertForward's tie-break attribute (default
// "event_time_ms"); "" disables the tie-break.
func WithTimeAttribute(name string) Option { return func(c *writeConfig) { c.TimeAttr = name } }

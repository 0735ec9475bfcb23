package localstack

// Option configures Start.
type Option func(*options)

type options struct {
	shardLimit int
	dir        string
}

func defaultOptions() options {
	// kinesalite's own default of 10 is too low for multi-shard split/merge tests.
	return options{shardLimit: 50}
}

// WithShardLimit sets kinesalite's account-wide shard limit (default 50).
func WithShardLimit(n int) Option {
	return func(o *options) { o.shardLimit = n }
}

// WithDir keeps logs and data under dir instead of a fresh temporary directory.
// The directory is left in place by Stop, so a later Start WithDir(dir) sees the
// same streams, tables and objects.
func WithDir(dir string) Option {
	return func(o *options) { o.dir = dir }
}

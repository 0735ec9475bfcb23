package s3parquet

import "time"

// sinkConfig is the serializable configuration every DoFn of this package
// carries; Beam encodes DoFn fields as JSON, so fields are exported.
type sinkConfig struct {
	Bucket         string
	Prefix         string
	Table          string
	Shards         int
	MaxRows        int
	MaxBytes       int64
	RowGroupRows   int64
	Codec          string
	KMSKeyID       string
	PathStyle      bool
	UploadPartSize int64
	LocalDir       string
}

func newConfig(bucket, table string, opts []Option) sinkConfig {
	c := sinkConfig{
		Bucket:       bucket,
		Table:        table,
		Shards:       1,
		MaxRows:      1_000_000,
		MaxBytes:     256 << 20,
		RowGroupRows: 128 * 1024,
		Codec:        CodecZstd,
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Option configures Write and WriteJSONLines.
type Option func(*sinkConfig)

// Compression codec names accepted by WithCodec.
const (
	CodecZstd         = "zstd"
	CodecSnappy       = "snappy"
	CodecUncompressed = "uncompressed"
)

// WithPrefix puts every object under prefix (no leading or trailing slash).
func WithPrefix(prefix string) Option { return func(c *sinkConfig) { c.Prefix = prefix } }

// WithShards spreads each window's rows over n objects (default 1).
func WithShards(n int) Option { return func(c *sinkConfig) { c.Shards = n } }

// WithMaxRows rolls to a new part object after n rows (default 1,000,000).
func WithMaxRows(n int) Option { return func(c *sinkConfig) { c.MaxRows = n } }

// WithMaxBytes rolls to a new part object once the uncompressed size of its
// rows reaches n bytes (default 256 MiB). The compressed object is smaller.
func WithMaxBytes(n int64) Option { return func(c *sinkConfig) { c.MaxBytes = n } }

// WithRowGroupRows sets the maximum rows per Parquet row group (default 131072).
func WithRowGroupRows(n int64) Option { return func(c *sinkConfig) { c.RowGroupRows = n } }

// WithCodec sets the Parquet compression codec: CodecZstd (default),
// CodecSnappy or CodecUncompressed. JSON Lines objects are not compressed.
func WithCodec(codec string) Option { return func(c *sinkConfig) { c.Codec = codec } }

// WithKMSKey encrypts objects with SSE-KMS under keyID instead of SSE-S3.
func WithKMSKey(keyID string) Option { return func(c *sinkConfig) { c.KMSKeyID = keyID } }

// WithPathStyle forces path-style S3 addressing (bucket in the path), which
// local S3 servers need; AWS accepts it too.
func WithPathStyle() Option { return func(c *sinkConfig) { c.PathStyle = true } }

// WithUploadPartSize sets the multipart part size (default 5 MiB, the S3
// minimum); objects larger than one part are uploaded in parts.
func WithUploadPartSize(n int64) Option { return func(c *sinkConfig) { c.UploadPartSize = n } }

// WithLocalDir writes the objects as files under dir/<bucket>/, with the same
// keys and bytes, instead of uploading them to S3: for sample runs, tests and
// benchmarks on one machine. Every worker must see dir (a local runner's
// directory, or a shared mount); the files are not encrypted.
func WithLocalDir(dir string) Option { return func(c *sinkConfig) { c.LocalDir = dir } }

// ShardKeyer is implemented by row types that choose which rows share a shard
// (for example one restaurant's rows in one object). Without it rows are
// spread by a hash of their encoding.
type ShardKeyer interface {
	ShardKey() string
}

// PaneIndexer is implemented by row types that carry the pane of the
// aggregation that made them (the window KPIs). Their objects are named by
// that pane instead of the sink's own: each row is then in exactly one
// object, whatever the sink's GroupByKey fires. With accumulating panes the
// sink's later firings hold the earlier panes' rows again; named by the
// row's pane they rewrite the same objects with the same bytes, where named
// by the sink's pane they would be written again under a new name (and on
// prism, which fires a closing pane for every window, every window would
// get a second object).
type PaneIndexer interface {
	PaneIndex() int64
}

// PartitionTimer is implemented by row types that choose the dt/hour
// partition they are written to.
type PartitionTimer interface {
	PartitionTime() time.Time
}

package parse

import "time"

// Option configures Parse.
type Option func(*parseFn)

// WithMaxSkew sets how far ahead of now a timestamp may be (default 1 h).
func WithMaxSkew(d time.Duration) Option {
	return func(f *parseFn) { f.MaxSkewMillis = d.Milliseconds() }
}

// WithMaxBytes sets the payload size limit (default 256 KiB).
func WithMaxBytes(n int) Option {
	return func(f *parseFn) { f.MaxBytes = n }
}

// WithNow fixes the clock that future timestamps are judged against, for
// tests and replays of old data. A clock function cannot be used: DoFns are
// serialized to the workers, so the fixed instant travels as a field.
func WithNow(t time.Time) Option {
	return func(f *parseFn) { f.NowMillis = t.UnixMilli() }
}

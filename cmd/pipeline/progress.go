package main

import (
	"context"
	"flag"
	"log/slog"
	"time"

	"github.com/deliverypipe/deliverypipe/transforms/progress"
)

var progressEvery = flag.Duration("progress-every", 10*time.Second,
	"ops: on the in-process prism, log records read and throughput this often (0 = off)")

// reportProgress logs one line per interval with the records read so far and
// the rate since the last line, until the returned stop is called. It reads
// transforms/progress's in-process counter, which only the in-process prism
// feeds; Beam Go's metrics arrive only with the result of a finished job.
func reportProgress(ctx context.Context, every time.Duration) (stop func()) {
	if every <= 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		start, last, lastAt := time.Now(), progress.Records(), time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				n := progress.Records()
				slog.Info("progress", "records", n,
					"per_second", int64(float64(n-last)/now.Sub(lastAt).Seconds()),
					"mean_per_second", int64(float64(n)/now.Sub(start).Seconds()),
					"elapsed", now.Sub(start).Round(time.Second).String())
				last, lastAt = n, now
			}
		}
	}()
	return func() { cancel(); <-done }
}

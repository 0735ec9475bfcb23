package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/options/jobopts"

	"github.com/deliverypipe/deliverypipe/runners/jobcontrol"
)

var progressEvery = flag.Duration("progress-every", 30*time.Second,
	"ops: log the run's counts (records read and per second, valid, dead letters, duplicates, rows and items written) this often (0 = off)")

// ensureJobName gives the job a name when --job_name is empty, so the
// progress reporter can find it in the job service.
func ensureJobName() {
	if *jobopts.JobName == "" {
		*jobopts.JobName = fmt.Sprintf("deliverypipe-%d", time.Now().UnixNano())
	}
}

// reportProgress logs one line per interval with the counts of the running
// job, read from the job service's metrics (jobcontrol.Metrics), which every
// portable runner serves; the in-process prism's endpoint is known only
// once the run has started (*jobopts.Endpoint). It stops when the returned
// stop is called. Lines the runner cannot answer are skipped, not fatal.
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
		start, lastRead, lastAt := time.Now(), int64(0), time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				endpoint := *jobopts.Endpoint
				if endpoint == "" {
					continue
				}
				qctx, qcancel := context.WithTimeout(ctx, every)
				res, ok, err := jobcontrol.Metrics(qctx, endpoint, *jobopts.JobName)
				qcancel()
				if err != nil || !ok {
					if err != nil && ctx.Err() == nil {
						slog.Debug("progress: no metrics", "err", err)
					}
					continue
				}
				s := summarize(res.AllMetrics().Counters())
				attrs := append([]any{"per_second", int64(float64(s.Read-lastRead) / now.Sub(lastAt).Seconds())},
					s.attrs(now.Sub(start))...)
				slog.Info("progress", attrs...)
				lastRead, lastAt = s.Read, now
			}
		}
	}()
	return func() { cancel(); <-done }
}

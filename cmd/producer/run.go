package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"golang.org/x/time/rate"

	"github.com/deliverypipe/deliverypipe/internal/simulator"
	"github.com/deliverypipe/deliverypipe/io/awsconf"
	"github.com/deliverypipe/deliverypipe/io/kinesisio"
)

// flushEvery bounds how long an event waits in the Kinesis batch, which
// matters when --rate is low and a batch would take long to fill.
const flushEvery = 200 * time.Millisecond

// summary is what a run did.
type summary struct {
	Events, Bytes int64
	Elapsed       time.Duration
	Kinesis       kinesisio.WriterStats
}

func (s summary) String() string {
	secs := s.Elapsed.Seconds()
	return fmt.Sprintf("%d events, %d bytes in %.2f s: %.0f events/s, %d PutRecords calls, %d entries retried",
		s.Events, s.Bytes, secs, float64(s.Events)/max(secs, 1e-9), s.Kinesis.Calls, s.Kinesis.RetriedEntries)
}

// run produces o.count events to the configured outputs, reporting progress
// and a final summary on stderr.
func run(ctx context.Context, o options, stdout, stderr io.Writer) error {
	_, err := produce(ctx, o, stdout, stderr)
	return err
}

func produce(ctx context.Context, o options, stdout, stderr io.Writer) (summary, error) {
	var sum summary
	sim, err := simulator.New(o.sim)
	if err != nil {
		return sum, err
	}
	if o.dimsDir != "" {
		if err := sim.WriteDimensionsCSV(o.dimsDir); err != nil {
			return sum, err
		}
	}
	var w *kinesisio.Writer
	if o.stream != "" {
		cfg, err := awsconf.Load(ctx, awsconf.WithInsecureSkipTLSVerify(o.insecureTLS))
		if err != nil {
			return sum, err
		}
		client := kinesis.NewFromConfig(cfg)
		if o.createStream {
			if err := ensureStream(ctx, client, o.stream, int32(o.shards)); err != nil {
				return sum, err
			}
		} else if err := checkStream(ctx, client, o.stream, cfg.Region); err != nil {
			return sum, err
		}
		w = kinesisio.NewWriter(client, o.stream, kinesisio.WithMaxAttempts(o.maxAttempts))
	}
	var file *bufio.Writer
	closeFile := func() error { return nil }
	switch o.toFile {
	case "":
	case "-":
		file = bufio.NewWriterSize(stdout, 1<<16)
	default:
		f, err := os.Create(o.toFile)
		if err != nil {
			return sum, fmt.Errorf("--to-file: %w", err)
		}
		file, closeFile = bufio.NewWriterSize(f, 1<<16), f.Close
	}
	var limiter *rate.Limiter
	if o.rate > 0 {
		// A burst of 1/20 s of events keeps pacing smooth at high rates.
		limiter = rate.NewLimiter(rate.Limit(o.rate), max(1, int(o.rate/20)))
	}

	prog := newProgress(stderr, o.progressEvery)
	start := time.Now()
	lastFlush := start
	var runErr error
	for e := range sim.Events() {
		if o.count > 0 && sum.Events == o.count {
			break
		}
		if limiter != nil {
			runErr = limiter.Wait(ctx)
		} else {
			runErr = ctx.Err()
		}
		if runErr != nil {
			break
		}
		b, err := e.MarshalJSON() // direct: json.Marshal would re-scan the output
		if err != nil {
			runErr = fmt.Errorf("encode event %s: %w", e.EventID, err)
			break
		}
		if file != nil {
			file.Write(b)
			if err := file.WriteByte('\n'); err != nil {
				runErr = fmt.Errorf("--to-file: %w", err)
				break
			}
		}
		now := time.Now()
		if w != nil {
			if runErr = w.Put(ctx, e.OrderID, b); runErr == nil && now.Sub(lastFlush) >= flushEvery {
				runErr, lastFlush = w.Flush(ctx), now
			}
			if runErr != nil {
				break
			}
			sum.Kinesis = w.Stats()
		}
		sum.Events++
		sum.Bytes += int64(len(b))
		prog.update(now, sum)
	}
	// Deliver what is buffered even after an interrupt, but not for ever.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if w != nil {
		runErr = errors.Join(runErr, w.Flush(fctx))
		sum.Kinesis = w.Stats()
	}
	if file != nil {
		if err := errors.Join(file.Flush(), closeFile()); err != nil {
			runErr = errors.Join(runErr, fmt.Errorf("--to-file: %w", err))
		}
	}
	sum.Elapsed = time.Since(start)
	prog.finish(sum)
	if errors.Is(runErr, context.Canceled) {
		return sum, fmt.Errorf("interrupted after %d events", sum.Events)
	}
	return sum, runErr
}

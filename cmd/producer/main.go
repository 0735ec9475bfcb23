// Command producer simulates a food-delivery platform and sends its order
// events to a Kinesis stream with batched PutRecords calls (partition key =
// order_id, so an order's events stay in order on one shard), to a JSON-lines
// file, or both. The same --seed always produces the same events.
//
// --count counts events (not orders): the run stops after exactly that many
// events in emission order, so the last orders may be incomplete, as in a
// stream cut at any moment. The AWS endpoint, region and credentials come only
// from the standard SDK settings (AWS_ENDPOINT_URL_KINESIS, AWS_REGION,
// profiles).
//
// Examples:
//
//	producer --stream orders --create-stream --count 100000
//	producer --to-file events.jsonl --count 5000 --seed 7
//	producer --stream orders --rate 200 --count 0   # steady stream until interrupted
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/deliverypipe/deliverypipe/internal/simulator"
	"github.com/deliverypipe/deliverypipe/io/awsconf"
)

// options is everything the flags set.
type options struct {
	count         int64
	rate          float64
	stream        string
	createStream  bool
	shards        int
	toFile        string
	dimsDir       string
	maxAttempts   int
	progressEvery time.Duration
	insecureTLS   bool
	sim           simulator.Config
}

// parseFlags parses and checks args; every error says which flag to fix.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	def := simulator.DefaultConfig()
	o := options{sim: def}
	fs := flag.NewFlagSet("producer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Int64Var(&o.count, "count", 10000, "number of events to produce (0 = until interrupted)")
	fs.Float64Var(&o.rate, "rate", 0, "events per second (0 = as fast as possible)")
	fs.Int64Var(&o.sim.Seed, "seed", def.Seed, "random seed: the same seed gives the same events")
	fs.StringVar(&o.stream, "stream", "", "Kinesis stream name or ARN to send events to")
	fs.BoolVar(&o.createStream, "create-stream", false, "create --stream if it does not exist and wait until it is ACTIVE")
	fs.IntVar(&o.shards, "shards", 2, "shard count for --create-stream")
	fs.StringVar(&o.toFile, "to-file", "", "also write the events as JSON lines to this file (- = stdout)")
	fs.StringVar(&o.dimsDir, "dims-dir", "", "write restaurants.csv and drivers.csv into this directory")
	fs.IntVar(&o.maxAttempts, "max-attempts", 10, "PutRecords attempts per batch before failing")
	fs.BoolVar(&o.insecureTLS, awsconf.FlagName, false, awsconf.FlagUsage)
	fs.DurationVar(&o.progressEvery, "progress-every", 2*time.Second, "interval of progress lines when stderr is not a terminal")
	fs.IntVar(&o.sim.Restaurants, "restaurants", def.Restaurants, "number of simulated restaurants")
	fs.IntVar(&o.sim.Drivers, "drivers", def.Drivers, "number of simulated drivers")
	fs.Float64Var(&o.sim.OrdersPerMinute, "orders-per-minute", def.OrdersPerMinute, "order arrival rate in event time")
	start := fs.String("start", def.Start.Format(time.RFC3339), "event time of the first order (RFC 3339)")
	fs.Float64Var(&o.sim.CancelShare, "cancel-share", def.CancelShare, "share of orders that end cancelled")
	fs.Float64Var(&o.sim.OutOfOrderShare, "out-of-order-share", def.OutOfOrderShare, "share of events sent up to --out-of-order-by late")
	fs.DurationVar(&o.sim.OutOfOrderBy, "out-of-order-by", def.OutOfOrderBy, "maximum delay of out-of-order events")
	fs.Float64Var(&o.sim.DuplicateShare, "duplicate-share", def.DuplicateShare, "share of events sent twice")
	fs.Float64Var(&o.sim.LateShare, "late-share", def.LateShare, "share of events sent --late-by after their event time")
	fs.DurationVar(&o.sim.LateBy, "late-by", def.LateBy, "delay of late events")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	var errs []error
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected argument %q (all settings are --flags)", fs.Arg(0)))
	}
	t, err := time.Parse(time.RFC3339, *start)
	if err != nil {
		errs = append(errs, fmt.Errorf("--start must be an RFC 3339 time like 2024-01-15T11:00:00Z, got %q", *start))
	}
	o.sim.Start = t.UTC()
	if o.count < 0 {
		errs = append(errs, fmt.Errorf("--count must be >= 0 (0 = until interrupted), got %d", o.count))
	}
	if !(o.rate >= 0) {
		errs = append(errs, fmt.Errorf("--rate must be >= 0 (0 = as fast as possible), got %v", o.rate))
	}
	if o.stream == "" && o.toFile == "" {
		errs = append(errs, errors.New("nothing to write to: set --stream NAME and/or --to-file PATH"))
	}
	if o.createStream && o.stream == "" {
		errs = append(errs, errors.New("--create-stream needs --stream NAME"))
	}
	if o.shards < 1 {
		errs = append(errs, fmt.Errorf("--shards must be >= 1, got %d", o.shards))
	}
	if o.maxAttempts < 1 {
		errs = append(errs, fmt.Errorf("--max-attempts must be >= 1, got %d", o.maxAttempts))
	}
	if o.progressEvery <= 0 {
		errs = append(errs, fmt.Errorf("--progress-every must be > 0, got %s", o.progressEvery))
	}
	for _, s := range []struct {
		flag string
		v    float64
	}{{"cancel-share", o.sim.CancelShare}, {"out-of-order-share", o.sim.OutOfOrderShare}, {"duplicate-share", o.sim.DuplicateShare}, {"late-share", o.sim.LateShare}} {
		if !(s.v >= 0 && s.v <= 1) {
			errs = append(errs, fmt.Errorf("--%s must be between 0 and 1, got %v", s.flag, s.v))
		}
	}
	if len(errs) == 0 {
		// The simulator checks the rest (and combinations) in its own terms.
		o.sim.Orders = 0
		if err := o.sim.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("simulator settings: %w", err))
		}
	}
	return o, errors.Join(errs...)
}

func main() {
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "producer: %s\n(run with -h for all flags)\n", strings.ReplaceAll(err.Error(), "\n", "\nproducer: "))
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "producer: %v\n", err)
		os.Exit(1)
	}
}

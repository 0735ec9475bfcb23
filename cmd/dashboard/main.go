// Command dashboard serves a live web page of the pipeline's outputs: orders
// per minute by event type, GMV, delivery times per zone over the last hour,
// the slowest restaurants, and pipeline health (last window written, lag per
// shard from the checkpoint table, dead-letter count).
//
// It reads DynamoDB and S3 with the AWS SDK's default configuration
// (AWS_ENDPOINT_URL_DYNAMODB, AWS_PROFILE, ...) and listens on 127.0.0.1 by
// default. The page polls /api/summary and draws its charts as inline SVG.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

var (
	addr            = flag.String("addr", "127.0.0.1:8080", "listen address (port 0 = any free port)")
	kpiTable        = flag.String("kpi-table", "", "DynamoDB window KPI table (required)")
	statusTable     = flag.String("status-table", "", "DynamoDB order status table (optional)")
	checkpointTable = flag.String("checkpoint-table", "", "DynamoDB checkpoint table (optional; lag per shard)")
	bucket          = flag.String("bucket", "", "S3 bucket of the pipeline's tables (optional; dead-letter count)")
	prefix          = flag.String("prefix", "deliverypipe", "key prefix of the pipeline's tables in --bucket")
	horizon         = flag.Duration("horizon", time.Hour, "how far back from the latest window the page looks")
	refresh         = flag.Duration("refresh", 3*time.Second, "how often the page refreshes")
	slowest         = flag.Int("slowest", 10, "number of slowest restaurants shown")
	statusLimit     = flag.Int("status-page-size", 1000, "items per page when scanning the order status table")
	addrFile        = flag.String("addr-file", "", "write the listening address to this file once serving (scripts)")
	pathStyle       = flag.Bool("s3-path-style", false, "use path-style S3 addressing (local S3 servers)")
	duration        = flag.Duration("duration", 0, "stop after this long (0 = until interrupted)")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		slog.Error("dashboard failed", "err", err)
		os.Exit(1)
	}
}

func run() error {
	if *kpiTable == "" {
		return errors.New("--kpi-table is required: the DynamoDB table of window KPIs")
	}
	if *horizon <= 0 || *refresh <= 0 || *slowest <= 0 || *statusLimit <= 0 {
		return errors.New("--horizon, --refresh, --slowest and --status-page-size must be positive")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("loading AWS config: %w", err)
	}
	r := &reader{
		ddb: dynamodb.NewFromConfig(cfg),
		s3:  s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = *pathStyle }),
		src: Sources{
			KPITable: *kpiTable, StatusTable: *statusTable, CheckpointTable: *checkpointTable,
			DLQBucket: *bucket, DLQPrefix: strings.TrimSuffix(*prefix, "/") + "/dlq/",
			Horizon: *horizon, SlowestN: *slowest, StatusScanLimit: int32(*statusLimit),
		},
		now:       time.Now,
		lineCache: map[string]int64{},
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("--addr=%s: %w", *addr, err)
	}
	url := "http://" + ln.Addr().String() + "/"
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(url+"\n"), 0o644); err != nil {
			return fmt.Errorf("--addr-file: %w", err)
		}
	}
	srv := &http.Server{
		Handler:           (&server{r: r, refresh: *refresh, minAge: *refresh / 2}).handler(),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	slog.Info("dashboard serving", "url", url, "kpi_table", *kpiTable)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

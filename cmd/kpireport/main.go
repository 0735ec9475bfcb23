// Command kpireport prints the window KPIs stored in DynamoDB as a table and
// lists the objects the pipeline wrote to S3: what `make demo` shows.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/deliverypipe/deliverypipe/pipelines/delivery/tables"
	"github.com/deliverypipe/deliverypipe/transforms/event"
)

var (
	kpiTable  = flag.String("kpi-table", "", "DynamoDB window KPI table (required)")
	bucket    = flag.String("bucket", "", "S3 bucket to list (optional)")
	prefix    = flag.String("prefix", "deliverypipe", "key prefix to list")
	maxRows   = flag.Int("rows", 30, "print at most this many windows (the latest)")
	pathStyle = flag.Bool("s3-path-style", false, "use path-style S3 addressing (local S3 servers)")
)

func main() {
	flag.Parse()
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "kpireport:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	if *kpiTable == "" {
		return errors.New("--kpi-table is required")
	}
	if *maxRows < 1 {
		return fmt.Errorf("--rows must be at least 1, got %d", *maxRows)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("loading AWS config: %w", err)
	}
	counts, err := scanCounts(ctx, dynamodb.NewFromConfig(cfg))
	if err != nil {
		return err
	}
	if len(counts) == 0 {
		return fmt.Errorf("table %s holds no event-type KPIs: did the pipeline run?", *kpiTable)
	}
	printCounts(counts)
	if *bucket != "" {
		return listObjects(ctx, s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = *pathStyle }))
	}
	return nil
}

func scanCounts(ctx context.Context, c *dynamodb.Client) (map[int64]map[string]tables.EventTypeItem, error) {
	out := map[int64]map[string]tables.EventTypeItem{}
	pages := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String(*kpiTable)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scanning %s: %w", *kpiTable, err)
		}
		var items []tables.EventTypeItem
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, fmt.Errorf("decoding items of %s: %w", *kpiTable, err)
		}
		for _, it := range items {
			if !strings.HasPrefix(it.PK, tables.EventTypeKey("")) {
				continue
			}
			if out[it.SK] == nil {
				out[it.SK] = map[string]tables.EventTypeItem{}
			}
			out[it.SK][it.EventType] = it
		}
	}
	return out, nil
}

func printCounts(counts map[int64]map[string]tables.EventTypeItem) {
	starts := make([]int64, 0, len(counts))
	for s := range counts {
		starts = append(starts, s)
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
	if len(starts) > *maxRows {
		fmt.Printf("(%d windows; showing the latest %d)\n", len(starts), *maxRows)
		starts = starts[len(starts)-*maxRows:]
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(w, "window start (UTC)\twindow end\t")
	for _, t := range event.Types {
		fmt.Fprintf(w, "%s\t", t)
	}
	fmt.Fprint(w, "pane\t\n")
	for _, s := range starts {
		row := counts[s]
		var end int64
		var pane int64
		for _, it := range row {
			end, pane = it.WindowEnd, max(pane, it.Pane)
		}
		fmt.Fprintf(w, "%s\t%s\t", time.UnixMilli(s).UTC().Format("2006-01-02 15:04"), time.UnixMilli(end).UTC().Format("15:04"))
		for _, t := range event.Types {
			fmt.Fprintf(w, "%d\t", row[string(t)].Count)
		}
		fmt.Fprintf(w, "%d\t\n", pane)
	}
	w.Flush()
}

func listObjects(ctx context.Context, c *s3.Client) error {
	pages := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(*bucket), Prefix: aws.String(*prefix)})
	n, size := 0, int64(0)
	fmt.Printf("\nObjects in s3://%s/%s:\n", *bucket, *prefix)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing s3://%s/%s: %w", *bucket, *prefix, err)
		}
		for _, o := range page.Contents {
			n++
			size += aws.ToInt64(o.Size)
			if n <= 12 {
				fmt.Printf("  %8d  %s\n", aws.ToInt64(o.Size), aws.ToString(o.Key))
			}
		}
	}
	if n > 12 {
		fmt.Printf("  ... %d more\n", n-12)
	}
	fmt.Printf("%d objects, %d bytes\n", n, size)
	return nil
}

package compare

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/deliverypipe/deliverypipe/pipelines/delivery"
	"github.com/deliverypipe/deliverypipe/transforms/enrich"
)

// ArchivedEvents counts the rows of each event_id in the events archive
// (Parquet): after a run over a stream, every distinct event must be there
// exactly once, whatever replays happened.
func ArchivedEvents(ctx context.Context, cfg aws.Config, k Sinks) (map[string]int, error) {
	rows, err := readParquet[enrich.ArchiveRow](ctx, s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }), k.Bucket, k.Prefix+"/"+delivery.EventsTableName+"/")
	if err != nil {
		return nil, fmt.Errorf("compare: events archive: %w", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.EventID]++
	}
	return out, nil
}

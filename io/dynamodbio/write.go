package dynamodbio

import (
	"context"
	"fmt"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func init() {
	register.DoFn2x1[context.Context, beam.X, error](&batchWriteFn{})
}

// batchSize is BatchWriteItem's limit of items per call.
const batchSize = 25

// Write puts every element of col, a PCollection<T>, as an item into table
// with BatchWriteItem (25 items per call), retrying throttling and
// UnprocessedItems with backoff and failing the bundle after a bounded number
// of attempts. Puts replace whole items, so replays are idempotent. Elements
// of one bundle must not share a key (BatchWriteItem refuses such batches);
// use UpsertVersioned or UpsertForward for several versions of one item.
func Write(s beam.Scope, col beam.PCollection, table string, opts ...Option) {
	s = s.Scope("dynamodbio.Write")
	beam.ParDo0(s, &batchWriteFn{Cfg: newConfig(table, "", opts)}, col)
}

type batchWriteFn struct {
	Cfg writeConfig

	client  *dynamodb.Client
	pending []types.WriteRequest
	items   beam.Counter
	retries beam.Counter
}

func (f *batchWriteFn) Setup(ctx context.Context) error {
	var err error
	if f.client, err = newClient(ctx); err != nil {
		return fmt.Errorf("dynamodbio: load AWS config: %w", err)
	}
	f.items = beam.NewCounter("dynamodbio", "items_written_"+f.Cfg.Table)
	f.retries = beam.NewCounter("dynamodbio", "batch_retries_"+f.Cfg.Table)
	return nil
}

func (f *batchWriteFn) ProcessElement(ctx context.Context, row beam.X) error {
	item, err := attributevalue.MarshalMap(row)
	if err != nil {
		return fmt.Errorf("dynamodbio: marshal item for %s: %w", f.Cfg.Table, err)
	}
	f.pending = append(f.pending, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	if len(f.pending) == batchSize {
		return f.flush(ctx)
	}
	return nil
}

func (f *batchWriteFn) FinishBundle(ctx context.Context) error { return f.flush(ctx) }

// flush writes the pending batch, resending what DynamoDB left unprocessed.
func (f *batchWriteFn) flush(ctx context.Context) error {
	reqs := f.pending
	f.pending = nil
	n := len(reqs)
	for attempt := 1; len(reqs) > 0; attempt++ {
		if attempt > f.Cfg.MaxAttempts {
			return fmt.Errorf("dynamodbio: BatchWriteItem on %s: %d of %d items still unprocessed after %d attempts", f.Cfg.Table, len(reqs), n, f.Cfg.MaxAttempts)
		}
		if attempt > 1 {
			f.retries.Inc(ctx, 1)
			if err := backoff(ctx, f.Cfg, attempt-1); err != nil {
				return err
			}
		}
		out, err := f.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
			RequestItems: map[string][]types.WriteRequest{f.Cfg.Table: reqs},
		})
		if err != nil {
			if throttled(err) {
				continue
			}
			return fmt.Errorf("dynamodbio: BatchWriteItem on %s: %w", f.Cfg.Table, err)
		}
		f.items.Inc(ctx, int64(len(reqs)-len(out.UnprocessedItems[f.Cfg.Table])))
		reqs = out.UnprocessedItems[f.Cfg.Table]
	}
	return nil
}

package checkpoint

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/deliverypipe/deliverypipe/io/dynamodbio"
	"github.com/deliverypipe/deliverypipe/io/kinesisio"
)

// FinalWatermark is the committed watermark of a bounded run that ended:
// every output is final.
const FinalWatermark = int64(math.MaxInt64)

// Entry is one shard's row of the checkpoint table.
type Entry struct {
	Stream  string `dynamodbav:"stream"`
	ShardID string `dynamodbav:"shard_id"`
	// Sequence and SubSequence are the checkpoint: a restart resumes after it.
	Sequence    string `dynamodbav:"sequence"`
	SubSequence int64  `dynamodbav:"sub_sequence"`
	// WatermarkMillis is the committed watermark: windows ending at or
	// before it are final.
	WatermarkMillis int64 `dynamodbav:"watermark_ms"`
	UpdatedMillis   int64 `dynamodbav:"updated_ms"`
	LagMillis       int64 `dynamodbav:"lag_ms"`
	// ReadSequence is the furthest position the stage had seen at the write.
	ReadSequence string `dynamodbav:"read_sequence"`
}

// Position is the entry's checkpoint as the reader takes it.
func (e Entry) Position() kinesisio.Position {
	return kinesisio.Position{Sequence: e.Sequence, SubSequence: e.SubSequence}
}

// Table reads and writes a checkpoint table.
type Table struct {
	client *dynamodb.Client
	name   string
}

// NewTable returns the checkpoint table name reached through client.
func NewTable(client *dynamodb.Client, name string) *Table {
	return &Table{client: client, name: name}
}

// Ensure creates the table (stream S, shard_id S; on-demand billing) if it
// does not exist and waits until it is ACTIVE.
func (t *Table) Ensure(ctx context.Context) error {
	err := dynamodbio.EnsureTable(ctx, t.client, dynamodbio.OnDemandTable(t.name,
		dynamodbio.Key{Name: "stream", Type: types.ScalarAttributeTypeS, Role: types.KeyTypeHash},
		dynamodbio.Key{Name: "shard_id", Type: types.ScalarAttributeTypeS, Role: types.KeyTypeRange}))
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// Load returns the entries of stream, by shard id.
func (t *Table) Load(ctx context.Context, stream string) (map[string]Entry, error) {
	out := map[string]Entry{}
	pages := dynamodb.NewQueryPaginator(t.client, &dynamodb.QueryInput{
		TableName:                 aws.String(t.name),
		KeyConditionExpression:    aws.String("#s = :s"),
		ExpressionAttributeNames:  map[string]string{"#s": "stream"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: stream}},
		ConsistentRead:            aws.Bool(true),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("checkpoint: query %s for stream %s: %w", t.name, stream, err)
		}
		var items []Entry
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, fmt.Errorf("checkpoint: decode items of %s: %w", t.name, err)
		}
		for _, e := range items {
			out[e.ShardID] = e
		}
	}
	return out, nil
}

// Commit writes e if its watermark is ahead of the stored one (or nothing is
// stored), so a stale or replayed commit never moves a checkpoint back. It
// reports whether the write applied.
func (t *Table) Commit(ctx context.Context, e Entry) (bool, error) {
	item, err := attributevalue.MarshalMap(e)
	if err != nil {
		return false, fmt.Errorf("checkpoint: marshal entry for %s/%s: %w", e.Stream, e.ShardID, err)
	}
	_, err = t.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(t.name),
		Item:                      item,
		ConditionExpression:       aws.String("attribute_not_exists(#s) OR #w < :w"),
		ExpressionAttributeNames:  map[string]string{"#s": "stream", "#w": "watermark_ms"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":w": item["watermark_ms"]},
	})
	var failed *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &failed):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("checkpoint: put %s/%s into %s: %w", e.Stream, e.ShardID, t.name, err)
	}
	return true, nil
}

// Resume is what a restarted run needs from the table: the reader's
// checkpoints and the time up to which outputs are final.
type Resume struct {
	Positions map[string]kinesisio.Position
	// FinalUntil is the largest committed watermark over the shards (Unix
	// ms); zero when nothing is committed. The stage commits every shard with
	// the same watermark; after a crash between two of those writes, the
	// largest is right: a shard still at an older position only replays more.
	FinalUntil int64
}

// ResumeFrom turns the entries of one stream into a Resume.
func ResumeFrom(entries map[string]Entry) Resume {
	r := Resume{Positions: map[string]kinesisio.Position{}}
	for id, e := range entries {
		r.Positions[id] = e.Position()
		r.FinalUntil = max(r.FinalUntil, e.WatermarkMillis)
	}
	return r
}

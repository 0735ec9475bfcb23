package dynamodbio

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestEnsureTable(t *testing.T) {
	c := setup(t)
	ctx := context.Background()
	table := tableName(t)
	in := &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	}
	// Twice: an existing table is not an error.
	for range 2 {
		if err := EnsureTable(ctx, c, in); err != nil {
			t.Fatal(err)
		}
	}
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	if d.Table.TableStatus != types.TableStatusActive {
		t.Errorf("status %s, want ACTIVE", d.Table.TableStatus)
	}
	if len(d.Table.KeySchema) != 1 || *d.Table.KeySchema[0].AttributeName != "id" || d.Table.KeySchema[0].KeyType != types.KeyTypeHash {
		t.Errorf("key schema %+v, want id HASH", d.Table.KeySchema)
	}
}

func TestEnsureTableNeedsAName(t *testing.T) {
	for _, in := range []*dynamodb.CreateTableInput{nil, {}, {TableName: aws.String("")}} {
		if err := EnsureTable(context.Background(), nil, in); err == nil {
			t.Errorf("EnsureTable(%+v) = nil, want an error", in)
		}
	}
}

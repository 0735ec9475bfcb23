package dynamodbio

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestEnsureTable(t *testing.T) {
	c := setup(t)
	ctx := context.Background()
	table := tableName(t)
	in := OnDemandTable(table, Key{"id", types.ScalarAttributeTypeS, types.KeyTypeHash}, Key{"at", types.ScalarAttributeTypeN, types.KeyTypeRange})
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
	var got []string
	attrTypes := map[string]types.ScalarAttributeType{}
	for _, a := range d.Table.AttributeDefinitions {
		attrTypes[*a.AttributeName] = a.AttributeType
	}
	for _, k := range d.Table.KeySchema {
		got = append(got, fmt.Sprintf("%s %s %s", *k.AttributeName, attrTypes[*k.AttributeName], k.KeyType))
	}
	if want := []string{"id S HASH", "at N RANGE"}; !slices.Equal(got, want) {
		t.Errorf("keys %q, want %q", got, want)
	}
	if d.Table.BillingModeSummary == nil || d.Table.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("billing mode summary %+v, want PAY_PER_REQUEST", d.Table.BillingModeSummary)
	}
}

func TestEnsureTableNeedsAName(t *testing.T) {
	for _, in := range []*dynamodb.CreateTableInput{nil, {}, {TableName: aws.String("")}} {
		if err := EnsureTable(context.Background(), nil, in); err == nil {
			t.Errorf("EnsureTable(%+v) = nil, want an error", in)
		}
	}
}

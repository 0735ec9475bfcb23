package dynamodbio

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestEnsureTables(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ensure func(context.Context, *dynamodb.Client, string) error
		keys   map[string]types.KeyType
	}{
		{"kpi", EnsureKPITable, map[string]types.KeyType{"pk": types.KeyTypeHash, "sk": types.KeyTypeRange}},
		{"status", EnsureStatusTable, map[string]types.KeyType{"order_id": types.KeyTypeHash}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := setup(t)
			ctx := context.Background()
			table := tableName(t)
			// Twice: an existing table is not an error.
			for range 2 {
				if err := tc.ensure(ctx, c, table); err != nil {
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
			got := map[string]types.KeyType{}
			for _, k := range d.Table.KeySchema {
				got[*k.AttributeName] = k.KeyType
			}
			if len(got) != len(tc.keys) {
				t.Fatalf("key schema %v, want %v", got, tc.keys)
			}
			for k, v := range tc.keys {
				if got[k] != v {
					t.Errorf("key schema %v, want %v", got, tc.keys)
				}
			}
			if d.Table.BillingModeSummary == nil || d.Table.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
				t.Errorf("billing mode summary %+v, want PAY_PER_REQUEST", d.Table.BillingModeSummary)
			}
		})
	}
}

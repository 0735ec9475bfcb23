package tables

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/deliverypipe/deliverypipe/testing/localstack"
)

// TestMain stops the shared local AWS stack at the end.
func TestMain(m *testing.M) {
	os.Exit(localstack.Finish(m.Run()))
}

// TestEnsureTables creates the job's two tables on the local DynamoDB
// server and checks what the sinks and readers rely on: the keys, their
// types and on-demand billing.
func TestEnsureTables(t *testing.T) {
	st := localstack.Shared(t)
	st.SetEnv(t)
	cfg, err := st.AWSConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := dynamodb.NewFromConfig(cfg)
	for _, tc := range []struct {
		name   string
		ensure func(context.Context, *dynamodb.Client, string) error
		keys   map[string]string // attribute: key type / attribute type
	}{
		{"kpi", EnsureKPITable, map[string]string{"pk": "HASH/S", "sk": "RANGE/N"}},
		{"status", EnsureStatusTable, map[string]string{"order_id": "HASH/S"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			table := fmt.Sprintf("tables-%s-%d", tc.name, time.Now().UnixNano()%1e9)
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
			attrTypes := map[string]string{}
			for _, a := range d.Table.AttributeDefinitions {
				attrTypes[*a.AttributeName] = string(a.AttributeType)
			}
			got := map[string]string{}
			for _, k := range d.Table.KeySchema {
				got[*k.AttributeName] = string(k.KeyType) + "/" + attrTypes[*k.AttributeName]
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.keys) {
				t.Errorf("keys %v, want %v", got, tc.keys)
			}
			if d.Table.BillingModeSummary == nil || d.Table.BillingModeSummary.BillingMode != "PAY_PER_REQUEST" {
				t.Errorf("billing mode summary %+v, want PAY_PER_REQUEST", d.Table.BillingModeSummary)
			}
		})
	}
}

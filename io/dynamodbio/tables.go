package dynamodbio

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// tableWait bounds the wait for a new table to become ACTIVE.
const tableWait = 5 * time.Minute

// Key is one key attribute of a table: its name, its scalar type and its
// role (types.KeyTypeHash for the partition key, types.KeyTypeRange for the
// sort key).
type Key struct {
	Name string
	Type types.ScalarAttributeType
	Role types.KeyType
}

// OnDemandTable is the definition of a table named name with keys, billed on
// demand (PAY_PER_REQUEST), for EnsureTable.
func OnDemandTable(name string, keys ...Key) *dynamodb.CreateTableInput {
	in := &dynamodb.CreateTableInput{TableName: aws.String(name), BillingMode: types.BillingModePayPerRequest}
	for _, k := range keys {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(k.Name), AttributeType: k.Type})
		in.KeySchema = append(in.KeySchema, types.KeySchemaElement{AttributeName: aws.String(k.Name), KeyType: k.Role})
	}
	return in
}

// EnsureTable creates the table that in describes if it does not exist (an
// existing table is left as it is, whatever its schema), and waits until it
// is ACTIVE. The tables a job writes are the job's to define; this is the
// create-or-keep step every sink's setup needs.
func EnsureTable(ctx context.Context, client *dynamodb.Client, in *dynamodb.CreateTableInput) error {
	if in == nil || in.TableName == nil || *in.TableName == "" {
		return errors.New("dynamodbio: EnsureTable needs a table name")
	}
	_, err := client.CreateTable(ctx, in)
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("dynamodbio: create table %s: %w", *in.TableName, err)
	}
	// The SDK's default first poll comes after 20 s; tables are usually ACTIVE
	// within seconds.
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 500*time.Millisecond, 10*time.Second
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: in.TableName}, tableWait); err != nil {
		return fmt.Errorf("dynamodbio: wait for table %s: %w", *in.TableName, err)
	}
	return nil
}

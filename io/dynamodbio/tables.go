package dynamodbio

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// tableWait bounds the wait for a new table to become ACTIVE.
const tableWait = 5 * time.Minute

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

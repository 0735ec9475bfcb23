package tables

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/deliverypipe/deliverypipe/io/dynamodbio"
)

// KPITable is the definition of the window KPI table named name: partition
// key pk (S, the entity: EventTypePrefix, RestaurantPrefix or ZonePrefix and
// its id), sort key sk (N, the window start in Unix ms), on-demand billing.
// dynamodbio.UpsertVersioned writes it with the pane attribute "pane".
func KPITable(name string) *dynamodb.CreateTableInput {
	return dynamodbio.OnDemandTable(name,
		dynamodbio.Key{Name: "pk", Type: types.ScalarAttributeTypeS, Role: types.KeyTypeHash},
		dynamodbio.Key{Name: "sk", Type: types.ScalarAttributeTypeN, Role: types.KeyTypeRange})
}

// StatusTable is the definition of the order status table named name:
// partition key order_id (S), on-demand billing. dynamodbio.UpsertForward
// writes it with the rank of event.Type.Rank (created 1, accepted 2,
// picked_up 3, delivered and cancelled 4) and the event time in
// event_time_ms.
func StatusTable(name string) *dynamodb.CreateTableInput {
	return dynamodbio.OnDemandTable(name, dynamodbio.Key{Name: "order_id", Type: types.ScalarAttributeTypeS, Role: types.KeyTypeHash})
}

// EnsureKPITable creates the window KPI table (KPITable) if it does not
// exist and waits until it is ACTIVE.
func EnsureKPITable(ctx context.Context, client *dynamodb.Client, name string) error {
	if err := dynamodbio.EnsureTable(ctx, client, KPITable(name)); err != nil {
		return fmt.Errorf("KPI table: %w", err)
	}
	return nil
}

// EnsureStatusTable creates the order status table (StatusTable) if it does
// not exist and waits until it is ACTIVE.
func EnsureStatusTable(ctx context.Context, client *dynamodb.Client, name string) error {
	if err := dynamodbio.EnsureTable(ctx, client, StatusTable(name)); err != nil {
		return fmt.Errorf("status table: %w", err)
	}
	return nil
}

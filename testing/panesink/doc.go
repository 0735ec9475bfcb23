// Package panesink holds an end-to-end check, run on Flink (build tag flink,
// make test-kpi-flink), that late panes reach the pane-versioned DynamoDB
// sink: windowed KPIs with a late element → io/dynamodbio.UpsertVersioned on
// the local AWS stack → the item holds the LATE pane's accumulated value.
package panesink

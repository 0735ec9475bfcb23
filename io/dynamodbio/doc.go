// Package dynamodbio writes PCollections to Amazon DynamoDB: plain batched
// writes (Write) and two idempotent conditional upserts for state that must
// never move backwards under replays and out-of-order input (UpsertVersioned,
// UpsertForward). Items are produced from the element type T with
// attributevalue.MarshalMap, so T's dynamodbav tags name the attributes.
//
// No transactions are used (the local DynamoDB server has none); every write
// is a single-item operation or a BatchWriteItem, and correctness under
// concurrency comes from condition expressions alone.
//
// # Tables
//
// The tables are the job's to define; EnsureTable creates one if it is
// missing and waits until it is ACTIVE. The upserts expect these attributes
// (their names are options):
//
// Pane-versioned table (written by UpsertVersioned), e.g. window aggregates:
//
//	pk    S  partition key: the entity, e.g. "restaurant#r42"
//	sk    N  sort key, e.g. the window start in Unix milliseconds
//	pane  N  the pane index of the window firing that produced the item
//	...      the values (whatever else T marshals to)
//
// An item is written only if attribute_not_exists(pk) OR pane <= :pane: a late
// pane replaces an earlier one, a replayed pane rewrites the same values, and
// an older pane arriving after a newer one is refused (metric
// dynamodbio/skipped_older_pane).
//
// Forward-only table (written by UpsertForward), e.g. the status of an
// entity that moves through ranked states:
//
//	order_id       S  partition key
//	rank           N  the rank of the state (higher is later)
//	event_time_ms  N  event time of the state, Unix milliseconds
//	...               the state and whatever else T marshals to
//
// An item is written only if attribute_not_exists(order_id) OR rank < :rank OR
// (rank = :rank AND event_time_ms < :event_time_ms). So the stored item is the
// greatest by (rank, event time) of all events seen, whatever their arrival
// order: an out-of-order or replayed event never rolls the status back, and of
// two events of equal rank (delivered and cancelled are both final) the later
// one in event time wins; an exact tie keeps the first written (metric
// dynamodbio/skipped_not_forward). WithTimeAttribute("") drops the tie-break,
// so equal ranks keep the first written.
//
// Within a bundle UpsertForward sends one put per order, the greatest of that
// order's rows by the same order (up to 4096 orders per flush; metric
// dynamodbio/coalesced_<table> counts the rows not sent): the others could not
// be what the table ends with. A replay or catch-up bundle holds several
// events of most orders, so this cuts the conditional puts several times.
//
// Attribute names are options (WithKeyAttribute, WithPaneAttribute, ...).
//
// # Retries
//
// Throttling errors and BatchWriteItem's UnprocessedItems are retried with
// exponential backoff and full jitter, on top of the SDK's own retries; after
// WithMaxAttempts attempts (default 10) the bundle fails with an error naming
// the table and the number of items left, so the runner retries the bundle
// (all writes are idempotent).
package dynamodbio

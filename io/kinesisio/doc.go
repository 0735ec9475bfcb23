// Package kinesisio reads from and writes to Amazon Kinesis Data Streams in
// Beam Go pipelines.
//
// The Beam Go SDK ships no Kinesis connector, so this package provides one,
// shaped like Beam's io/natsio:
//
//   - Read is an unbounded splittable DoFn. Its restriction is a shard group:
//     the positions of a set of shards, parents and their descendants together,
//     because an SDF cannot feed newly discovered child shards back to itself.
//     It self-checkpoints regularly (ResumeProcessingIn), which is what Flink's
//     portable runner needs to checkpoint an SDF.
//   - ReadBounded reads the same way but stops (at the stream tip present at
//     start, after N records or after a duration), producing a bounded
//     PCollection for batch runners such as Spark and for tests.
//   - Write sends a PCollection with batched PutRecords calls.
//
// Within a group, the shards are fetched concurrently (one GetRecords call per
// due shard at a time, each shard at most every 200 ms and 2 MB/s, counted from
// the call's start); their records are claimed and emitted in ProcessElement,
// in each shard's order.
//
// # Resharding and order
//
// Every record is read exactly once across splits and merges, with any number
// of groups: a child shard is read only after the parents in its group are
// read to their end. Per-key order (a key lives in one shard at a time) is kept
// across resharding only with one group (WithGroups(1), the default). With more
// groups a merged child goes to the group of its ParentShardId, and its other
// parent (AdjacentParentShardId) may live in another group: the child can then
// be read before that group has finished the second parent, so records of a
// key that moved from that parent into the child can come out of order.
//
// Sequence numbers are decimal strings of up to 129 digits and are compared as
// big integers. KPL-aggregated records are de-aggregated into user records that
// carry a sub-sequence number, so a checkpoint can point inside an aggregate.
//
// # Stopping an unbounded read
//
// A pipeline with Read never ends by itself. Do not stop it by cancelling the
// context given to beamx.Run: prism v2.62 panics on that. Cancel the job
// through the job service instead, which every portable runner serves:
// run with --job_name=NAME and call
//
//	jobcontrol.Cancel(ctx, endpoint, "NAME")
//
// (package runners/jobcontrol; for the in-process prism the endpoint is
// *jobopts.Endpoint once the run has started). The job ends CANCELLED,
// beamx.Run returns nil and the result carries the metrics of every finished
// bundle; jobcontrol.Metrics shows them while the job runs, so a caller can
// cancel once the committed "records" counter reaches what it expects.
//
// # Metrics
//
// In namespace "kinesisio", with names that do not depend on the shards (so
// their number does not grow with every reshard): records, bytes,
// read_calls, throttles (every throttled attempt, including those the SDK
// retried), expired_iterators, the distribution lag_ms (arrival time of each
// read's last record behind now), and throttles_list_shards for shard
// discovery.
package kinesisio

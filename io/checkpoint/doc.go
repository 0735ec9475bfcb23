// Package checkpoint keeps, per Kinesis shard, where a restarted pipeline
// resumes and which of its outputs are already final, in a DynamoDB table.
//
// The Beam stage (Commit) sits downstream of the sinks: its input watermark
// is held by every sink's output, so when its event-time timer fires at T,
// every window ending before T has all its on-time panes written, and every
// window ending at or before W = T − allowed lateness is final. For each
// shard it then stores:
//
//   - the position from which a replay must start: the first record (in shard
//     order) whose event time is at or after W − horizon, where horizon is how
//     far back in event time the state that feeds a non-final output reaches
//     (windows, dedup, order lifecycle);
//   - W, the committed watermark: outputs of windows ending at or before W are
//     final and a restarted run drops them (DropFinal) instead of rewriting
//     them from the partial state a replay rebuilds.
//
// Positions reach the stage as per-shard, per-minute summaries (a lifted
// combiner: min and max position), never one state access per record. The
// table write is conditional: the committed watermark only moves forward.
//
// Table layout (EnsureTable): partition key stream (S), sort key shard_id (S);
// attributes sequence (S) and sub_sequence (N) — the checkpoint in
// kinesisio.WithCheckpoint's sense (resume after it) —, watermark_ms (N),
// updated_ms (N), lag_ms (N: wall clock minus committed watermark at the
// write) and read_sequence (S: the furthest position the stage had seen).
// A bounded run ends with the watermark at +∞: it stores the last position of
// every shard and watermark_ms = FinalWatermark.
package checkpoint

// Package s3parquet writes windowed PCollections to Amazon S3 as Parquet (Write)
// or JSON Lines (WriteJSONLines) objects whose names are a pure function of
// their content's window, pane and shard, so a replayed bundle overwrites its
// own objects instead of adding duplicates.
//
// # Object layout
//
//	<prefix>/<table>/dt=YYYY-MM-DD/hour=HH/<start>-<end>-p<pane>-s<shard>[-part<k>].parquet
//
// start and end are the window bounds in UTC (20060102T150405Z); the global
// window is written as "global". dt and hour come from the partition time:
// the window start for interval windows, or, in the global window, the
// element's event timestamp. A row type implementing PartitionTimer chooses
// its own partition time instead (rows of one group with different partition
// hours go to different objects).
//
// # Determinism
//
// Rows are keyed by a shard number (a hash of the row's Parquet encoding, or
// of ShardKey() when the row implements ShardKeyer), grouped, and sorted by
// their Parquet encoding before writing; with a fixed writer configuration the
// same rows give byte-identical objects and ETags. Go map fields are encoded
// by parquet-go in map iteration order, so row types that must replay
// byte-identically should use sorted slices instead of maps.
//
// # Panes
//
// The pane in the name is the row's own for row types that implement
// PaneIndexer (the window KPIs, which carry the pane of their aggregation as
// a column), so every row is in exactly one object; for other rows it is the
// pane of the sink's own GroupByKey (beam.PaneInfo). A reader that wants one
// row per key and window takes the highest pane (the "latest" views of the
// DDL). The sink's GroupByKey inherits the input's windowing strategy: with
// accumulating panes its later firings hold every row of the window so far,
// so PaneIndexer rows of an earlier pane rewrite their object with the same
// bytes, and other rows land in a new object holding them all; with
// discarding panes a firing holds only the new rows. An input with only
// on-time panes gives p0 on every run.
//
// # Latest-pane views
//
// A reader of windowed tables (Athena, DuckDB, Spark) that lists a window's
// objects sees one row per key and pane. So next to a windowed table's
// CREATE EXTERNAL TABLE (AthenaDDL), a job can ship a view <table>_latest
// (AthenaLatestPaneView)
// that keeps, per key and window_start, the row of the highest pane: the
// final value, as panes accumulate. Its query (LatestPaneSelect) uses a
// window function in a subquery rather than QUALIFY, so it runs on Athena's
// engine versions, DuckDB and Spark SQL alike; LatestPaneSelect renders it
// over any relation, such as DuckDB's read_parquet of a local directory.
// Pane-named objects stay as they are: a replay rewrites the same names,
// which exactly-once relies on.
//
// # Encryption and transport
//
// Every object is uploaded with server-side encryption: SSE-S3 (AES256) by
// default, SSE-KMS with WithKMSKey. Uploads go through the S3 transfer
// manager, which switches to multipart uploads for large objects. Clients are
// built from the AWS default configuration chain (credentials, region and
// AWS_ENDPOINT_URL_S3); WithPathStyle forces path-style addressing for local
// S3 servers. WithLocalDir writes the same objects as files under a local
// directory instead (dir/<bucket>/<key>), for runs on one machine.
//
// Write and WriteJSONLines return the s3:// (or, with WithLocalDir, file://)
// URIs of the objects they wrote, in the input's windows, so later stages can
// depend on committed output.
package s3parquet

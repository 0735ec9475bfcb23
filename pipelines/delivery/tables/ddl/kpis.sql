-- Event counts per type and sliding window (kpi.EventTypeCount). Panes accumulate: the row
-- with the highest pane per (window_start, event_type) is the final value.
CREATE EXTERNAL TABLE IF NOT EXISTS ${DATABASE}.kpis (
  window_start timestamp,
  window_end timestamp,
  pane bigint,
  timing string,
  event_type string,
  count bigint
)
PARTITIONED BY (dt string, hour string)
STORED AS PARQUET
LOCATION 's3://${BUCKET}/${PREFIX}/kpis/'
TBLPROPERTIES (
  'parquet.compression'       = 'ZSTD',
  'projection.enabled'        = 'true',
  'projection.dt.type'        = 'date',
  'projection.dt.format'      = 'yyyy-MM-dd',
  'projection.dt.range'       = '2024-01-01,NOW',
  'projection.hour.type'      = 'integer',
  'projection.hour.range'     = '0,23',
  'projection.hour.digits'    = '2',
  'storage.location.template' = 's3://${BUCKET}/${PREFIX}/kpis/dt=${dt}/hour=${hour}/'
);

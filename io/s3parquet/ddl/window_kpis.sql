-- Window KPIs written by io/s3parquet.Write (table "window_kpis"), one row per
-- window x pane x event type. Replace ${DATABASE}, ${BUCKET} and ${PREFIX}.
-- A window can have several panes (on-time, then late panes, accumulating):
-- the row with the highest pane_index per (window_start, event_type) is the
-- current value, e.g.
--   SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY window_start, event_type
--                  ORDER BY pane_index DESC) AS rn FROM window_kpis) WHERE rn = 1
-- dt/hour come from window_start.
CREATE EXTERNAL TABLE IF NOT EXISTS ${DATABASE}.window_kpis (
  window_start  timestamp,
  window_end    timestamp,
  pane_index    bigint,
  timing        string,
  event_type    string,
  count         bigint
)
PARTITIONED BY (dt string, hour string)
STORED AS PARQUET
LOCATION 's3://${BUCKET}/${PREFIX}/window_kpis/'
TBLPROPERTIES (
  'parquet.compression'          = 'ZSTD',
  'projection.enabled'           = 'true',
  'projection.dt.type'           = 'date',
  'projection.dt.format'         = 'yyyy-MM-dd',
  'projection.dt.range'          = '2024-01-01,NOW',
  'projection.hour.type'         = 'integer',
  'projection.hour.range'        = '0,23',
  'projection.hour.digits'       = '2',
  'storage.location.template'    = 's3://${BUCKET}/${PREFIX}/window_kpis/dt=${dt}/hour=${hour}/'
);

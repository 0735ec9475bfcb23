-- Zone KPIs per sliding window (kpi.ZoneKPI); zone = geohash-6 of the location.
-- The row with the highest pane per (window_start, zone) is the final value.
CREATE EXTERNAL TABLE IF NOT EXISTS ${DATABASE}.zone_kpis (
  window_start timestamp,
  window_end timestamp,
  pane bigint,
  timing string,
  zone string,
  orders_created bigint,
  orders_delivered bigint,
  orders_cancelled bigint,
  gmv double,
  delivery_count bigint,
  delivery_min_mean double,
  delivery_min_p50 double,
  delivery_min_p90 double,
  active_drivers bigint
)
PARTITIONED BY (dt string, hour string)
STORED AS PARQUET
LOCATION 's3://${BUCKET}/${PREFIX}/zone_kpis/'
TBLPROPERTIES (
  'parquet.compression'       = 'ZSTD',
  'projection.enabled'        = 'true',
  'projection.dt.type'        = 'date',
  'projection.dt.format'      = 'yyyy-MM-dd',
  'projection.dt.range'       = '2024-01-01,NOW',
  'projection.hour.type'      = 'integer',
  'projection.hour.range'     = '0,23',
  'projection.hour.digits'    = '2',
  'storage.location.template' = 's3://${BUCKET}/${PREFIX}/zone_kpis/dt=${dt}/hour=${hour}/'
);

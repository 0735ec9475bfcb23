-- Restaurant KPIs per sliding window (kpi.RestaurantKPI); definitions in README.md.
-- The row with the highest pane per (window_start, restaurant_id) is the final value.
CREATE EXTERNAL TABLE IF NOT EXISTS ${DATABASE}.restaurant_kpis (
  window_start timestamp,
  window_end timestamp,
  pane bigint,
  timing string,
  restaurant_id string,
  orders_created bigint,
  orders_delivered bigint,
  orders_cancelled bigint,
  gmv double,
  delivery_count bigint,
  delivery_min_mean double,
  delivery_min_p50 double,
  delivery_min_p90 double
)
PARTITIONED BY (dt string, hour string)
STORED AS PARQUET
LOCATION 's3://${BUCKET}/${PREFIX}/restaurant_kpis/'
TBLPROPERTIES (
  'parquet.compression'       = 'ZSTD',
  'projection.enabled'        = 'true',
  'projection.dt.type'        = 'date',
  'projection.dt.format'      = 'yyyy-MM-dd',
  'projection.dt.range'       = '2024-01-01,NOW',
  'projection.hour.type'      = 'integer',
  'projection.hour.range'     = '0,23',
  'projection.hour.digits'    = '2',
  'storage.location.template' = 's3://${BUCKET}/${PREFIX}/restaurant_kpis/dt=${dt}/hour=${hour}/'
);

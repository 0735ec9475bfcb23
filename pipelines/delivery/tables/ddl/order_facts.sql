-- One fact per finished or expired order (lifecycle.OrderFact), hourly windows of the fact's time.
CREATE EXTERNAL TABLE IF NOT EXISTS ${DATABASE}.order_facts (
  order_id string,
  restaurant_id string,
  driver_id string,
  zone string,
  created timestamp,
  accepted timestamp,
  picked_up timestamp,
  delivered timestamp,
  cancelled timestamp,
  prep_minutes double,
  delivery_minutes double,
  total_minutes double,
  cancelled_flag boolean,
  complete boolean
)
PARTITIONED BY (dt string, hour string)
STORED AS PARQUET
LOCATION 's3://${BUCKET}/${PREFIX}/order_facts/'
TBLPROPERTIES (
  'parquet.compression'       = 'ZSTD',
  'projection.enabled'        = 'true',
  'projection.dt.type'        = 'date',
  'projection.dt.format'      = 'yyyy-MM-dd',
  'projection.dt.range'       = '2024-01-01,NOW',
  'projection.hour.type'      = 'integer',
  'projection.hour.range'     = '0,23',
  'projection.hour.digits'    = '2',
  'storage.location.template' = 's3://${BUCKET}/${PREFIX}/order_facts/dt=${dt}/hour=${hour}/'
);

-- Enriched event archive (pipelines/delivery WriteAWS, rows enrich.ArchiveRow), hourly event-time windows.
-- dt/hour: the window start. metadata/extra: JSON text.
CREATE EXTERNAL TABLE IF NOT EXISTS ${DATABASE}.events (
  event_id string,
  schema_version bigint,
  event_type string,
  order_id string,
  driver_id string,
  restaurant_id string,
  event_time timestamp,
  lat double,
  lon double,
  items array<struct<item_id: string, qty: bigint, price: double>>,
  total_price double,
  metadata string,
  extra string,
  restaurant_name string,
  cuisine string,
  driver_vehicle string,
  zone string,
  unknown_restaurant boolean,
  unknown_driver boolean
)
PARTITIONED BY (dt string, hour string)
STORED AS PARQUET
LOCATION 's3://${BUCKET}/${PREFIX}/events/'
TBLPROPERTIES (
  'parquet.compression'       = 'ZSTD',
  'projection.enabled'        = 'true',
  'projection.dt.type'        = 'date',
  'projection.dt.format'      = 'yyyy-MM-dd',
  'projection.dt.range'       = '2024-01-01,NOW',
  'projection.hour.type'      = 'integer',
  'projection.hour.range'     = '0,23',
  'projection.hour.digits'    = '2',
  'storage.location.template' = 's3://${BUCKET}/${PREFIX}/events/dt=${dt}/hour=${hour}/'
);

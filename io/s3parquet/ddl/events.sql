-- Enriched event archive written by io/s3parquet.Write (table "events").
-- Replace ${DATABASE}, ${BUCKET} and ${PREFIX} before running in Athena or Glue.
-- Columns follow transforms/event.Event; event_time is the event's timestamp
-- (Parquet INT64 TIMESTAMP(MILLIS), UTC). dt/hour are the Hive partitions of
-- the object path; partition projection spares MSCK REPAIR TABLE.
CREATE EXTERNAL TABLE IF NOT EXISTS ${DATABASE}.events (
  event_id        string,
  schema_version  bigint,
  event_type      string,
  order_id        string,
  driver_id       string,
  restaurant_id   string,
  event_time      timestamp,
  location        struct<lat: double, lon: double>,
  items           array<struct<item_id: string, qty: bigint, price: double>>,
  total_price     double,
  metadata        map<string, string>,
  extra           string
)
PARTITIONED BY (dt string, hour string)
STORED AS PARQUET
LOCATION 's3://${BUCKET}/${PREFIX}/events/'
TBLPROPERTIES (
  'parquet.compression'          = 'ZSTD',
  'projection.enabled'           = 'true',
  'projection.dt.type'           = 'date',
  'projection.dt.format'         = 'yyyy-MM-dd',
  'projection.dt.range'          = '2024-01-01,NOW',
  'projection.hour.type'         = 'integer',
  'projection.hour.range'        = '0,23',
  'projection.hour.digits'       = '2',
  'storage.location.template'    = 's3://${BUCKET}/${PREFIX}/events/dt=${dt}/hour=${hour}/'
);

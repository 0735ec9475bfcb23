-- Dead-letter records written by io/s3parquet.WriteJSONLines (table
-- "dead_letters"), one JSON document per line. Replace ${DATABASE}, ${BUCKET}
-- and ${PREFIX}. raw is the record's payload as encoding/json writes []byte
-- (base64); decode with from_base64(raw). ingest_time is Unix milliseconds.
CREATE EXTERNAL TABLE IF NOT EXISTS ${DATABASE}.dead_letters (
  raw              string,
  reason           string,
  shard_id         string,
  sequence_number  string,
  ingest_time      bigint
)
PARTITIONED BY (dt string, hour string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'false')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://${BUCKET}/${PREFIX}/dead_letters/'
TBLPROPERTIES (
  'projection.enabled'           = 'true',
  'projection.dt.type'           = 'date',
  'projection.dt.format'         = 'yyyy-MM-dd',
  'projection.dt.range'          = '2024-01-01,NOW',
  'projection.hour.type'         = 'integer',
  'projection.hour.range'        = '0,23',
  'projection.hour.digits'       = '2',
  'storage.location.template'    = 's3://${BUCKET}/${PREFIX}/dead_letters/dt=${dt}/hour=${hour}/'
);

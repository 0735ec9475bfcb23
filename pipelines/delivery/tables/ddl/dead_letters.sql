-- Dead-letter records (transforms/parse.DeadLetter) written by
-- io/s3parquet.WriteJSONLines under <prefix>/dlq/, one JSON document per line. Replace ${DATABASE}, ${BUCKET}
-- and ${PREFIX}. raw is the record's payload as encoding/json writes []byte
-- (base64); decode with from_base64(raw). ingest_time is Unix milliseconds.
CREATE EXTERNAL TABLE IF NOT EXISTS ${DATABASE}.dead_letters (
  raw              string,
  reason           string,
  detail           string,
  shard_id         string,
  sequence_number  string,
  sub_sequence     bigint,
  ingest_time      bigint
)
PARTITIONED BY (dt string, hour string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'false')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://${BUCKET}/${PREFIX}/dlq/'
TBLPROPERTIES (
  'projection.enabled'           = 'true',
  'projection.dt.type'           = 'date',
  'projection.dt.format'         = 'yyyy-MM-dd',
  'projection.dt.range'          = '2024-01-01,NOW',
  'projection.hour.type'         = 'integer',
  'projection.hour.range'        = '0,23',
  'projection.hour.digits'       = '2',
  'storage.location.template'    = 's3://${BUCKET}/${PREFIX}/dlq/dt=${dt}/hour=${hour}/'
);

"""PySpark Structured Streaming peer of the deliverypipe benchmark (make bench).

The seed's consumer design: a streaming query over JSON events that
deduplicates on event_id and counts events per event type in event-time
sliding windows (5 min every 1 min), plus per-restaurant counts of created,
delivered and cancelled orders and GMV in cents per window. It reads the
same events the Go benchmark uses (JSON Lines files in --input), runs on
local[2] with trigger availableNow, and writes the rows to --out as JSON so
testing/bench (TestPeerMatchesReference) checks them against the reference.

Delivery-time percentiles and distinct drivers are not computed here: they
need a stream-stream join and exact distinct counts that the seed did not
have; the comparison is about the shared part, and the note in
docs/benchmarks.md says so.

Prints one line: peer events=N query_s=S total_s=T events_per_s=R
"""

import argparse
import json
import time

T0 = time.monotonic()

from pyspark.sql import SparkSession  # noqa: E402  (timed from interpreter start)
from pyspark.sql import functions as F  # noqa: E402
from pyspark.sql import types as T  # noqa: E402

SCHEMA = T.StructType([
    T.StructField("event_id", T.StringType()),
    T.StructField("schema_version", T.LongType()),
    T.StructField("event_type", T.StringType()),
    T.StructField("order_id", T.StringType()),
    T.StructField("driver_id", T.StringType()),
    T.StructField("restaurant_id", T.StringType()),
    T.StructField("timestamp", T.StringType()),
    T.StructField("location", T.StructType([
        T.StructField("lat", T.DoubleType()), T.StructField("lon", T.DoubleType())])),
    T.StructField("items", T.ArrayType(T.StructType([
        T.StructField("item_id", T.StringType()), T.StructField("qty", T.LongType()),
        T.StructField("price", T.DoubleType())]))),
    T.StructField("total_price", T.DoubleType()),
    T.StructField("metadata", T.MapType(T.StringType(), T.StringType())),
])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True, help="directory of JSON Lines event files")
    ap.add_argument("--out", required=True, help="result rows as JSON")
    ap.add_argument("--checkpoint", required=True, help="empty directory for the query's checkpoint")
    args = ap.parse_args()

    spark = (SparkSession.builder.master("local[2]").appName("deliverypipe-peer")
             .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").config("spark.sql.shuffle.partitions", "2")
             .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")

    events = (spark.readStream.schema(SCHEMA).json(args.input)
              .withColumn("ts", F.to_timestamp("timestamp"))
              .dropDuplicates(["event_id"]))
    win = F.window("ts", "5 minutes", "1 minute")
    by_type = events.groupBy(win, "event_type").count()
    by_restaurant = (events.groupBy(win, "restaurant_id").agg(
        F.sum(F.when(F.col("event_type") == "order_created", 1).otherwise(0)).alias("created"),
        F.sum(F.when(F.col("event_type") == "delivered", 1).otherwise(0)).alias("delivered"),
        F.sum(F.when(F.col("event_type") == "cancelled", 1).otherwise(0)).alias("cancelled"),
        F.sum(F.when(F.col("event_type") == "order_created",
                     F.round(F.col("total_price") * 100).cast("long")).otherwise(0)).alias("gmv_cents")))

    t1 = time.monotonic()
    queries = [
        q.writeStream.outputMode("complete").format("memory").queryName(name)
        .option("checkpointLocation", f"{args.checkpoint}/{name}").trigger(availableNow=True).start()
        for name, q in (("by_type", by_type), ("by_restaurant", by_restaurant))
    ]
    for q in queries:
        q.awaitTermination()
    query_s = time.monotonic() - t1

    ms = lambda c: (F.unix_timestamp(c) * 1000).cast("long")  # noqa: E731
    types = spark.sql("select * from by_type").select(ms("window.start").alias("start"), "event_type", "count")
    rests = spark.sql("select * from by_restaurant").select(
        ms("window.start").alias("start"), "restaurant_id", "created", "delivered", "cancelled", "gmv_cents")
    n = spark.read.schema(SCHEMA).json(args.input).count()
    with open(args.out, "w") as f:
        json.dump({"event_type_counts": [list(r) for r in types.collect()],
                   "restaurant_kpis": [list(r) for r in rests.collect()]}, f)
    spark.stop()
    total_s = time.monotonic() - T0
    print(f"peer events={n} query_s={query_s:.3f} total_s={total_s:.3f} events_per_s={n / query_s:.0f}")


if __name__ == "__main__":
    main()

"""PySpark Structured Streaming peer of the deliverypipe benchmark (make bench, make bench-scale).

The seed's consumer design, configured as a Spark user would run it on one machine: a
streaming query over JSON events that deduplicates on event_id and aggregates in event-time
sliding windows (5 min every 1 min):
- events per event type (event_type_counts);
- per restaurant: created, delivered and cancelled orders and GMV in cents (restaurant_kpis);
- per zone, the 6-character geohash of the event's location as the pipeline defines it
  (transforms/kpi/README.md): the same counts plus distinct active drivers (zone_kpis).
It reads the same events the Go benchmark uses (JSON Lines files in --input), runs on local[2]
with trigger availableNow, and writes each table as Parquet under --out/<table>/, which
testing/bench (TestPeerMatchesReference) checks against the reference.

Each query runs in complete output mode: the reference counts every event, however late, so the
peer may not drop any behind a watermark, and append mode (the only one Spark's file sink takes)
would hold back every window the watermark has not passed. foreachBatch writes each micro-batch's
complete result over the table, the documented way to put complete-mode results into files.

spark.driver.memory is sized from the input (--driver-memory auto): in local mode the driver
JVM holds the executors, the dedup state and the three aggregations' state. Spark's default of
1 GiB ran out of memory at 400k events.

Delivery-time statistics are not computed here: they need a stream-stream join of each order's
picked-up and delivered events that the seed did not have; the comparison is about the shared
part, and docs/benchmarks.md says so.

Prints one line:
  peer events=N query_s=S total_s=T events_per_s=R cpu_ns_per_event=C cores=K peak_rss_mib=M
  heap_peak_mib=H max_heap_mib=X driver_memory=D
where the CPU figures are the Spark JVM's and this process's during the queries, and
peak_rss_mib is the JVM's peak RSS plus this process's.
"""

import argparse
import os
import resource
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

BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def geohash6(lat, lon):
    """The 6-character geohash of (lat, lon) as Spark columns, bit for bit what the reference's
    github.com/mmcloughlin/geohash computes on x86-64 (its BMI2 path): x · (1/range) + 1.5 is a
    double in [1, 2) whose top mantissa bits are the cell index; 6 characters take 15 bits of
    each coordinate, longitude first. Native expressions instead of a Python UDF, as a Spark
    user would write it for speed (Spark has no geohash function)."""
    def cell(x, inv_range):
        v = (F.coalesce(x, F.lit(0.0)) * F.lit(inv_range) + F.lit(1.5)) - F.lit(1.0)
        return F.least(F.greatest(F.floor(v * F.lit(32768.0)), F.lit(0)), F.lit(32767)).cast("long")

    la, lo = cell(lat, 0.005555555555555556), cell(lon, 0.002777777777777778)
    bits = F.lit(0).cast("long")
    for i in range(15):
        bits = (bits.bitwiseOR(F.shiftleft(F.shiftright(lo, i).bitwiseAND(1), 2 * i + 1))
                .bitwiseOR(F.shiftleft(F.shiftright(la, i).bitwiseAND(1), 2 * i)))
    return F.concat(*[F.lit(BASE32).substr(F.shiftright(bits, 25 - 5 * c).bitwiseAND(31).cast("int") + 1, F.lit(1))
                      for c in range(6)])


def driver_memory_mib(input_dir):
    """spark.driver.memory for the input: 2 GiB plus 12 bytes per input byte (JSON rows as
    UnsafeRows, the dedup state and three aggregations' state, each kept in two versions by the
    default state store), at most half the machine's memory."""
    size = sum(e.stat().st_size for e in os.scandir(input_dir) if e.is_file())
    phys = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return int(min(2048 + 12 * size / 2**20, phys / 2 / 2**20))


def proc_cpu_s(pid):
    """utime + stime of pid from /proc/<pid>/stat, in seconds (fields after the command name)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK


def proc_peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for pid {pid}")


def self_cpu_s():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True, help="directory of JSON Lines event files")
    ap.add_argument("--out", required=True, help="directory for the result tables, Parquet, one directory each")
    ap.add_argument("--checkpoint", required=True, help="empty directory for the queries' checkpoints")
    ap.add_argument("--driver-memory", default="auto", help="spark.driver.memory; auto sizes it from the input")
    args = ap.parse_args()

    mem = args.driver_memory
    if mem == "auto":
        mem = f"{driver_memory_mib(args.input)}m"
    spark = (SparkSession.builder.master("local[2]").appName("deliverypipe-peer")
             .config("spark.driver.memory", mem)
             .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             # One shuffle partition per core instead of 200: each is a state store per batch.
             .config("spark.sql.shuffle.partitions", "2")
             .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    jvm = spark._jvm
    jvm_pid = int(jvm.java.lang.ProcessHandle.current().pid())
    max_heap_mib = jvm.java.lang.Runtime.getRuntime().maxMemory() / 2**20

    events = (spark.readStream.schema(SCHEMA).json(args.input)
              .withColumn("ts", F.to_timestamp("timestamp"))
              .dropDuplicates(["event_id"]))
    win = F.window("ts", "5 minutes", "1 minute")

    def is_type(t):
        return F.col("event_type") == t

    def counts():
        return [F.sum(F.when(is_type("order_created"), 1).otherwise(0)).alias("created"),
                F.sum(F.when(is_type("delivered"), 1).otherwise(0)).alias("delivered"),
                F.sum(F.when(is_type("cancelled"), 1).otherwise(0)).alias("cancelled"),
                F.sum(F.when(is_type("order_created"),
                             F.round(F.col("total_price") * 100).cast("long")).otherwise(0)).alias("gmv_cents")]

    ms = lambda c: (F.unix_timestamp(c) * 1000).cast("long")  # noqa: E731
    tables = {
        "event_type_counts": (events.groupBy(win, "event_type").count(), ["event_type", "count"]),
        "restaurant_kpis": (
            events.where(F.col("restaurant_id").isNotNull() & (F.col("restaurant_id") != ""))
            .groupBy(win, "restaurant_id").agg(*counts()),
            ["restaurant_id", "created", "delivered", "cancelled", "gmv_cents"]),
        "zone_kpis": (
            events.withColumn("zone", geohash6(F.col("location.lat"), F.col("location.lon")))
            .groupBy(win, "zone").agg(*counts(), F.size(F.collect_set(
                F.when(F.col("driver_id") != "", F.col("driver_id")))).cast("long").alias("active_drivers")),
            ["zone", "created", "delivered", "cancelled", "gmv_cents", "active_drivers"]),
    }

    def writer(name, cols):
        path = os.path.join(args.out, name)

        def write(df, _batch_id):
            df.select(ms("window.start").alias("start"), *cols).write.mode("overwrite").parquet(path)
        return write

    cpu0, self0 = proc_cpu_s(jvm_pid), self_cpu_s()
    t1 = time.monotonic()
    queries = [
        q.writeStream.outputMode("complete").foreachBatch(writer(name, cols))
        .option("checkpointLocation", os.path.join(args.checkpoint, name)).trigger(availableNow=True).start()
        for name, (q, cols) in tables.items()
    ]
    for q in queries:
        q.awaitTermination()
    query_s = time.monotonic() - t1
    cpu_s = proc_cpu_s(jvm_pid) - cpu0 + self_cpu_s() - self0

    # Every query reads all the input once; the first one's progress counts it.
    n = sum(p["numInputRows"] for p in queries[0].recentProgress)
    heap_peak = sum(p.getPeakUsage().getUsed() for p in jvm.java.lang.management.ManagementFactory.getMemoryPoolMXBeans()
                    if str(p.getType()) == "Heap memory") / 2**20
    rss = proc_peak_rss_mib(jvm_pid) + resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    spark.stop()
    total_s = time.monotonic() - T0
    print(f"peer events={n} query_s={query_s:.3f} total_s={total_s:.3f} events_per_s={n / query_s:.0f}"
          f" cpu_ns_per_event={cpu_s * 1e9 / max(n, 1):.0f} cores={cpu_s / query_s:.2f} peak_rss_mib={rss:.0f}"
          f" heap_peak_mib={heap_peak:.0f} max_heap_mib={max_heap_mib:.0f} driver_memory={mem}")


if __name__ == "__main__":
    main()

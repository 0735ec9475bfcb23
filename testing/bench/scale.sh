#!/usr/bin/env bash
# make bench-scale (issue 16, section 3): one run over the same events (SCALE_ORDERS orders,
# ≈ 4 events each; 250,000 ≈ 1M events) for every series, one after another, each in its own
# process, each checking its outputs:
#
#   plain            the plain-Go ceiling writing the same tables (BenchmarkPlainGo; its files'
#                    rows against what it computed with the reference package)
#   flink_stream     the full graph, every table to files, on the embedded Flink job server in the
#                    streaming translation (checkpoints every 5 s as deployed:
#                    runners/flink/conf/config.yaml), parallelism 1. The events come from
#                    -source=replay: the file as an unbounded source whose watermark follows the
#                    events chunk by chunk (SCALE_REPLAY_CHUNK lines, 50,000), as a stream's does,
#                    so windows close and orders expire as the input goes by; -source=stream (a
#                    bounded read in a streaming job) would hold every order and window until the
#                    whole file is read
#   flink_stream_p2  the same at parallelism 2
#   flink_batch      the same in the batch translation (-source=file), SCALE_BATCH_PARALLELISM (1)
#   local            the full graph on the default local runner (in-process prism, -source=replay)
#   peer             the PySpark peer (testing/bench/peer), driver memory sized for the input,
#                    event-type counts, restaurant and zone KPIs into Parquet
#
# The full-graph series check every table's sink counter and files against plain Go
# (BenchmarkFullGraph); the peer's Parquet tables are checked against the reference
# (TestPeerMatchesReference). Each series reports events/s, the CPU time per event of its own
# process (for Flink also of the job server's JVM, utime+stime from /proc/<pid>/stat around
# the run), the cores it used (CPU seconds / wall seconds) and its peak RSS.
#
# Before the series it notes the machine's speed (a parse micro-benchmark), since the figures
# of one machine on different days differ by more than the changes they measure.
#
#   SCALE_ORDERS=250000 SCALE_TIMEOUT=2700 SCALE_BATCH_PARALLELISM=1 SCALE_WARMUP_ORDERS="$SCALE_ORDERS" PEER_DRIVER_MEMORY=auto \
#   SCALE_SERIES="plain flink_stream local flink_stream_p2 peer flink_batch" bash testing/bench/scale.sh
#
# The Flink series run on a job server of their own (.stack/flink-scale, JOBSERVER_STACK_DIR;
# JOBSERVER_JAVA_OPTS sizes its JVM, default -Xmx2g), started here when none runs there and then
# stopped at the end: the JVM's CPU time is only the run's when no one else's jobs share it.
# A fresh job server first runs one unmeasured job of SCALE_WARMUP_ORDERS orders (0: none).
# SCALE_TIMEOUT bounds each series in seconds (a hang is a failure, with goroutines and a jstack
# in its log). Logs and results: .cache/bench-scale/. Prints a Markdown table and, last, the line
#   scale: events=N flink_stream_eps=A flink_stream_p2_eps=B flink_batch_eps=C local_eps=D plain_eps=E peer_eps=F
# (0 for a series that failed; the script then exits 1 after printing everything).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
export GONOSUMDB=github.com/apache/beam GOFLAGS=-buildvcs=false
orders=${SCALE_ORDERS:-250000}
timeout_s=${SCALE_TIMEOUT:-2700}
warmup=${SCALE_WARMUP_ORDERS:-$orders}
replay_chunk=${SCALE_REPLAY_CHUNK:-50000}
batch_p=${SCALE_BATCH_PARALLELISM:-1}
series_list=${SCALE_SERIES:-plain flink_stream local flink_stream_p2 peer flink_batch}
out=$root/.cache/bench-scale
flink_stack=$root/.stack/flink-scale
venv=$root/.cache/bench-venv
bin=$out/bench.test results=$out/results.txt

die() {
  echo "bench-scale: $*" >&2
  exit 1
}
mkdir -p "$out"
rm -f "$out"/*.log "$out"/*.jstack "$results"
note() { echo "# $*" | tee -a "$results"; }
note "uptime at start: $(uptime)"
note "orders=$orders (seed 1), series: $series_list"
go test -c -o "$bin" ./testing/bench/ || die "building the benchmark binary failed"
# The machine's speed, so that runs on different days compare: the same CPU-bound code
# (parse.DecodeValidate of one 376-byte event) measured 1,385-1,512 ns/op in the fifth round of
# 2026-11-26 (docs/benchmarks.md) and 2,112-2,429 on 2026-12-02, when plain Go was 1.7x slower
# than in the run before.
speed=$(go test -run '^$' -bench '^BenchmarkDecodeValidate$' -benchtime 2s -count 3 ./transforms/parse 2>/dev/null |
  awk '/^BenchmarkDecodeValidate/ {printf "%s%s", sep, $3; sep=", "}')
note "machine speed: BenchmarkDecodeValidate ${speed:-n/a} ns/op (1,385-1,512 on 2026-11-26)"

# result NAME STATUS [KEY=VALUE...]: one line of results.txt for scale_summary.py, with the
# series' $tags (its parallelism).
tags=""
result() {
  local name=$1 status=$2
  shift 2
  echo "series=$name status=$status $tags $*" >>"$results"
  echo "bench-scale: $name: $status $*" >&2
}

# failure LOG RC: why a run failed, in one line, from its log and exit code.
failure() {
  local log=$1 rc=$2 why
  if [[ $rc == 124 || $rc == 137 ]]; then
    echo "timeout after ${timeout_s}s"
    return
  fi
  # Quotes are dropped: the reason goes into results.txt as why="...".
  why=$(grep -m1 -E 'bench_test.go:[0-9]+:|peer_test.go:[0-9]+:|panic:|Error|error' "$log" |
    sed -E 's/^[[:space:]]+//' | tr -d "\"'\\\\" | cut -c1-160)
  echo "exit $rc${why:+: $why}"
}

# gobench NAME ARGS...: one benchmark process (-test.benchtime=1x over the flags' workload). go
# test's -test.timeout does not cover benchmarks, so timeout(1) bounds the run, with SIGQUIT: a
# Go process dumps its goroutines (into the log) on it, which is what a hang needs.
last_rc=0
gobench() {
  local name=$1 log=$out/$1.log rc=0
  shift
  timeout -s QUIT -k 30 "$timeout_s" "$bin" -test.run='^$' -test.benchtime=1x -orders="$orders" "$@" >"$log" 2>&1 || rc=$?
  last_rc=$rc
  local line
  line=$(grep -m1 -E '^Benchmark[^ ]+[[:space:]]+[0-9]+[[:space:]]' "$log")
  if [[ $rc != 0 || -z $line ]] || grep -q -e '^--- FAIL' -e '^FAIL' "$log"; then
    result "$name" FAIL "why=\"$(failure "$log" "$rc") ($log)\""
    [[ $rc != 0 ]] || last_rc=1
    return
  fi
  # "BenchmarkX-2  1  123 ns/op  456 events/s ..." -> "ns/op=123 events/s=456 ..."
  result "$name" ok "$(awk '{for (i = 3; i < NF; i += 2) printf "%s=%s ", $(i + 1), $i}' <<<"$line")"
}

# flink_up: the job server, started in its own stack dir when none runs there (again if it
# died or a run hung on it), then warmed up with one streaming job, unmeasured: a deployment's
# job server is long-lived, and the first jobs of a fresh JVM also pay for loading and
# JIT-compiling Flink's and Beam's classes (16 s instead of 7 s at 7,881 events; at 1M events
# the first large job used 19.5 µs of JVM CPU per event, the next one 14.4; after a 10,000-order
# warm-up still 18.2). Measured by hand on one fresh job server, 1M events each: 20.1, then 12.8
# and 13.1 µs per event, with 60 s and 5 s checkpoints alike. A warm-up of 100,000 orders
# (≈ 400,000 events, the replayed stream, ≈ 15 s) reached it: 13.6 µs in the next run; on
# 2026-12-02 it did not (after it, 1M-event jobs used 15.8, then 10.9 and 10.3 µs): the warm-up
# is now one job of the measured size.
started=0
flink_up() {
  JOBSERVER_STACK_DIR=$flink_stack bash runners/flink/jobserver.sh status >/dev/null 2>&1 && return
  JOBSERVER_STACK_DIR=$flink_stack bash runners/flink/jobserver.sh start >&2 || return 1
  started=1
  [[ $warmup -gt 0 ]] || return 0
  local rc=0
  "$bin" -test.run='^$' -test.bench='^BenchmarkFullGraph$' -test.benchtime=1x -orders="$warmup" -runner=flink \
    -endpoint="$(<"$flink_stack/endpoint")" -environment_type=LOOPBACK -parallelism=1 -source=replay \
    -experiments=shutdown_idle_sources >"$out/flink-warmup.log" 2>&1 || rc=$?
  note "Flink job server started (pid $(<"$flink_stack/jobserver.pid")), warm-up job of $warmup orders: exit $rc"
}
cleanup() {
  if [[ $started == 1 ]]; then
    JOBSERVER_STACK_DIR=$flink_stack bash runners/flink/jobserver.sh stop >&2
    started=0
  fi
}
trap cleanup EXIT

# flink NAME PARALLELISM SOURCE [FLAGS...]: the full graph on the job server. After a failed
# run, whose job may still be running there and would take CPU from the next series, the job
# server we started is stopped (a jstack of it kept first) and the next series starts another.
flink() {
  local name=$1 p=$2 src=$3
  shift 3
  tags="parallelism=$p"
  if ! flink_up; then
    result "$name" FAIL 'why="the Flink job server did not start"'
    return
  fi
  local pid
  pid=$(<"$flink_stack/jobserver.pid")
  gobench "$name" -test.bench='^BenchmarkFullGraph$' -runner=flink -endpoint="$(<"$flink_stack/endpoint")" \
    -environment_type=LOOPBACK -parallelism="$p" -source="$src" -jvm-pid="$pid" "$@"
  if [[ $last_rc != 0 ]]; then
    jstack "$pid" >"$out/$name.jstack" 2>&1 || true
    cleanup
  fi
}

# peer: the PySpark peer over the same events, then its tables against the reference.
peer() {
  local dir=$out/peer log=$out/peer.log rc=0
  if [[ ! -f $venv/.installed || testing/bench/peer/requirements.txt -nt $venv/.installed ]]; then
    { python3 -m venv "$venv" &&
      "$venv/bin/pip" install --quiet --disable-pip-version-check -r testing/bench/peer/requirements.txt &&
      touch "$venv/.installed"; } >"$out/peer-install.log" 2>&1 || {
      result peer FAIL "why=\"installing pyspark failed ($out/peer-install.log)\""
      return
    }
  fi
  rm -rf "$dir"
  if ! "$bin" -test.run='^TestWritePeerInput$' -orders="$orders" -peer-input="$dir/input" >"$out/peer-input.log" 2>&1; then
    result peer FAIL "why=\"writing the input failed ($out/peer-input.log)\""
    return
  fi
  timeout -k 30 "$timeout_s" "$venv/bin/python" testing/bench/peer/peer.py --input "$dir/input" --out "$dir/result" \
    --checkpoint "$dir/ckpt" --driver-memory "${PEER_DRIVER_MEMORY:-auto}" >"$log" 2>&1 || rc=$?
  local line
  line=$(grep -m1 '^peer ' "$log")
  if [[ $rc != 0 || -z $line ]]; then
    result peer FAIL "why=\"$(failure "$log" "$rc") ($log)\""
    return
  fi
  rc=0
  "$bin" -test.run='^TestPeerMatchesReference$' -test.v -orders="$orders" -peer-result="$dir/result" \
    >"$out/peer-check.log" 2>&1 || rc=$?
  if [[ $rc != 0 ]]; then
    result peer FAIL "why=\"$(failure "$out/peer-check.log" "$rc") (tables against the reference)\" ${line#peer }"
    return
  fi
  result peer ok "${line#peer }"
}

for s in $series_list; do
  tags=""
  echo "bench-scale: $s ($(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  case $s in
    plain) gobench plain -test.bench='^BenchmarkPlainGo$' ;;
    flink_stream) flink flink_stream 1 replay -replay-chunk="$replay_chunk" -experiments=shutdown_idle_sources ;;
    flink_stream_p2) flink flink_stream_p2 2 replay -replay-chunk="$replay_chunk" -experiments=shutdown_idle_sources ;;
    flink_batch) flink flink_batch "$batch_p" file ;;
    local) gobench local -test.bench='^BenchmarkFullGraph$' -source=replay -replay-chunk="$replay_chunk" ;;
    peer) peer ;;
    *) die "unknown series $s in SCALE_SERIES" ;;
  esac
done
note "uptime at end: $(uptime)"
# Stopped before the summary, so that the scale line is the last one printed.
cleanup
python3 testing/bench/scale_summary.py "$results" | tee "$out/summary.md"
exit "${PIPESTATUS[0]}"

#!/usr/bin/env bash
# make bench: runs the benchmarks of issue 8 interleaved, ROUNDS times, each in its
# own process (so peak RSS belongs to one benchmark), and prints a table of medians,
# spreads and same-round ratios (summarize.py). Raw output: .cache/bench/raw.txt.
#
#   ROUNDS=3 ORDERS=5000 LARGE_ORDERS=25000 LONG_ORDERS=50000 LONG_PLAIN_ORDERS=2500000 FLINK=1 PEER=1 bash testing/bench/run.sh
#
# The full graph writes every table to files under a temp directory (Parquet and JSON Lines, the
# objects a deployment writes to S3) and the plain-Go ceiling writes the same tables; both check
# their files' row counts. The PySpark peer computes the event-type counts, restaurant and zone KPIs
# (no delivery-time statistics) into Parquet, checked against the reference.
#
# Every round runs each series at ORDERS (≈ 4 events each) and again, as the "-large" series, at
# LARGE_ORDERS (0 skips them): a run's events/s includes its job's fixed cost (submission,
# translation, start and drain: about 1.3 s on the Flink job server, 0.3 s on prism), which the
# larger input amortises.
#
# The long run (issue 8 item 4): LONG_PLAIN_ORDERS orders (≈ 4 events each; 2.5M ≈ 10M events)
# through the plain-Go path with event-time expiry (BenchmarkLongRunPlain), and the full graph
# on prism over LONG_ORDERS orders from a file (prism cannot do 10M events in reasonable time);
# both check that all order state expires; the prism one runs a second time with
# GOMEMLIMIT=LONG_GOMEMLIMIT (default 800MiB). LONG_ORDERS=0 / LONG_PLAIN_ORDERS=0 skip them.
#
# FLINK=1 (the default; FLINK=0 skips it) also runs the full graph on the local Flink job
# server (runners/flink/jobserver.sh, started if not running) with parallelism 1 and 2;
# PEER=1 runs the PySpark peer (testing/bench/peer, venv under .cache/bench-venv).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=$root/.cache/bench
mkdir -p "$out"
rounds=${ROUNDS:-3} orders=${ORDERS:-5000} large=${LARGE_ORDERS:-25000} long=${LONG_ORDERS:-50000} long_plain=${LONG_PLAIN_ORDERS:-2500000}
bin=$out/bench.test raw=$out/raw.txt
: >"$raw"
cd "$root"
go test -c -o "$bin" ./testing/bench/

echo "# uptime at start: $(uptime)" | tee -a "$raw"
run() { # run SERIES ARGS...: one benchmark process, its result lines tagged with the series and round
  local series=$1
  shift
  # Failures (an output count differing from plain Go, a runner error) are kept as comments.
  "$bin" -test.run='^$' -orders="$orders" "$@" 2>&1 | grep -E '^Benchmark|^--- FAIL|bench_test.go' |
    sed -E "/^Benchmark/!s/^/# $series round=$round: /; /^Benchmark/s/^/$series round=$round /" | tee -a "$raw" || true
}

venv=$root/.cache/bench-venv
if [[ ${PEER:-1} == 1 ]]; then
  if [[ ! -f $venv/.installed || testing/bench/peer/requirements.txt -nt $venv/.installed ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r testing/bench/peer/requirements.txt
    touch "$venv/.installed"
  fi
  rm -rf "$out/peer" "$out/peer-large"
  "$bin" -test.run=TestWritePeerInput -orders="$orders" -peer-input="$out/peer/input" >/dev/null
  if [[ $large -gt 0 ]]; then
    "$bin" -test.run=TestWritePeerInput -orders="$large" -peer-input="$out/peer-large/input" >/dev/null
  fi
fi
if [[ ${FLINK:-1} == 1 ]]; then
  bash runners/flink/jobserver.sh status >/dev/null 2>&1 || bash runners/flink/jobserver.sh start
  flink_endpoint=$(<.stack/flink/endpoint)
fi

peer() { # peer SERIES DIR: the PySpark peer over DIR/input
  rm -rf "$2/ckpt" "$2/result"
  "$venv/bin/python" testing/bench/peer/peer.py --input "$2/input" --out "$2/result" \
    --checkpoint "$2/ckpt" 2>/dev/null | grep '^peer ' | sed "s/^peer /$1 round=$round /" | tee -a "$raw"
}
series() { # series SUFFIX: every series once, at the current $orders
  local sfx=$1
  run "plain$sfx" -test.bench='^BenchmarkPlainGo$' -test.benchtime=3x
  # The large prism run reads a file: carried inline (beam.Create), its events
  # took its peak RSS from ≈ 0.55 to 1.5 GiB.
  run "prism$sfx" -test.bench='^BenchmarkFullGraph$' -test.benchtime=1x ${sfx:+-source=file}
  if [[ ${FLINK:-1} == 1 ]]; then
    for p in 1 2; do
      run "flink-p$p$sfx" -test.bench='^BenchmarkFullGraph$' -test.benchtime=1x -runner=flink \
        -endpoint="$flink_endpoint" -environment_type=LOOPBACK -parallelism="$p" -source=file
    done
  fi
  if [[ ${PEER:-1} == 1 ]]; then
    peer "peer$sfx" "$out/peer$sfx"
  fi
}

for round in $(seq 1 "$rounds"); do
  run parse -test.bench='^BenchmarkParseValidate$' -test.benchtime=20x
  series ""
  if [[ $large -gt 0 ]]; then
    orders=$large series -large
  fi
done
if [[ ${PEER:-1} == 1 ]]; then
  "$bin" -test.run=TestPeerMatchesReference -orders="$orders" -peer-result="$out/peer/result" | tail -1 |
    sed 's/^/# peer check against the reference: /' | tee -a "$raw"
  if [[ $large -gt 0 ]]; then
    "$bin" -test.run=TestPeerMatchesReference -orders="$large" -peer-result="$out/peer-large/result" | tail -1 |
      sed 's/^/# peer-large check against the reference: /' | tee -a "$raw"
  fi
fi
if [[ $long_plain -gt 0 ]]; then
  round=1 run long-plain -test.bench='^BenchmarkLongRunPlain$' -test.benchtime=1x -long-orders="$long_plain"
fi
if [[ $long -gt 0 ]]; then
  round=1 orders=$long run long-prism -test.bench='^BenchmarkFullGraph$' -test.benchtime=1x -source=file
  # Again under Go's soft memory limit, as a deployment sets it (a container's limit): the
  # default GC lets the heap grow to twice the live set first.
  round=1 orders=$long GOMEMLIMIT=${LONG_GOMEMLIMIT:-800MiB} run long-prism-memlimit \
    -test.bench='^BenchmarkFullGraph$' -test.benchtime=1x -source=file
fi
echo "# uptime at end: $(uptime)" | tee -a "$raw"
python3 testing/bench/summarize.py "$raw" | tee "$out/summary.md"

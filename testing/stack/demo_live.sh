#!/usr/bin/env bash
# make demo-live: the local AWS stack, a steady stream of simulated orders,
# the pipeline on prism reading it unbounded, and the dashboard, until Ctrl-C.
#
# Settings: DEMO_RATE (events/s, default 20), DASHBOARD_ADDR (default
# 127.0.0.1:8080), DEMO_LIVE_SECONDS (stop by itself after this long; 0 =
# until interrupted).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
STACK_DIR="${STACK_DIR:-$root/.stack}"
RATE="${DEMO_RATE:-20}"
run_id="live$(date +%s)"
stream="$run_id-events" bucket="$run_id-lake" table="$run_id-kpis" status="$run_id-status"
dims="$STACK_DIR/$run_id-dims"
logs="$STACK_DIR/$run_id"

step() { printf '\n==> %s\n' "$*"; }
fail() { printf '\ndemo-live FAILED: %s\n' "$*" >&2; exit 1; }

pids=()
# shellcheck source=testing/stack/demo_lib.sh
source testing/stack/demo_lib.sh
cleanup() {
  trap - EXIT INT TERM
  step "stopping"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  stop_stack
}
trap cleanup EXIT
trap 'exit 0' INT TERM

step "building binaries"
go build -o bin/ ./cmd/pipeline ./cmd/producer ./cmd/dashboard || fail "go build"

step "starting the local AWS stack"
start_stack
mkdir -p "$logs" "$dims"

# Event time starts now and advances about as fast as the wall clock at
# DEMO_RATE (≈4.4 events per order), so windows close while you watch.
step "producing ~$RATE events/s into $stream (until stopped)"
opm=$(awk -v r="$RATE" 'BEGIN { printf "%.1f", r * 60 / 4.4 }')
bin/producer --stream "$stream" --create-stream --shards 2 --count 0 --rate "$RATE" --orders-per-minute "$opm" \
  --late-share 0 --dims-dir "$dims" --start "$(date -u +%Y-%m-%dT%H:%M:%SZ)" 2> "$logs/producer.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$dims/restaurants.csv" ] && break; sleep 0.1; done

step "running the pipeline on prism (unbounded; log: $logs/pipeline.log)"
bin/pipeline --runner=prism --stream "$stream" --max-out-of-order 30s \
  --restaurants "$dims/restaurants.csv" --drivers "$dims/drivers.csv" \
  --bucket "$bucket" --kpi-table "$table" --status-table "$status" --create-missing 2> "$logs/pipeline.log" &
pids+=($!)

step "starting the dashboard"
bin/dashboard --addr "${DASHBOARD_ADDR:-127.0.0.1:8080}" --kpi-table "$table" --status-table "$status" \
  --bucket "$bucket" --addr-file "$logs/dashboard.addr" 2> "$logs/dashboard.log" &
pids+=($!)
for _ in $(seq 50); do [ -s "$logs/dashboard.addr" ] && break; sleep 0.1; done
[ -s "$logs/dashboard.addr" ] || fail "dashboard did not start (log: $logs/dashboard.log)"

printf '\nDashboard: %s\n' "$(cat "$logs/dashboard.addr")"
echo "The first windows appear a few minutes in (5-minute windows, 30 s watermark delay)."
echo "Pipeline progress: tail -f $logs/pipeline.log    Stop: Ctrl-C"

deadline=$(( ${DEMO_LIVE_SECONDS:-0} > 0 ? $(date +%s) + DEMO_LIVE_SECONDS : 0 ))
while :; do
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || fail "a process stopped (logs in $logs)"
  done
  if [ "$deadline" -gt 0 ] && [ "$(date +%s)" -ge "$deadline" ]; then exit 0; fi
  sleep 2
done

#!/usr/bin/env bash
# make demo: start the local AWS stack, produce simulated order events into
# Kinesis, run the pipeline on prism until it has read them, print the window
# KPIs from DynamoDB and the objects in S3, stop the stack.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
STACK_DIR="${STACK_DIR:-$root/.stack}"
EVENTS="${DEMO_EVENTS:-5000}"
run_id="demo$(date +%s)"
stream="$run_id-events" bucket="$run_id-lake" table="$run_id-kpis" status="$run_id-status"
dims="$STACK_DIR/$run_id-dims"

step() { printf '\n==> %s\n' "$*"; }
fail() { printf '\ndemo FAILED: %s\n' "$*" >&2; exit 1; }

# shellcheck source=testing/stack/demo_lib.sh
source testing/stack/demo_lib.sh
cleanup() {
  stop_stack
}
trap cleanup EXIT

step "building binaries"
go build -o bin/ ./cmd/pipeline ./cmd/producer ./cmd/kpireport || fail "go build"

step "starting the local AWS stack (kinesalite, dynalite, gofakes3 on 127.0.0.1)"
start_stack
env | grep '^AWS_ENDPOINT_URL_' | sort

step "producing $EVENTS events into Kinesis stream $stream (4 shards)"
mkdir -p "$dims"
bin/producer --stream "$stream" --create-stream --shards 4 --count "$EVENTS" --seed 42 --dims-dir "$dims" \
  --start "$(date -u -d '-3 hours' +%Y-%m-%dT%H:00:00Z)" || fail "producer"

step "running the pipeline on prism (bounded: reads what is in the stream, then stops)"
bin/pipeline --runner=prism --stream "$stream" --bounded \
  --restaurants "$dims/restaurants.csv" --drivers "$dims/drivers.csv" \
  --bucket "$bucket" --kpi-table "$table" --status-table "$status" --create-missing 2> "$STACK_DIR/demo-pipeline.log" \
  || { tail -20 "$STACK_DIR/demo-pipeline.log" >&2; fail "pipeline (log: $STACK_DIR/demo-pipeline.log)"; }
grep -E 'msg=(running|summary)' "$STACK_DIR/demo-pipeline.log" || true

step "window KPIs (event counts per type, 5-minute windows every minute) from DynamoDB table $table"
bin/kpireport --kpi-table "$table" --bucket "$bucket" --prefix deliverypipe --rows 20 || fail "kpireport"

# The same tables in the browser for DEMO_DASHBOARD_SECONDS (default 20,
# 0 = skip), then the demo ends. For a page that keeps moving (a steady
# producer and the unbounded pipeline), use `make demo-live`.
if [ "${DEMO_DASHBOARD_SECONDS:-20}" -gt 0 ]; then
  DEMO_DASHBOARD_SECONDS="${DEMO_DASHBOARD_SECONDS:-20}"
  step "dashboard for ${DEMO_DASHBOARD_SECONDS}s (DEMO_DASHBOARD_SECONDS=0 skips it; make demo-live keeps it moving)"
  go build -o bin/ ./cmd/dashboard || fail "go build ./cmd/dashboard"
  rm -f "$STACK_DIR/dashboard.addr"
  bin/dashboard --addr "${DASHBOARD_ADDR:-127.0.0.1:0}" --kpi-table "$table" --status-table "$status" \
    --bucket "$bucket" --addr-file "$STACK_DIR/dashboard.addr" --duration "${DEMO_DASHBOARD_SECONDS}s" \
    2> "$STACK_DIR/demo-dashboard.log" &
  for _ in $(seq 50); do [ -s "$STACK_DIR/dashboard.addr" ] && break; sleep 0.1; done
  [ -s "$STACK_DIR/dashboard.addr" ] || fail "dashboard did not start (log: $STACK_DIR/demo-dashboard.log)"
  echo "dashboard: $(cat "$STACK_DIR/dashboard.addr")"
  wait $! || fail "dashboard (log: $STACK_DIR/demo-dashboard.log)"
fi

printf '\ndemo OK\n'

#!/usr/bin/env bash
# Starts the local AWS stack (kinesalite, dynalite, gofakes3) on 127.0.0.1 and
# writes .stack/env with the standard AWS_ENDPOINT_URL_* settings.
#
# Ports: KINESIS_PORT, DYNAMODB_PORT, S3_PORT if set, else free ones.
# State: .stack/{kinesis,dynamodb,s3}.{pid,log,addr}, data under .stack/data.
# Idempotent: when the stack is already up and healthy it only prints the env.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK_SRC="$ROOT/testing/stack"
STACK="${STACK_DIR:-$ROOT/.stack}"
SERVICES=(kinesis dynamodb s3)

healthy() { # service -> 0 when its pid is alive and it answers a real call
  local svc=$1 pid
  pid=$(cat "$STACK/$svc.pid" 2>/dev/null) || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [[ -s "$STACK/$svc.addr" ]] || return 1
  node "$STACK_SRC/health.js" "$svc" "http://$(cat "$STACK/$svc.addr")" 2>/dev/null
}

all_healthy() {
  local svc
  for svc in "${SERVICES[@]}"; do healthy "$svc" || return 1; done
}

if [[ -f "$STACK/env" ]] && all_healthy; then
  cat "$STACK/env"
  exit 0
fi

# Partly up or stale: start clean (data is kept).
STACK_DIR="$STACK" bash "$STACK_SRC/down.sh" >/dev/null
bash "$STACK_SRC/deps.sh"
mkdir -p "$STACK/data"

start() { # service command...
  local svc=$1
  shift
  rm -f "$STACK/$svc.addr"
  # setsid: own process group, so down.sh can stop it and its children at once,
  # and it outlives this shell. Non-interactive bash runs it as a non-leader,
  # so setsid execs in place and $! is the server's pid.
  setsid "$@" >>"$STACK/$svc.log" 2>&1 </dev/null &
  echo $! >"$STACK/$svc.pid"
}

start kinesis node "$STACK_SRC/serve.js" kinesis --port "${KINESIS_PORT:-0}" \
  --path "$STACK/data/kinesis" --addr-file "$STACK/kinesis.addr" --shard-limit "${KINESIS_SHARD_LIMIT:-50}"
start dynamodb node "$STACK_SRC/serve.js" dynamodb --port "${DYNAMODB_PORT:-0}" \
  --path "$STACK/data/dynamodb" --addr-file "$STACK/dynamodb.addr"
start s3 "$ROOT/bin/s3server" -addr "127.0.0.1:${S3_PORT:-0}" \
  -dir "$STACK/data/s3" -addr-file "$STACK/s3.addr"

for svc in "${SERVICES[@]}"; do
  for ((i = 0; i < 300; i++)); do
    healthy "$svc" && break
    if ! kill -0 "$(cat "$STACK/$svc.pid")" 2>/dev/null; then
      echo "stack-up: $svc exited; last log lines:" >&2
      tail -n 20 "$STACK/$svc.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  if ! healthy "$svc"; then
    echo "stack-up: $svc not healthy after 30s; see $STACK/$svc.log" >&2
    exit 1
  fi
done

cat >"$STACK/env.tmp" <<EOF
export AWS_ENDPOINT_URL_KINESIS=http://$(cat "$STACK/kinesis.addr")
export AWS_ENDPOINT_URL_DYNAMODB=http://$(cat "$STACK/dynamodb.addr")
export AWS_ENDPOINT_URL_S3=http://$(cat "$STACK/s3.addr")
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=us-east-1
EOF
mv "$STACK/env.tmp" "$STACK/env"
cat "$STACK/env"

#!/usr/bin/env bash
# Stops the local AWS stack started by up.sh, by the PIDs in .stack/, and waits
# until each server is gone. Safe when nothing runs. Data under .stack/data is
# kept unless --purge is given.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK="${STACK_DIR:-$ROOT/.stack}"

ours() { # pid -> 0 when it is still one of our servers (guards against pid reuse)
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qE 'serve\.js|s3server'
}

for svc in kinesis dynamodb s3; do
  pidfile="$STACK/$svc.pid"
  [[ -f "$pidfile" ]] || continue
  pid=$(cat "$pidfile")
  if [[ -n "$pid" ]] && ours "$pid"; then
    # The server leads its own process group (up.sh uses setsid).
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      ours "$pid" || break
      sleep 0.1
    done
    if ours "$pid"; then
      echo "stack-down: $svc ($pid) ignored SIGTERM, killing" >&2
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      while ours "$pid"; do sleep 0.1; done
    fi
    echo "stack-down: stopped $svc ($pid)"
  fi
  rm -f "$pidfile" "$STACK/$svc.addr"
done
rm -f "$STACK/env"

if [[ "${1:-}" == "--purge" ]]; then
  rm -rf "$STACK/data"
fi

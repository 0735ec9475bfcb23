#!/usr/bin/env bash
# Installs what the local stack needs, only when missing or out of date:
#   testing/stack/node_modules  (npm ci from the committed package-lock.json)
#   bin/s3server                (go build ./testing/s3server)
# Safe to run concurrently (test binaries do): a lock file serialises it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK_SRC="$ROOT/testing/stack"
mkdir -p "$ROOT/.stack" "$ROOT/bin"

exec 9>"$ROOT/.stack/deps.lock"
flock 9

# npm ci records the installed tree in node_modules/.package-lock.json; a lock
# file newer than that means the pins changed since the last install.
installed="$STACK_SRC/node_modules/.package-lock.json"
if [[ ! -f "$installed" || "$STACK_SRC/package-lock.json" -nt "$installed" ]]; then
  echo "stack-deps: npm ci in testing/stack" >&2
  (cd "$STACK_SRC" && npm ci --no-audit --no-fund --loglevel=error)
fi

bin="$ROOT/bin/s3server"
if [[ ! -x "$bin" ]] || [[ -n "$(find "$ROOT/testing/s3server" "$ROOT/go.mod" "$ROOT/go.sum" -newer "$bin" -print -quit)" ]]; then
  echo "stack-deps: go build bin/s3server" >&2
  (cd "$ROOT" && GONOSUMDB=github.com/apache/beam GOFLAGS=-buildvcs=false go build -o "$bin.tmp" ./testing/s3server && mv "$bin.tmp" "$bin")
fi

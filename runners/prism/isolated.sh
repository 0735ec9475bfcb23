#!/usr/bin/env bash
# Runs the end-to-end tests against a prism v2.77 job server with
# --experiments=prism_disable_sdf_split (see runners/prism/build.sh for why),
# inside a private network namespace: prism 2.77 listens on all interfaces
# and has no flag to bind loopback only, and in a namespace of our own the
# only interface is loopback. The local AWS stack, prism and the test binary
# all live in the namespace and vanish with it.
#
# Usage: testing/e2e/isolated.sh [go test flags...]   (run as root, like CI)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bash "$ROOT/runners/prism/build.sh"
# Build outside the namespace (module downloads need the network there).
test_bin="$ROOT/.cache/e2e.test"
mkdir -p "$ROOT/.cache"
go test -c -o "$test_bin" ./testing/e2e

if ! unshare -n true 2>/dev/null; then
  echo "e2e: cannot create a network namespace (needs root); running on the in-process prism of v2.62 instead, which may be inexact under load" >&2
  cd "$ROOT/testing/e2e" && exec "$test_bin" -test.v=false "$@"
fi

exec unshare -n bash -c '
set -euo pipefail
ip link set lo up
port=8073
"$1/bin/prism-2.77" --job_port=$port --serve_http=false >"$1/.cache/prism-e2e.log" 2>&1 &
prism=$!
trap "kill $prism 2>/dev/null || true" EXIT
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
shift
test_bin=$1; shift
cd "$(dirname "$test_bin")/../testing/e2e"
"$test_bin" "$@" -runner=universal -endpoint=127.0.0.1:$port -environment_type=LOOPBACK -experiments=prism_disable_sdf_split
' isolated "$ROOT" "$test_bin" "$@"

#!/usr/bin/env bash
# Runs one package's tests against a prism v2.77 job server with
# --experiments=prism_disable_sdf_split (see runners/prism/build.sh for why),
# inside a private network namespace: prism 2.77 listens on all interfaces
# and has no flag to bind loopback only, and in a namespace of our own the
# only interface is loopback. The local AWS stack, prism and the test binary
# all live in the namespace and vanish with it.
#
# Usage: runners/prism/isolated.sh PACKAGE [test binary flags...]
#        TAGS=prismload runners/prism/isolated.sh ./io/kinesisio -test.run PrismUnderLoad
# (run as root, like CI).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
pkg="${1:?usage: isolated.sh PACKAGE [test flags...]}"
shift
bash "$ROOT/runners/prism/build.sh"
# Build outside the namespace (module downloads need the network there).
cd "$ROOT"
pkg_dir="$(go list -f '{{.Dir}}' "$pkg")"
test_bin="$ROOT/.cache/isolated-$(basename "$pkg_dir").test"
mkdir -p "$ROOT/.cache"
go test -c ${TAGS:+-tags "$TAGS"} -o "$test_bin" "$pkg"

# No fallback to another runner: the in-process prism of v2.62 is inexact
# under load (README, "Versions"), so a pass there would not mean a pass here.
if ! unshare -n true 2>/dev/null; then
  echo "isolated.sh: cannot create a network namespace (needs root, or unprivileged user namespaces); not running $pkg on another runner" >&2
  exit 1
fi

exec unshare -n bash -c '
set -euo pipefail
ip link set lo up
port=8073
"$1/bin/prism-2.77" --job_port=$port --serve_http=false >"$1/.cache/prism-e2e.log" 2>&1 &
prism=$!
trap "kill $prism 2>/dev/null || true" EXIT
up=0
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && { up=1; break; }; sleep 0.1; done
if [[ $up != 1 ]]; then
  echo "isolated.sh: prism 2.77 did not listen on port $port within 10 s; log: $1/.cache/prism-e2e.log" >&2
  exit 1
fi
test_bin=$2 pkg_dir=$3
shift 3
cd "$pkg_dir"
"$test_bin" "$@" -runner=universal -endpoint=127.0.0.1:$port -environment_type=LOOPBACK -experiments=prism_disable_sdf_split
' isolated "$ROOT" "$test_bin" "$pkg_dir" "$@"

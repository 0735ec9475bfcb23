#!/usr/bin/env bash
# Runs one package's tests on the default runner (the in-process prism of
# the Beam Go SDK in go.mod, with the experiments runners/presets adds)
# inside a private network namespace: prism listens on all interfaces and
# has no flag to bind loopback only, and in a namespace of our own the only
# interface is loopback. The local AWS stack and the test binary live in the
# namespace and vanish with it.
#
# Usage: runners/prism/isolated.sh PACKAGE [test binary flags...]
#        TAGS=prismload runners/prism/isolated.sh ./io/kinesisio -test.run PrismUnderLoad
# TAGS=faults also builds bin/prism-2.77 (runners/prism/build.sh), the prism
# job server the kill tests start and kill with each pipeline.
# (run as root, like CI).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
pkg="${1:?usage: isolated.sh PACKAGE [test flags...]}"
shift
if [[ "${TAGS:-}" == *faults* ]]; then bash "$ROOT/runners/prism/build.sh"; fi
# Build outside the namespace (module downloads need the network there).
cd "$ROOT"
pkg_dir="$(go list -f '{{.Dir}}' "$pkg")"
test_bin="$ROOT/.cache/isolated-$(basename "$pkg_dir")-$$.test"
mkdir -p "$ROOT/.cache"
go test -c ${TAGS:+-tags "$TAGS"} -o "$test_bin" "$pkg"
trap 'rm -f "$test_bin"' EXIT

# No fallback to running outside the namespace: that would expose the
# runner's ports on every interface.
if ! unshare -n true 2>/dev/null; then
  echo "isolated.sh: cannot create a network namespace (needs root, or unprivileged user namespaces); not running $pkg" >&2
  exit 1
fi

cd "$pkg_dir"
unshare -n bash -c 'set -euo pipefail; ip link set lo up; exec "$@"' isolated "$test_bin" "$@"

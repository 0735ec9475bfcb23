#!/usr/bin/env bash
# Builds the prism job server of Beam v2.77.0 into bin/prism-2.77 (once; the
# Go build cache makes a rebuild take about a second).
#
# Why a second Beam version: the SDK and the Flink/Spark job servers are
# pinned to 2.62.0 (the newest release whose runners resolve from Maven
# Central here), but the in-process prism of 2.62 splits bundles of stateful
# stages under load and then advances their watermark past elements still
# queued (measured: 3 of 4 end-to-end runs lost a lifecycle step or let a
# duplicate through at load ~7). Prism 2.77 speaks the same portable API and
# has --experiments=prism_disable_sdf_split, with which the same runs are exact.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PRISM_VERSION="${PRISM_VERSION:-v2.77.0}"
out="$ROOT/bin/prism-2.77"
[[ -x "$out" ]] && exit 0
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "building prism $PRISM_VERSION into $out" >&2
GOBIN="$tmp" GONOSUMDB=github.com/apache/beam GOFLAGS=-buildvcs=false \
  go install "github.com/apache/beam/sdks/v2/go/cmd/prism@$PRISM_VERSION"
mkdir -p "$ROOT/bin"
mv "$tmp/prism" "$out"

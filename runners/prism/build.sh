#!/usr/bin/env bash
# Builds the prism job server of Beam v2.77.0 into bin/prism-2.77 (once; the
# Go build cache makes a rebuild take about a second).
#
# The same prism as the in-process runner of the Go SDK in go.mod, as a
# process of its own: the kill tests (testing/e2e, tag faults) SIGKILL it
# together with the pipeline, and users can run it as a job server for the
# prism-server preset.
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

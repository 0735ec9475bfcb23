#!/usr/bin/env bash
# Installs Debian's chromium for the headless browser tests (make test-browser).
# Idempotent: does nothing when a chromium binary is already on PATH.
# Prints the binary's path on stdout.
set -euo pipefail

find_chromium() { command -v chromium || command -v chromium-browser; }

if ! bin=$(find_chromium); then
  if [[ $(id -u) != 0 ]]; then
    echo "testing/browser/install.sh: chromium is missing; run as root or: sudo apt-get install -y chromium" >&2
    exit 1
  fi
  echo "installing chromium (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
  bin=$(find_chromium)
fi
echo "$bin"

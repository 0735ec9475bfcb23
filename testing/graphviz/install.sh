#!/usr/bin/env bash
# Installs Graphviz's dot (Debian package graphviz), used to render the
# pipeline graph to docs/pipeline.svg. Idempotent. Prints dot's path on stdout.
set -euo pipefail

if ! bin=$(command -v dot); then
  if [[ $(id -u) != 0 ]]; then
    echo "testing/graphviz/install.sh: dot is missing; run as root or: sudo apt-get install -y graphviz" >&2
    exit 1
  fi
  echo "installing graphviz (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends graphviz >&2
  bin=$(command -v dot)
fi
echo "$bin"

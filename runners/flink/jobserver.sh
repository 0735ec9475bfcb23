#!/usr/bin/env bash
# Starts, stops or reports the local Beam Flink job server: jobserver.sh start|stop|status.
# See runners/jobserver.sh for the environment variables it reads.
exec "$(dirname "${BASH_SOURCE[0]}")/../jobserver.sh" flink "$@"

#!/usr/bin/env bash
# Starts, stops or reports a local Java expansion service for Beam's AWS v2 KinesisIO external
# transforms (io/xlang/kinesisio), bound to 127.0.0.1:
#
#   runners/expansion/expansion.sh start|stop|status
#
# The classpath comes from runners/expansion/pom.xml via Maven, cached in .cache/runners/expansion/
# and recomputed when the pom changes (same scheme as runners/jobserver.sh). The main class is
# runners/jvm/LoopbackExpansionService.java (ExpansionService.main binds every interface).
# runners/expansion/KinesisReadRegistrar.java, compiled with it, adds the project's own Kinesis
# read URN (Beam's kinesis_read_data:v2 cannot expand; see that file), registered through
# runners/expansion/resources/META-INF/services.
# The service also runs a Java worker pool (--alsoStartLoopbackWorker): the expanded transforms get
# an EXTERNAL environment at the service's address, so a runner runs them without Docker.
# Logs, pid and the endpoint go to .stack/expansion/ (EXPANSION_STACK_DIR replaces it, absolute).
# EXPANSION_PORT fixes the port (default 0, kernel-chosen); EXPANSION_JAVA_OPTS adds JVM flags
# (default -Xmx1g); EXPANSION_START_TIMEOUT is in seconds.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
pom=$here/pom.xml
src=$root/runners/jvm/LoopbackExpansionService.java
registrar=$here/KinesisReadRegistrar.java
resources=$here/resources
cache=$root/.cache/runners/expansion
stack=${EXPANSION_STACK_DIR:-$root/.stack/expansion}
pidfile=$stack/expansion.pid
logfile=$stack/expansion.log
endpointfile=$stack/endpoint

tool=expansion.sh
label="expansion service"
# shellcheck source=runners/jvm/service.sh
source "$root/runners/jvm/service.sh"

start() {
  if pid=$(running_pid); then
    echo "expansion service already running (pid $pid) at $(<"$endpointfile")"
    return
  fi
  require_jdk
  local cp classes
  cp=$(classpath)
  classes=$(launcher "$cp" "$src" "$registrar")
  mkdir -p "$stack"
  rm -f "$endpointfile"
  : >"$logfile"
  # aws.cborEnabled=false: the AWS SDK v2 speaks CBOR to Kinesis by default, and against
  # kinesalite KinesisIO.read() then never returned a record (the read hung; with JSON the
  # round trip test reads every record). Kinesis serves both, so JSON costs nothing elsewhere.
  # shellcheck disable=SC2086 # EXPANSION_JAVA_OPTS is a word list on purpose.
  nohup java ${EXPANSION_JAVA_OPTS:--Xmx1g} -Daws.cborEnabled=false -cp "$classes:$resources:$cp" LoopbackExpansionService \
    "${EXPANSION_PORT:-0}" --alsoStartLoopbackWorker \
    >"$logfile" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$pidfile"

  await_endpoint "$pid" EXPANSION_ENDPOINT "${EXPANSION_START_TIMEOUT:-120}"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

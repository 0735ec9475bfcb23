#!/usr/bin/env bash
# Starts, stops or reports a local Java expansion service for Beam's AWS v2 KinesisIO external
# transforms (io/xlang/kinesisio), bound to 127.0.0.1:
#
#   runners/expansion/expansion.sh start|stop|status
#
# The classpath comes from runners/expansion/pom.xml via Maven, cached in .cache/runners/expansion/
# and recomputed when the pom changes (same scheme as runners/jobserver.sh). The main class is
# runners/jvm/LoopbackExpansionService.java (ExpansionService.main binds every interface).
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
cache=$root/.cache/runners/expansion
stack=${EXPANSION_STACK_DIR:-$root/.stack/expansion}
pidfile=$stack/expansion.pid
logfile=$stack/expansion.log
endpointfile=$stack/endpoint

die() {
  echo "expansion.sh: $*" >&2
  exit 1
}

running_pid() {
  [[ -f $pidfile ]] || return 1
  local pid
  pid=$(<"$pidfile")
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

# classpath prints the service's classpath, resolving it with Maven only when the pom changed or
# a cached jar has gone from the local repository.
classpath() {
  command -v mvn >/dev/null || die "mvn not found: install Maven 3 (Debian: apt-get install maven)"
  mkdir -p "$cache"
  local key cpfile=$cache/classpath.txt keyfile=$cache/pom.sha256
  key=$(sha256sum "$pom" | cut -d' ' -f1)
  if [[ -f $cpfile && -f $keyfile && $(<"$keyfile") == "$key" ]]; then
    local jar missing=0
    while IFS= read -r -d: jar || [[ -n $jar ]]; do
      [[ -f $jar ]] || { missing=1; break; }
    done <"$cpfile"
    if [[ $missing == 0 ]]; then
      cat "$cpfile"
      return
    fi
  fi
  echo "expansion.sh: resolving the expansion service classpath with Maven (first run downloads jars)" >&2
  if ! mvn -q -B -f "$pom" dependency:build-classpath -Dmdep.outputFile="$cpfile.tmp" \
    >"$cache/mvn.log" 2>&1; then
    tail -n 30 "$cache/mvn.log" >&2
    die "Maven could not resolve $pom (full log: $cache/mvn.log)"
  fi
  mv "$cpfile.tmp" "$cpfile"
  echo "$key" >"$keyfile"
  cat "$cpfile"
}

# launcher compiles LoopbackExpansionService.java once per source/classpath change and prints the
# directory holding its class.
launcher() {
  local cp=$1 classes=$cache/launcher key
  key=$( (sha256sum "$src" && echo "$cp") | sha256sum | cut -d' ' -f1)
  if [[ ! -f $classes/key || $(<"$classes/key") != "$key" ]]; then
    rm -rf "$classes"
    mkdir -p "$classes"
    javac -nowarn -cp "$cp" -d "$classes" "$src" >&2 || die "javac failed on $src"
    echo "$key" >"$classes/key"
  fi
  echo "$classes"
}

start() {
  if pid=$(running_pid); then
    echo "expansion service already running (pid $pid) at $(<"$endpointfile")"
    return
  fi
  command -v java >/dev/null || die "java not found: install a JDK 17 (Debian: apt-get install openjdk-17-jdk-headless)"
  command -v javac >/dev/null || die "javac not found: install a JDK 17, not only a JRE"
  local cp classes
  cp=$(classpath)
  classes=$(launcher "$cp")
  mkdir -p "$stack"
  rm -f "$endpointfile"
  : >"$logfile"
  # shellcheck disable=SC2086 # EXPANSION_JAVA_OPTS is a word list on purpose.
  nohup java ${EXPANSION_JAVA_OPTS:--Xmx1g} -cp "$classes:$cp" LoopbackExpansionService \
    "${EXPANSION_PORT:-0}" --alsoStartLoopbackWorker \
    >"$logfile" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$pidfile"

  local deadline=$((SECONDS + ${EXPANSION_START_TIMEOUT:-120})) endpoint=""
  while [[ -z $endpoint ]]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$logfile" >&2
      rm -f "$pidfile"
      die "expansion service exited during start (log: $logfile)"
    fi
    ((SECONDS < deadline)) || { stop >/dev/null; die "expansion service not up after ${EXPANSION_START_TIMEOUT:-120}s (log: $logfile)"; }
    endpoint=$(sed -n 's/^EXPANSION_ENDPOINT //p' "$logfile")
    [[ -n $endpoint ]] || sleep 0.2
  done
  (exec 3<>"/dev/tcp/${endpoint%:*}/${endpoint##*:}") 2>/dev/null ||
    die "expansion service reported $endpoint but it refuses connections (log: $logfile)"
  echo "$endpoint" >"$endpointfile"
  echo "expansion service (pid $pid) at $endpoint"
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    rm -f "$pidfile" "$endpointfile"
    echo "expansion service not running"
    return
  fi
  kill "$pid"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile" "$endpointfile"
  echo "expansion service (pid $pid) stopped"
}

status() {
  local pid
  if pid=$(running_pid); then
    echo "expansion service running (pid $pid) at $(<"$endpointfile")"
  else
    echo "expansion service not running"
    return 3
  fi
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

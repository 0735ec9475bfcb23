#!/usr/bin/env bash
# Starts, stops or reports a local Beam portable job server (Flink or Spark) on loopback.
#
#   runners/jobserver.sh flink|spark start|stop|status
#   (runners/flink/jobserver.sh and runners/spark/jobserver.sh call this with the runner set)
#
# The classpath comes from runners/<runner>/pom.xml via Maven, cached in .cache/runners/<runner>/
# and recomputed when the pom changes. Logs, pid and the job endpoint go to .stack/<runner>/.
# Ports default to 0 (kernel-chosen, no race); set <RUNNER>_JOB_PORT, <RUNNER>_ARTIFACT_PORT,
# <RUNNER>_EXPANSION_PORT (-1 disables the expansion service) to fix them.
# JOBSERVER_JAVA_OPTS adds JVM flags (default -Xmx2g); JOBSERVER_START_TIMEOUT is in seconds;
# JOBSERVER_STACK_DIR replaces .stack/<runner> (absolute path).
set -euo pipefail

usage() {
  echo "usage: $0 flink|spark start|stop|status" >&2
  exit 2
}
[[ $# -eq 2 ]] || usage
runner=$1
cmd=$2
case $runner in flink | spark) ;; *) usage ;; esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
pom=$here/$runner/pom.xml
cache=$root/.cache/runners/$runner
# JOBSERVER_STACK_DIR gives a job server its own state directory, so a test run (make test-flink)
# does not share, restart or stop the server others started in .stack/<runner>.
stack=${JOBSERVER_STACK_DIR:-$root/.stack/$runner}
pidfile=$stack/jobserver.pid
logfile=$stack/jobserver.log
endpointfile=$stack/endpoint
upper=${runner^^}

die() {
  echo "jobserver.sh: $*" >&2
  exit 1
}

running_pid() {
  [[ -f $pidfile ]] || return 1
  local pid
  pid=$(<"$pidfile")
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

# classpath prints the runner's classpath, resolving it with Maven only when the pom changed
# or a cached jar has gone from the local repository.
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
  echo "jobserver.sh: resolving the $runner classpath with Maven (first run downloads jars)" >&2
  if ! mvn -q -B -f "$pom" dependency:build-classpath -Dmdep.outputFile="$cpfile.tmp" \
    >"$cache/mvn.log" 2>&1; then
    tail -n 30 "$cache/mvn.log" >&2
    die "Maven could not resolve $pom (full log: $cache/mvn.log)"
  fi
  mv "$cpfile.tmp" "$cpfile"
  echo "$key" >"$keyfile"
  cat "$cpfile"
}

# launcher compiles LoopbackJobServer.java once per source/classpath change and prints the
# directory holding its class (a single-file source launch would recompile on every start).
launcher() {
  local cp=$1 src=$here/jvm/LoopbackJobServer.java classes=$cache/launcher key
  key=$( (sha256sum "$src" && echo "$cp") | sha256sum | cut -d' ' -f1)
  if [[ ! -f $classes/key || $(<"$classes/key") != "$key" ]]; then
    rm -rf "$classes"
    mkdir -p "$classes"
    javac -nowarn -cp "$cp" -d "$classes" "$src" >&2 || die "javac failed on $src"
    echo "$key" >"$classes/key"
  fi
  echo "$classes"
}

runner_args() {
  case $runner in
    flink)
      # Flink needs an absolute checkpoint URI, so the committed config is rendered per checkout.
      mkdir -p "$stack/conf" "$stack/checkpoints"
      sed "s|@STACK_DIR@|$stack|g" "$here/flink/conf/config.yaml" >"$stack/conf/config.yaml"
      echo "--flink-master=[local]" "--flink-conf-dir=$stack/conf"
      ;;
    spark)
      echo "--spark-master-url=local[2]"
      ;;
  esac
}

start() {
  if pid=$(running_pid); then
    echo "$runner job server already running (pid $pid) at $(<"$endpointfile")"
    return
  fi
  command -v java >/dev/null || die "java not found: install a JDK 17 (Debian: apt-get install openjdk-17-jdk-headless)"
  command -v javac >/dev/null || die "javac not found: install a JDK 17, not only a JRE (Debian: apt-get install openjdk-17-jdk-headless)"
  local cp classes
  cp=$(classpath)
  classes=$(launcher "$cp")
  mkdir -p "$stack"
  rm -f "$endpointfile"
  : >"$logfile"
  local job_port_var=${upper}_JOB_PORT artifact_port_var=${upper}_ARTIFACT_PORT
  local expansion_port_var=${upper}_EXPANSION_PORT
  # Spark picks its advertised host from the machine's interfaces unless told otherwise.
  export SPARK_LOCAL_IP=127.0.0.1
  # shellcheck disable=SC2046 # runner_args and JOBSERVER_JAVA_OPTS are word lists on purpose.
  nohup java @"$here/$runner/jvm.options" ${JOBSERVER_JAVA_OPTS:--Xmx2g} \
    -cp "$classes:$cp" LoopbackJobServer "$runner" \
    --job-host=127.0.0.1 \
    --job-port="${!job_port_var:-0}" \
    --artifact-port="${!artifact_port_var:-0}" \
    --expansion-port="${!expansion_port_var:-0}" \
    --artifacts-dir="$stack/artifacts" \
    $(runner_args) \
    >"$logfile" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$pidfile"

  # LoopbackJobServer prints "JOB_ENDPOINT host:port" once the job service is bound.
  local deadline=$((SECONDS + ${JOBSERVER_START_TIMEOUT:-180})) endpoint=""
  while [[ -z $endpoint ]]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$logfile" >&2
      rm -f "$pidfile"
      die "$runner job server exited during start (log: $logfile)"
    fi
    ((SECONDS < deadline)) || { stop >/dev/null; die "$runner job server not up after ${JOBSERVER_START_TIMEOUT:-180}s (log: $logfile)"; }
    endpoint=$(sed -n 's/^JOB_ENDPOINT //p' "$logfile")
    [[ -n $endpoint ]] || sleep 0.2
  done
  # Double-check that the port really accepts connections before handing it out.
  (exec 3<>"/dev/tcp/${endpoint%:*}/${endpoint##*:}") 2>/dev/null ||
    die "$runner job server reported $endpoint but it refuses connections (log: $logfile)"
  echo "$endpoint" >"$endpointfile"
  echo "$runner job server (pid $pid) at $endpoint"
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    rm -f "$pidfile" "$endpointfile"
    echo "$runner job server not running"
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
  echo "$runner job server (pid $pid) stopped"
}

status() {
  local pid
  if pid=$(running_pid); then
    echo "$runner job server running (pid $pid) at $(<"$endpointfile")"
  else
    echo "$runner job server not running"
    return 3
  fi
}

case $cmd in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) usage ;;
esac

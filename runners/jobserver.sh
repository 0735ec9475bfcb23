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
# JOBSERVER_STACK_DIR replaces .stack/<runner> (absolute path). JOBSERVER_PATCHES=0 leaves out
# our patches of Beam's classes (runners/jvm/patches).
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

tool=jobserver.sh
label="$runner job server"
# shellcheck source=runners/jvm/service.sh
source "$here/jvm/service.sh"

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
  require_jdk
  local cp classes sources=("$here/jvm/LoopbackJobServer.java")
  cp=$(classpath)
  # Our fix of the runner's data-plane deadlock (runners/README.md, "Known problems"), compiled
  # ahead of Beam's class; JOBSERVER_PATCHES=0 runs Beam's as released, to reproduce the hang.
  if [[ ${JOBSERVER_PATCHES:-1} != 0 ]]; then
    local patched
    patched=$(patched_source "$cp" org.apache.beam:beam-runners-java-fn-execution \
      org/apache/beam/runners/fnexecution/control/SdkHarnessClient.java \
      "$here/jvm/patches/SdkHarnessClient-drain-while-waiting.patch")
    sources+=("$patched")
  fi
  classes=$(launcher "$cp" "${sources[@]}")
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
  await_endpoint "$pid" JOB_ENDPOINT "${JOBSERVER_START_TIMEOUT:-180}"
}

case $cmd in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) usage ;;
esac

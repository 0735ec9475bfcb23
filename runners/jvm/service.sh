# Shared by runners/jobserver.sh and runners/expansion/expansion.sh (sourced): a Java service
# on loopback whose classpath Maven resolves from a pom and whose small launcher class is
# compiled here. The caller sets: tool (name in messages), label (the service, for humans),
# pom, cache, pidfile, logfile, endpointfile.

die() {
  echo "$tool: $*" >&2
  exit 1
}

running_pid() {
  [[ -f $pidfile ]] || return 1
  local pid
  pid=$(<"$pidfile")
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

# require_jdk fails unless java and javac are on the PATH.
require_jdk() {
  command -v java >/dev/null || die "java not found: install a JDK 17 (Debian: apt-get install openjdk-17-jdk-headless)"
  command -v javac >/dev/null || die "javac not found: install a JDK 17, not only a JRE (Debian: apt-get install openjdk-17-jdk-headless)"
}

# classpath prints the service's classpath, resolving it with Maven only when the pom changed
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
  echo "$tool: resolving the $label classpath with Maven (first run downloads jars)" >&2
  if ! mvn -q -B -f "$pom" dependency:build-classpath -Dmdep.outputFile="$cpfile.tmp" \
    >"$cache/mvn.log" 2>&1; then
    tail -n 30 "$cache/mvn.log" >&2
    die "Maven could not resolve $pom (full log: $cache/mvn.log)"
  fi
  mv "$cpfile.tmp" "$cpfile"
  echo "$key" >"$keyfile"
  cat "$cpfile"
}

# launcher CLASSPATH SOURCE... compiles the launcher (and any companion classes) once per
# source/classpath change and prints the directory holding the classes (a single-file source
# launch would recompile on every start).
launcher() {
  local cp=$1 classes=$cache/launcher key
  shift
  key=$( (sha256sum "$@" && echo "$cp") | sha256sum | cut -d' ' -f1)
  if [[ ! -f $classes/key || $(<"$classes/key") != "$key" ]]; then
    rm -rf "$classes"
    mkdir -p "$classes"
    javac -nowarn -cp "$cp" -d "$classes" "$@" >&2 || die "javac failed on $*"
    echo "$key" >"$classes/key"
  fi
  echo "$classes"
}

# await_endpoint PID MARKER TIMEOUT waits until the launcher logs "MARKER host:port", checks
# that the port accepts connections, and records the endpoint.
await_endpoint() {
  local pid=$1 marker=$2 timeout=$3
  local deadline=$((SECONDS + timeout)) endpoint=""
  while [[ -z $endpoint ]]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$logfile" >&2
      rm -f "$pidfile"
      die "$label exited during start (log: $logfile)"
    fi
    ((SECONDS < deadline)) || { stop >/dev/null; die "$label not up after ${timeout}s (log: $logfile)"; }
    endpoint=$(sed -n "s/^$marker //p" "$logfile")
    [[ -n $endpoint ]] || sleep 0.2
  done
  # Double-check that the port really accepts connections before handing it out.
  (exec 3<>"/dev/tcp/${endpoint%:*}/${endpoint##*:}") 2>/dev/null ||
    die "$label reported $endpoint but it refuses connections (log: $logfile)"
  echo "$endpoint" >"$endpointfile"
  echo "$label (pid $pid) at $endpoint"
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    rm -f "$pidfile" "$endpointfile"
    echo "$label not running"
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
  echo "$label (pid $pid) stopped"
}

status() {
  local pid
  if pid=$(running_pid); then
    echo "$label running (pid $pid) at $(<"$endpointfile")"
  else
    echo "$label not running"
    return 3
  fi
}

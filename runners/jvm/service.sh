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

# launcher CLASSPATH SOURCE... compiles the launcher (and any companion or patched classes) once
# per source/classpath change and prints the directory holding the classes (a single-file source
# launch would recompile on every start). Each set of inputs gets its own directory, built aside
# and then moved in place: a running service still loads classes from the one it started with,
# even when a later start compiles other inputs (JOBSERVER_PATCHES=0).
launcher() {
  local cp=$1 key
  shift
  key=$( (sha256sum "$@" && echo "$cp") | sha256sum | cut -d' ' -f1)
  local classes=$cache/launcher/$key
  if [[ ! -f $classes/key ]]; then
    local tmp
    mkdir -p "$cache/launcher"
    tmp=$(mktemp -d "$cache/launcher/.build.XXXXXX")
    chmod 755 "$tmp"
    javac -nowarn -cp "$cp" -d "$tmp" "$@" >&2 || { rm -rf "$tmp"; die "javac failed on $*"; }
    echo "$key" >"$tmp/key"
    # Another start may have built the same key meanwhile; either copy is good.
    mv -T "$tmp" "$classes" 2>/dev/null || rm -rf "$tmp"
  fi
  echo "$classes"
}

# patched_source CLASSPATH GROUP:ARTIFACT FILE PATCH prints the path of FILE, a source file of
# the artifact on CLASSPATH, with our PATCH applied. Only the patch is committed: the file comes
# from the artifact's sources jar, which Maven fetches next to the classpath's jar. The version is
# the classpath's, so a pom upgrade makes a stale patch fail here instead of running unpatched.
# The result is cached per sources jar and patch.
patched_source() {
  local cp=$1 coords=$2 file=$3 patch=$4
  local group=${coords%%:*} artifact=${coords#*:} jar
  # grep reads the whole list (no -m1): stopping early would kill tr with SIGPIPE, which
  # pipefail turns into a failure whenever the jar comes early in the classpath.
  jar=$(tr ':' '\n' <<<"$cp" | grep -E "/${group//.//}/$artifact/[^/]+/$artifact-[^/]+\.jar$" || true)
  jar=${jar%%$'\n'*}
  [[ -n $jar ]] || die "$coords is not on the $label classpath: nothing for $patch to patch"
  local version sources=${jar%.jar}-sources.jar
  version=$(basename "$(dirname "$jar")")
  if [[ ! -f $sources ]]; then
    echo "$tool: fetching the sources of $coords:$version with Maven" >&2
    if ! mvn -q -B dependency:get -Dartifact="$coords:$version:jar:sources" -Dtransitive=false \
      >"$cache/mvn-sources.log" 2>&1; then
      tail -n 30 "$cache/mvn-sources.log" >&2
      die "Maven could not fetch $coords:$version:jar:sources (full log: $cache/mvn-sources.log)"
    fi
    [[ -f $sources ]] || die "Maven fetched $coords:$version:jar:sources, but not to $sources"
  fi
  command -v patch >/dev/null || die "patch not found (Debian: apt-get install patch)"
  command -v jar >/dev/null || die "jar not found: install a JDK 17 (Debian: apt-get install openjdk-17-jdk-headless)"
  local key dir
  key=$(cat "$sources" "$patch" | sha256sum | cut -d' ' -f1)
  dir=$cache/patched/$key
  if [[ ! -f $dir/ok ]]; then
    rm -rf "$dir"
    mkdir -p "$dir/src"
    (cd "$dir/src" && jar xf "$sources" "$file") && [[ -f $dir/src/$file ]] ||
      die "$file is not in $sources"
    # --fuzz=0: a hunk that does not match exactly is a changed upstream file; refuse it.
    if ! patch --batch --forward --fuzz=0 --reject-file=- -p1 -d "$dir/src" -i "$patch" \
      >"$dir/patch.log" 2>&1; then
      cat "$dir/patch.log" >&2
      die "$patch does not apply to $file of $coords:$version: port it to this version, or drop it if upstream fixed the bug"
    fi
    touch "$dir/ok"
  fi
  echo "$dir/src/$file"
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

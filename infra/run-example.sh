#!/usr/bin/env bash
# The main job: builds what is needed and runs the order saga example: by default the code
# workflow over orders of 1-5 lines (examples/order_saga_code.cc), with --builder the same saga
# as a builder chain (examples/order_saga.cc).
#
#   infra/run-example.sh                    embedded SQLite store (a temporary file)
#   infra/run-example.sh --dynamodb-local   DynamoDB Local, started for this run and stopped after
#   infra/run-example.sh --builder          the builder version of the saga
#   infra/run-example.sh --runs 5000 --threads 16     any other flag goes to the example
#                                                     (see `order_saga_code --help`)
#
# Steps: infra/bootstrap.sh (installs missing packages as root; otherwise prints the apt-get
# line and stops), configure a Release build in build/release, build only the example programs,
# then run build/release/examples/order_saga_code (or order_saga) with 8 worker threads: a progress line every
# second, then the summary (runs by status, steps executed, store requests per step, elapsed
# time, throughput). Works from any directory.
#
# Environment:
#   DYNAFLOW_EXAMPLE_DYNAMODB_LOCAL=1   same as --dynamodb-local
#   DYNAFLOW_JOBS                       build parallelism (default: nproc)
#   DYNAFLOW_DDB_LOCAL_*                see infra/dynamodb-local.sh (the state folder defaults to
#                                       .cache/dynamodb-local/state-example here)
#
# Exit status: the example's (0 = every run reached its expected outcome, 1 = some did not,
# 2 = bad flags or store); 1 when bootstrap, the build or DynamoDB Local fails.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BUILD_DIR=$REPO_ROOT/build/release
JOBS=${DYNAFLOW_JOBS:-$(nproc 2>/dev/null || echo 2)}

log() { echo "run-example: $*" >&2; }

dynamodb_local=${DYNAFLOW_EXAMPLE_DYNAMODB_LOCAL:-0}
[[ "$dynamodb_local" == 1 || "$dynamodb_local" == true ]] && dynamodb_local=1 || dynamodb_local=0
saga_args=()
program=order_saga_code
runs_given=0
threads_given=0
for arg in "$@"; do
  case "$arg" in
    --dynamodb-local) dynamodb_local=1 ;;
    --builder) program=order_saga ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      [[ "$arg" == --runs || "$arg" == --runs=* ]] && runs_given=1
      [[ "$arg" == --threads || "$arg" == --threads=* || "$arg" == --worker.threads* ]] &&
        threads_given=1
      saga_args+=("$arg")
      ;;
  esac
done

# ---------------------------------------------------------------- dependencies and build

"$REPO_ROOT/infra/bootstrap.sh" || {
  log "missing dependencies (see above); install them and run this again"
  exit 1
}

log "configuring a Release build in $BUILD_DIR"
mkdir -p "$BUILD_DIR"
cmake -S "$REPO_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
  -DDYNAFLOW_BUILD_TESTS=OFF -DDYNAFLOW_BUILD_BENCH=OFF >"$BUILD_DIR/configure.log" 2>&1 || {
  cat "$BUILD_DIR/configure.log" >&2
  log "cmake configure failed"
  exit 1
}
log "building the examples with $JOBS jobs (the first build takes a few minutes)"
cmake --build "$BUILD_DIR" -j "$JOBS" --target order_saga order_saga_code fanout_pipeline || {
  log "build failed"
  exit 1
}
SAGA=$BUILD_DIR/examples/$program

# ---------------------------------------------------------------- run

((threads_given)) || saga_args=(--threads 8 "${saga_args[@]}")
if ((dynamodb_local == 0)); then
  ((runs_given)) || saga_args=(--runs 1000 "${saga_args[@]}")
  log "running: $SAGA ${saga_args[*]}"
  echo
  exec "$SAGA" "${saga_args[@]}"
fi

export DYNAFLOW_DDB_LOCAL_STATE=${DYNAFLOW_DDB_LOCAL_STATE:-$REPO_ROOT/.cache/dynamodb-local/state-example}
DDB=$REPO_ROOT/infra/dynamodb-local.sh
# shellcheck disable=SC2317  # called from the EXIT trap
stop_ddb() { "$DDB" stop || true; }
trap stop_ddb EXIT
trap 'exit 130' INT TERM
endpoint_line=$("$DDB" start | tail -n1) || {
  log "could not start DynamoDB Local"
  exit 1
}
endpoint=${endpoint_line#DYNAMODB_ENDPOINT=}
[[ "$endpoint" == http://* ]] || {
  log "unexpected output from $DDB start: $endpoint_line"
  exit 1
}
# DynamoDB Local is much slower than the embedded store: fewer runs by default.
((runs_given)) || saga_args=(--runs 200 "${saga_args[@]}")
saga_args=(--config "$REPO_ROOT/examples/dynaflow-local-dynamodb.toml"
  "--store.aws-endpoint-url=$endpoint" "${saga_args[@]}")
log "running: $SAGA ${saga_args[*]}"
echo
rc=0
"$SAGA" "${saga_args[@]}" || rc=$?
exit "$rc"

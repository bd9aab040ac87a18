#!/usr/bin/env bash
# dynaflow's full test run (what CI runs through .ci/run).
#
# Phases:
#   bootstrap    infra/bootstrap.sh (installs missing Debian packages when root)
#   format       every C++ file git tracks is clang-format clean (.clang-format: Google, 100);
#                infra/check-docs.sh: README.md and docs/ (links, quoted paths and example, size,
#                no process words)
#   asan         ASan+UBSan build in build/asan; ctest labels `unit` and `tsan` (in parallel),
#                then `fuzz` (in parallel: each fuzz target of tests/fuzz replays its seed
#                corpus, then fuzzes it for 20 s with a fixed seed; a crash fails the step),
#                then `install` and `infra` (in parallel: cmake --install + a consumer project;
#                the table as code on moto, Terraform, cfn-lint), then `integration` and
#                `engine-dynamodb` (serially) against a DynamoDB Local started for this run,
#                then `browser` (the dashboard in headless Chromium; skipped with a message
#                when /usr/bin/chromium is missing)
#   tsan         ThreadSanitizer build in build/tsan of the engine tests; ctest label `tsan`
#                (in parallel), then `engine-dynamodb` (serially, on DynamoDB Local)
#
# DynamoDB Local runs with its own state dir (.cache/dynamodb-local/state-test), so an instance
# a developer started by hand is left alone; it is stopped on every exit (pass, failure, Ctrl-C).
# Works from any cwd. Exit status: 0 when every phase built and every test passed.
#
# Environment:
#   DYNAFLOW_TEST_PHASES  phases to run after bootstrap (default: "format asan tsan")
#   DYNAFLOW_JOBS         build and unit-test parallelism (default: nproc)
#   DYNAFLOW_TEST_BUILD_TYPE  CMake build type of the sanitizer builds (default: Debug)
#   ASAN_OPTIONS, UBSAN_OPTIONS, TSAN_OPTIONS  override the defaults below
#   CI=true               non-interactive; prints tool versions and the server log on failure
# shellcheck disable=SC2317  # functions below are called from traps and through `timed`
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO_ROOT"

JOBS=${DYNAFLOW_JOBS:-$(nproc)}
PHASES=${DYNAFLOW_TEST_PHASES:-format asan tsan}
CI=${CI:-false}
DDB_STATE_DIR=$REPO_ROOT/.cache/dynamodb-local/state-test
LOG_DIR=$REPO_ROOT/build/test-logs

# Sanitizer builds are plain Debug (-O0 -g), the build developers use: fastest to compile on
# two cores, exact stack traces, and the same warnings as a developer's build. (At -O1 and
# above, GCC 12 with -fsanitize=undefined reports spurious -Wformat-truncation and similar
# warnings, which -Werror would turn into CI-only build failures.) Set
# DYNAFLOW_TEST_BUILD_TYPE=RelWithDebInfo for faster tests at the price of a slower build.
BUILD_TYPE=${DYNAFLOW_TEST_BUILD_TYPE:-Debug}
readonly SANITIZER_FLAGS=("-DCMAKE_BUILD_TYPE=$BUILD_TYPE" "-DCMAKE_CXX_FLAGS_DEBUG=-g"
  -DDYNAFLOW_BUILD_TESTS=ON -DDYNAFLOW_BUILD_BENCH=OFF)

export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:check_initialization_order=1:strict_init_order=1:detect_odr_violation=2}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:report_error_type=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
export GTEST_COLOR=no
export CTEST_OUTPUT_ON_FAILURE=1
[[ "$CI" == true ]] && export DEBIAN_FRONTEND=noninteractive

TIMINGS=()     # "name<TAB>seconds"
TESTS_PASSED=0 # summed over every ctest run
TESTS_FAILED=0
FAILED_STEPS=()
DDB_STARTED=false

say() { echo "== test.sh: $*"; }
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }

# Runs "$@" as step $1 (a label) and records how long it took; returns its exit status.
# Commands run as a background job in their own process group (job control is on, below), and
# the script waits for them: a signal then reaches this script's trap at once, and the trap
# ends the whole group (build or test processes included). Shell functions run in the
# foreground, so that what they set stays in this shell.
CHILD_PID=""
timed() {
  local name=$1 start rc=0
  shift
  start=$(now_ms)
  say "$name: $*"
  if [[ "$(type -t "$1")" == function ]]; then
    "$@" || rc=$?
  else
    "$@" &
    CHILD_PID=$!
    wait "$CHILD_PID" || rc=$?
    CHILD_PID=""
  fi
  TIMINGS+=("$name"$'\t'"$(($(now_ms) - start))")
  return "$rc"
}

print_timings() {
  local entry name ms total=0
  echo
  echo "== timing summary"
  for entry in "${TIMINGS[@]}"; do
    name=${entry%%$'\t'*}
    ms=${entry#*$'\t'}
    printf '   %-34s %7d.%01d s\n' "$name" $((ms / 1000)) $((ms % 1000 / 100))
  done
  ms=$(($(now_ms) - SCRIPT_START_MS))
  printf '   %-34s %7d.%01d s\n' "total" $((ms / 1000)) $((ms % 1000 / 100))
}

stop_dynamodb_local() {
  if [[ "$DDB_STARTED" == true ]]; then
    DYNAFLOW_DDB_LOCAL_STATE=$DDB_STATE_DIR infra/dynamodb-local.sh stop || true
    DDB_STARTED=false
  fi
}

on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  stop_dynamodb_local
  print_timings
  if ((${#FAILED_STEPS[@]} > 0)); then
    echo "== failed: ${FAILED_STEPS[*]}"
  fi
  # Plain closing line: totals over every ctest run of this script.
  echo "tests: $TESTS_PASSED passed, $TESTS_FAILED failed"
  exit "$rc"
}
# On INT/TERM/HUP: end the running step's process group, then exit (which stops DynamoDB Local).
on_signal() {
  local name=$1 code=$2
  echo "== test.sh: got SIG$name, stopping" >&2
  if [[ -n "$CHILD_PID" ]]; then
    kill -TERM -- "-$CHILD_PID" 2>/dev/null || true
    wait "$CHILD_PID" 2>/dev/null || true
  fi
  exit "$code"
}
trap on_exit EXIT
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP
set -m # job control: each step runs in its own process group (see timed)

SCRIPT_START_MS=$(now_ms)

print_environment() {
  say "repo $REPO_ROOT, $(nproc) cores, jobs $JOBS, phases: $PHASES"
  if [[ "$CI" == true ]]; then
    g++ --version | head -n1 || true
    cmake --version | head -n1 || true
    java -version 2>&1 | head -n1 || true
    echo "node $(node --version 2>/dev/null || echo missing), npm $(npm --version 2>/dev/null || echo missing)"
    echo "ASAN_OPTIONS=$ASAN_OPTIONS"
    echo "UBSAN_OPTIONS=$UBSAN_OPTIONS"
    echo "TSAN_OPTIONS=$TSAN_OPTIONS"
    git log -1 --oneline 2>/dev/null || true
  fi
}

# Configures build dir $2 with the remaining args and builds BUILD_TARGETS (default: all).
BUILD_TARGETS=()
configure_and_build() { # name build_dir cmake-args...
  local name=$1 dir=$2 targets=()
  shift 2
  ((${#BUILD_TARGETS[@]} > 0)) && targets=(--target "${BUILD_TARGETS[@]}")
  timed "$name: configure" cmake -S "$REPO_ROOT" -B "$dir" "$@" || return 1
  timed "$name: build" cmake --build "$dir" -j "$JOBS" "${targets[@]}" || return 1
}

# Runs ctest in build dir $2 with the remaining args, its output also saved under
# build/test-logs/; adds its counts to the totals. Finding no test fails the step unless $3 is
# "allow-empty". Commands in the CTEST_WRAPPER array (if any) run ctest.
CTEST_WRAPPER=()
run_ctest() { # name build_dir allow-empty|require-tests ctest-args...
  local name=$1 dir=$2 no_tests=error out rc=0 counts failed total
  [[ "$3" == allow-empty ]] && no_tests=ignore
  shift 3
  mkdir -p "$LOG_DIR"
  out=$LOG_DIR/${name//[: ]/_}.log
  # tee ignores INT/TERM so that the log keeps what ctest prints while it is being stopped.
  timed "$name" "${CTEST_WRAPPER[@]}" ctest --test-dir "$dir" --output-on-failure \
    --no-tests="$no_tests" "$@" > >(trap '' INT TERM HUP && exec tee "$out") 2>&1 || rc=$?
  wait $! 2>/dev/null || true # let tee finish writing
  counts=$(sed -n 's/.*tests passed, \([0-9][0-9]*\) tests\{0,1\} failed out of \([0-9][0-9]*\).*/\1 \2/p' "$out" | tail -n1)
  if [[ -n "$counts" ]]; then
    read -r failed total <<<"$counts"
    TESTS_PASSED=$((TESTS_PASSED + total - failed))
    TESTS_FAILED=$((TESTS_FAILED + failed))
  elif ((rc == 0)); then
    say "$name: no tests with this label yet (OK)"
  fi
  if ((rc != 0)); then
    FAILED_STEPS+=("$name")
    if [[ "$CI" == true && -f "$DDB_STATE_DIR/dynamodb-local.log" ]]; then
      say "$name failed; last lines of the DynamoDB Local log:"
      tail -n 50 "$DDB_STATE_DIR/dynamodb-local.log" || true
    fi
  fi
  return "$rc"
}

start_dynamodb_local() {
  local out endpoint
  DDB_STARTED=true # stop on exit from now on: stopping an instance that never started is a no-op
  out=$(DYNAFLOW_DDB_LOCAL_STATE=$DDB_STATE_DIR infra/dynamodb-local.sh start) || return 1
  endpoint=$(tail -n1 <<<"$out")
  [[ "$endpoint" == DYNAMODB_ENDPOINT=http://127.0.0.1:* ]] || {
    echo "unexpected output from infra/dynamodb-local.sh start: $out" >&2
    return 1
  }
  export DYNAFLOW_TEST_DYNAMODB_ENDPOINT=${endpoint#DYNAMODB_ENDPOINT=}
  say "DYNAFLOW_TEST_DYNAMODB_ENDPOINT=$DYNAFLOW_TEST_DYNAMODB_ENDPOINT"
}

ensure_dynamodb_local() {
  [[ "$DDB_STARTED" == true ]] && return 0
  timed "dynamodb-local: start" start_dynamodb_local
}

# ---------------------------------------------------------------- phases

# Lists the C++ files that clang-format would change; fails when there is any.
check_format() {
  local files=() file bad=()
  if git -C "$REPO_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mapfile -t files < <(git -C "$REPO_ROOT" ls-files '*.cc' '*.h')
  else
    mapfile -t files < <(find model store engine examples bench tests -name '*.cc' -o -name '*.h')
  fi
  for file in "${files[@]}"; do
    [[ -f "$file" ]] || continue
    if ! clang-format --dry-run --Werror "$file" >/dev/null 2>&1; then bad+=("$file"); fi
  done
  if ((${#bad[@]} > 0)); then
    echo "not clang-format clean (run: clang-format -i <file>):" >&2
    printf '  %s\n' "${bad[@]}" >&2
    return 1
  fi
  say "format: ${#files[@]} files clang-format clean"
}

phase_format() {
  local rc=0
  timed "format: clang-format check" check_format || {
    FAILED_STEPS+=("format")
    rc=1
  }
  timed "format: docs check" "$REPO_ROOT/infra/check-docs.sh" || {
    FAILED_STEPS+=("format: docs")
    rc=1
  }
  return "$rc"
}

phase_asan() {
  local rc=0
  configure_and_build asan build/asan -DDYNAFLOW_SANITIZE=ON -DDYNAFLOW_TSAN=OFF \
    "${SANITIZER_FLAGS[@]}" || {
    FAILED_STEPS+=("asan: build")
    exit 1 # later phases would fail to build the same code
  }
  ensure_dynamodb_local || {
    FAILED_STEPS+=("dynamodb-local: start")
    return 1
  }
  run_ctest "asan: unit tests" build/asan require-tests -L '^(unit|tsan)$' -j "$JOBS" || rc=1
  run_ctest "asan: fuzz targets" build/asan require-tests -L '^fuzz$' -j "$JOBS" || rc=1
  run_ctest "asan: install and infra tests" build/asan require-tests -L '^(install|infra)$' \
    -j "$JOBS" || rc=1
  run_ctest "asan: integration tests" build/asan require-tests \
    -L '^(integration|engine-dynamodb)$' || rc=1
  # The dashboard in headless Chromium (tests/cli/ui_browser_test.cc): serially, after the rest.
  # Its screenshots land in build/test-logs/dashboard-*.png.
  if [[ -x /usr/bin/chromium ]]; then
    run_ctest "asan: browser tests" build/asan allow-empty -L '^browser$' || rc=1
  else
    say "asan: browser tests SKIPPED: /usr/bin/chromium is missing (infra/bootstrap.sh installs" \
      "Debian's chromium when run as root)"
  fi
  return "$rc"
}

# ThreadSanitizer phase: builds the engine test binaries (target tsan_tests) with
# -DDYNAFLOW_TSAN=ON and runs their tests: those labelled `tsan` (memory and SQLite backends)
# in parallel, then those labelled `engine-dynamodb` serially against DynamoDB Local.
phase_tsan() {
  # Only the binaries of tests labelled `tsan` are built (target tsan_tests, tests/CMakeLists.txt).
  BUILD_TARGETS=(tsan_tests)
  configure_and_build tsan build/tsan -DDYNAFLOW_TSAN=ON -DDYNAFLOW_SANITIZE=OFF \
    "${SANITIZER_FLAGS[@]}" || {
    FAILED_STEPS+=("tsan: build")
    exit 1
  }
  BUILD_TARGETS=()
  ensure_dynamodb_local || {
    FAILED_STEPS+=("dynamodb-local: start")
    return 1
  }
  # gcc 12's TSan runtime cannot map its shadow memory under the larger address randomization
  # of newer kernels (vm.mmap_rnd_bits > 28): run the tests without randomization there
  # (setarch -R is inherited by ctest's children).
  local rc=0
  if (($(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 0) > 28)) &&
    command -v setarch >/dev/null 2>&1; then
    CTEST_WRAPPER=(setarch "$(uname -m)" -R)
  fi
  run_ctest "tsan: tsan tests" build/tsan require-tests -L '^tsan$' -j "$JOBS" || rc=1
  run_ctest "tsan: engine tests on DynamoDB Local" build/tsan require-tests \
    -L '^engine-dynamodb$' || rc=1
  CTEST_WRAPPER=()
  return "$rc"
}

# ---------------------------------------------------------------- main

print_environment
timed bootstrap infra/bootstrap.sh || {
  FAILED_STEPS+=(bootstrap)
  exit 1
}

overall=0
for phase in $PHASES; do
  case "$phase" in
    format) phase_format || overall=1 ;;
    asan) phase_asan || overall=1 ;;
    tsan) phase_tsan || overall=1 ;;
    *)
      echo "unknown phase '$phase' in DYNAFLOW_TEST_PHASES (known: format asan tsan)" >&2
      exit 2
      ;;
  esac
done
exit "$overall"

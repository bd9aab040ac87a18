#!/usr/bin/env bash
# Installs a built dynaflow into a temporary prefix, then builds and runs a consumer project
# against it: ctest `install.consumer` (label `install`, run by infra/test.sh in its asan phase).
#
#   tests/install/install_test.sh BUILD_DIR VERSION [CMAKE_ARG...]
#
#   BUILD_DIR   a configured and built dynaflow build tree (libraries and programs built)
#   VERSION     the project version the install must report (CMake's PROJECT_VERSION)
#   CMAKE_ARG   passed on to the consumer's configure step (generator, compiler, build type)
#
# Checks, in order:
#   1. `cmake --install BUILD_DIR --prefix <tmp>/prefix` installs the package configuration,
#      the libraries and headers;
#   2. the private dependencies stay private: no installed header includes curl, OpenSSL,
#      SQLite or toml++, and the exported targets name them only as $<LINK_ONLY:...>; no
#      installed header is or includes a dynaflow/.../internal/ header;
#   3. tests/install/consumer configures with find_package(dynaflow VERSION EXACT CONFIG),
#      builds (its target installed_headers compiles every installed header) and runs: one
#      workflow on the embedded SQLite store ends COMPLETED with the expected result, and the
#      library and header versions are VERSION;
#   4. every installed program answers --version with "dynaflow VERSION" (the contract of
#      dynaflow_install_programs, cmake/dynaflowInstall.cmake); the example programs are there.
#
# The temporary folder (DYNAFLOW_INSTALL_TEST_DIR, default: a new one under TMPDIR) is removed
# when every check passed and kept for inspection otherwise.
# Exit status: 0 = every check passed; 1 = a check failed; 2 = bad arguments.
set -euo pipefail

if (($# < 2)); then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
fi
BUILD_DIR=$1
VERSION=$2
shift 2
CONSUMER_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/consumer" && pwd -P)
WORK=${DYNAFLOW_INSTALL_TEST_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/dynaflow-install-test.XXXXXX")}
PREFIX=$WORK/prefix

say() { echo "install_test: $*"; }
fail() {
  echo "install_test: FAILED: $*" >&2
  echo "install_test: kept $WORK for inspection" >&2
  exit 1
}

say "installing $BUILD_DIR into $PREFIX"
cmake --install "$BUILD_DIR" --prefix "$PREFIX" >"$WORK/install.log" 2>&1 ||
  fail "cmake --install (see $WORK/install.log)"

CMAKE_DIR=$(dirname "$(find "$PREFIX" -path '*/cmake/dynaflow/dynaflowConfig.cmake' | head -n1)")
[[ -f "$CMAKE_DIR/dynaflowConfig.cmake" ]] || fail "no dynaflowConfig.cmake under $PREFIX"
for file in dynaflowConfigVersion.cmake dynaflowTargets.cmake dynaflowRapidJSON.cmake; do
  [[ -f "$CMAKE_DIR/$file" ]] || fail "missing $CMAKE_DIR/$file"
done
for header in dynaflow/engine/engine.h dynaflow/config/config.h dynaflow/model/version.h \
  dynaflow/store/table/sqlite_table.h \
  dynaflow/store/dynamodb/client/client.h; do
  [[ -f "$PREFIX/include/$header" ]] || fail "missing header include/$header"
done
say "installed $(find "$PREFIX/include" -name '*.h' | wc -l) headers," \
  "$(find "$PREFIX" -name 'libdynaflow_*' | wc -l) libraries, package config in ${CMAKE_DIR#"$PREFIX"/}"

# Internal headers stay internal.
if grep -rlE '#include *[<"]dynaflow/.*/internal/' "$PREFIX/include" || find "$PREFIX/include" -path '*/internal/*' | grep .; then
  fail "the installed headers above include (or are) internal headers"
fi

# Private dependencies stay private.
if grep -rlE '#include *[<"](curl/|openssl/|sqlite3\.h|toml\+\+/)' "$PREFIX/include"; then
  fail "the installed headers above include a private dependency"
fi
targets=$(cat "$CMAKE_DIR"/dynaflowTargets.cmake)
for dep in CURL::libcurl OpenSSL::Crypto SQLite::SQLite3 PkgConfig::TOMLPP; do
  if grep -oE "[^;\"]*${dep}[^;\"]*" <<<"$targets" | grep -vqF "\$<LINK_ONLY:$dep>"; then
    fail "the exported targets use $dep other than as \$<LINK_ONLY:$dep>"
  fi
done
say "private dependencies: in no installed header, LINK_ONLY in the exported targets"

say "building the consumer (tests/install/consumer) against $PREFIX"
cmake -S "$CONSUMER_SRC" -B "$WORK/consumer" -DCMAKE_PREFIX_PATH="$PREFIX" \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DDYNAFLOW_EXPECTED_VERSION="$VERSION" "$@" \
  >"$WORK/consumer-configure.log" 2>&1 ||
  fail "configuring the consumer (see $WORK/consumer-configure.log)"
grep -E '^-- (dynaflow|installed_headers)' "$WORK/consumer-configure.log" || true
cmake --build "$WORK/consumer" -j "${DYNAFLOW_JOBS:-2}" >"$WORK/consumer-build.log" 2>&1 ||
  fail "building the consumer (see $WORK/consumer-build.log)"

out=$("$WORK/consumer/consumer" "$WORK/consumer.db") || fail "the consumer failed: $out"
echo "$out"
out=$(grep '^consumer: ' <<<"$out" || true) # the engine logs to stdout too
[[ "$out" == "consumer: dynaflow $VERSION (headers $VERSION): run "*" COMPLETED: HELLO, INSTALLED DYNAFLOW!" ]] ||
  fail "unexpected consumer output"

programs=0
for program in "$PREFIX"/bin/*; do
  [[ -x "$program" ]] || continue
  version=$("$program" --version) || fail "$program --version exited with status $?"
  [[ "$version" == "dynaflow $VERSION" ]] ||
    fail "$program --version printed '$version', expected 'dynaflow $VERSION'"
  programs=$((programs + 1))
done
for program in order_saga order_saga_code fanout_pipeline; do
  [[ -x "$PREFIX/bin/$program" ]] || fail "missing program bin/$program"
done
say "$programs installed programs answer --version with 'dynaflow $VERSION'"

rm -rf "$WORK"
say "OK"

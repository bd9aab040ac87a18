#!/usr/bin/env bash
# Regenerates the table-as-code files of infra/ (infra/aws/*, except README.md, and
# infra/docker-compose.yml) from the table layout of the code (dynaflow/store/table/seed_layout.h), with
# the generator in infra/gen (target dynaflow_infra_gen).
#
#   infra/gen/regenerate.sh [BUILD_DIR]
#
# BUILD_DIR is the build tree to build the generator in (default: $DYNAFLOW_BUILD_DIR, else
# build/dev); a missing one is configured as a Debug build without tests. Review the result with
# `git diff` and commit it: ctest infra.generated_files_in_sync fails while a committed file
# differs from the generator's output. Works from any directory.
#
# Exit status: 0 = files written; 1 = the build or the generator failed.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
BUILD_DIR=${1:-${DYNAFLOW_BUILD_DIR:-$REPO_ROOT/build/dev}}

if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  cmake -S "$REPO_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Debug -DDYNAFLOW_BUILD_TESTS=OFF \
    -DDYNAFLOW_BUILD_BENCH=OFF
fi
cmake --build "$BUILD_DIR" --target dynaflow_infra_gen
"$BUILD_DIR/infra/gen/dynaflow_infra_gen" --write "$REPO_ROOT"
"$BUILD_DIR/infra/gen/dynaflow_infra_gen" --list | sed 's/^/regenerated: /'

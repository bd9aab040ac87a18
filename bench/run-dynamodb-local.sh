#!/usr/bin/env bash
# Measures the engine on DynamoDB Local beside the emulator's raw conditional PutItem rate:
# builds bench/dynamodb_local_bench (Release, build/release), starts DynamoDB Local with its own
# state folder (.cache/dynamodb-local/state-bench), runs the bench, stops DynamoDB Local.
#
#   bench/run-dynamodb-local.sh [--threads 8] [--seconds 10]   (flags go to the bench)
#
# Exit status: the bench's (0 = figures printed), 1 when the build or DynamoDB Local failed.
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO_ROOT"
export DYNAFLOW_DDB_LOCAL_STATE=$REPO_ROOT/.cache/dynamodb-local/state-bench

infra/bootstrap.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DDYNAFLOW_BUILD_BENCH=ON \
  -DDYNAFLOW_BUILD_TESTS=OFF >/dev/null
cmake --build build/release -j "$(nproc)" --target dynamodb_local_bench
trap 'infra/dynamodb-local.sh stop >/dev/null 2>&1 || true' EXIT
endpoint=$(infra/dynamodb-local.sh start | tail -n1)
endpoint=${endpoint#DYNAMODB_ENDPOINT=}
echo "bench: $(date -u +%Y-%m-%d), $(nproc) cores, DynamoDB Local at $endpoint" >&2
build/release/bench/dynamodb_local_bench --endpoint "$endpoint" "$@"

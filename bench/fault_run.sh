#!/bin/sh
# The fault-injection suite at bench size (issue 13): 1,000 orders by default through a real
# cloud, agent, private cupsd and recording printer under random faults. Prints the seed at the
# start and the table per fault kind at the end; exits non-zero on any lost, duplicated,
# wrongly failed or stuck order. tests/fault/README.md explains the table.
#
#   bench/fault_run.sh [SEED] [ORDERS]
#
# Environment: BUILD_DIR (default build/default), FAULT_INTERVAL_MS (mean pause between orders,
# default 800), FAULT_KINDS (comma-separated kinds, default all), FAULT_LEASE_SECONDS (default
# 10), FAULT_SETTLE_SECONDS (default 900).
set -eu
cd "$(dirname "$0")/.."
seed=${1:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
orders=${2:-1000}
build=${BUILD_DIR:-build/default}
binary="$build/tests/fault/fault_tests"
if [ ! -x "$binary" ]; then
  echo "no $binary: cmake --build --preset default --target fault_tests" >&2
  exit 2
fi
echo "fault run: seed $seed, $orders orders"
FAULT_SEED=$seed FAULT_ORDERS=$orders \
  FAULT_INTERVAL_MS=${FAULT_INTERVAL_MS:-800} \
  FAULT_SETTLE_SECONDS=${FAULT_SETTLE_SECONDS:-900} \
  exec "$binary" --gtest_filter='FaultInjectionTest.RandomFaultsLoseAndDuplicateNothing'

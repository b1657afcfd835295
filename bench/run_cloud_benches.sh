#!/bin/sh
# Builds and runs the cloud benchmarks against a real printrelay-cloud process (figures only;
# nothing is asserted). Extra arguments go to cloud_bench, e.g.
#   bench/run_cloud_benches.sh                      # my orders (plain + TLS), slow clients, 10k polls
#   bench/run_cloud_benches.sh --only polls --polls 2000
#   bench/run_cloud_benches.sh --only polls --streams 10000   # once the event-stream routes exist
# Needs wrk (scripts/test-deps.sh). BUILD_DIR defaults to build/default.
set -eu
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build/default}
cmake --build "$BUILD_DIR" -j2 --target cloud_bench printrelay-cloud
# Each parked poll and stream is a descriptor on both ends: take the hard limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec "$BUILD_DIR/bench/cloud_bench" "$@"

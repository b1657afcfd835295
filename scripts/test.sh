#!/usr/bin/env bash
# Installs what the tests need, builds PrintRelay twice (RelWithDebInfo, then ASan+UBSan) and runs
# every test in both builds, plus the format check. Safe to run again: builds are incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc 2>/dev/null || echo 2)

echo "== dependencies"
scripts/test-deps.sh

echo "== format check"
scripts/check-format.sh

for preset in default asan; do
  echo "== build ($preset)"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "== test ($preset)"
  ctest --preset "$preset" -j "$jobs" --output-on-failure
done

echo "== all tests passed"

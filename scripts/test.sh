#!/usr/bin/env bash
# Installs what the tests need, builds PrintRelay twice (RelWithDebInfo, then ASan+UBSan), runs
# every test in the first and the unit and API tests again in the second, plus the format check;
# then cross-builds the Windows agent and runs its unit tests under wine
# (scripts/build-windows.sh). Safe to run again: builds are incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc 2>/dev/null || echo 2)

echo "== dependencies"
scripts/test-deps.sh

echo "== format check"
scripts/check-format.sh

# The integration suites (real cupsd, real processes) and the package checks run once, in the
# default build; the ASan+UBSan build runs every unit and API test again.
for preset in default asan; do
  echo "== build ($preset)"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "== test ($preset)"
  if [[ $preset == default ]]; then
    ctest --preset "$preset" -j "$jobs" --output-on-failure
  else
    ctest --preset "$preset" -j "$jobs" --output-on-failure -LE 'integration|packaging'
  fi
done

# --- fuzzing (tests/fuzz/README.md): every libFuzzer target for FUZZ_SECONDS (default 15) in
# the clang build (preset fuzz, build/fuzz); a finding fails the run. FUZZ_SECONDS=0 skips it.
if [[ ${FUZZ_SECONDS:-15} != 0 ]]; then
  echo "== fuzz (${FUZZ_SECONDS:-15} s per target)"
  FUZZ_BUILD_JOBS=$jobs scripts/fuzz.sh "${FUZZ_SECONDS:-15}"
fi
# --- end of fuzzing

echo "== Windows agent (MinGW-w64 cross build, unit tests under wine)"
scripts/build-windows.sh

echo "== all tests passed"

#!/usr/bin/env bash
# Builds the shop agent for Windows with Debian's MinGW-w64 cross compiler, so it never rots, and
# runs the agent's and common's unit tests (and the fuzz replay) under wine:
#   1. scripts/windows-deps.sh: the cross-built OpenSSL, SQLite, SQLiteCpp, cpp-httplib and
#      GoogleTest (cached outside the build tree; fast after the first run);
#   2. configures build/windows with packaging/windows/mingw-w64.cmake and builds
#      printrelay-agent.exe, printrelayctl.exe, common_tests.exe, agent_tests.exe, ctl_tests.exe
#      and fuzz_replay_tests.exe;
#   3. runs each test executable under wine in a throwaway WINEPREFIX (a temp dir, removed
#      afterwards), WINEDEBUG=-all.
# Exits nonzero on any failure. PRINTRELAY_WINDOWS_BUILD_DIR and PRINTRELAY_JOBS override the
# build directory and the parallelism.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=${PRINTRELAY_JOBS:-$(nproc 2>/dev/null || echo 2)}
cache=${PRINTRELAY_MINGW_CACHE:-$HOME/.cache/printrelay/mingw-w64}
build=${PRINTRELAY_WINDOWS_BUILD_DIR:-build/windows}
say() { echo "build-windows: $*"; }

started=$(date +%s)
scripts/windows-deps.sh
prefixes=$(cat "$cache/prefixes")
# find_package results (OpenSSL, SQLiteCpp, GTest) are cached in CMakeCache.txt: when the
# dependencies were rebuilt into new prefixes, configure afresh so none of the old ones is used.
if [[ -f "$build/CMakeCache.txt" && "$(cat "$build/.mingw-prefixes" 2>/dev/null)" != "$prefixes" ]]; then
  say "the dependencies changed; configuring $build afresh"
  rm -rf "$build/CMakeCache.txt" "$build/CMakeFiles"
fi

cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE="$PWD/packaging/windows/mingw-w64.cmake" \
  -DPRINTRELAY_MINGW_PREFIXES="$prefixes" -DCMAKE_BUILD_TYPE=Release \
  -DPRINTRELAY_BUILD_BENCH=OFF >"$build.configure.log" 2>&1 || {
  cat "$build.configure.log" >&2
  say "configure failed"
  exit 1
}
rm -f "$build.configure.log"
echo "$prefixes" >"$build/.mingw-prefixes"

tests=(common_tests agent_tests ctl_tests fuzz_replay_tests)
cmake --build "$build" -j "$jobs" --target printrelay-agent printrelayctl "${tests[@]}"
say "built in $(($(date +%s) - started)) s"

# --- the tests, under wine --------------------------------------------------------------------
command -v wine >/dev/null || {
  say "wine is missing (scripts/windows-deps.sh installs wine64)"
  exit 1
}
WINEPREFIX=$(mktemp -d "${TMPDIR:-/tmp}/printrelay-wine.XXXXXX")
export WINEPREFIX WINEDEBUG=-all WINEARCH=win64
# No Mono/Gecko install prompts: the tests need neither.
export WINEDLLOVERRIDES="mscoree=;mshtml="
cleanup() {
  wineserver -k >/dev/null 2>&1 || true
  rm -rf "$WINEPREFIX"
}
trap cleanup EXIT

failed=0
for test in "${tests[@]}"; do
  exe=$(find "$build" -name "$test.exe" -type f -print -quit)
  if [[ -z "$exe" ]]; then
    say "$test.exe was not built"
    failed=1
    continue
  fi
  log="$build/$test.wine.log"
  say "running $test.exe under wine"
  # The executables carry absolute paths of the test data (/work/...), which wine reads through
  # drive Z: because the current directory is on it.
  if timeout 900 wine "$exe" --gtest_color=no >"$log" 2>&1; then
    grep -E '^\[==========\] [0-9]+ tests? from .* ran|^\[  (PASSED|SKIPPED) \]' "$log" |
      sed "s/^/  $test: /" || true
  else
    status=$?
    tail -n 80 "$log"
    say "$test.exe failed (exit $status); full log: $log"
    failed=1
  fi
done

if ((failed)); then
  say "FAILED"
  exit 1
fi
say "all Windows tests passed under wine ($(($(date +%s) - started)) s in all)"

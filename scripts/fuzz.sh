#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, preset `fuzz`, build/fuzz) and runs each for SECONDS
# (default 20) over a scratch copy of its seed corpus (tests/fuzz/corpus/<target>), with its
# dictionary when there is one (tests/fuzz/dict/<target>.dict). Fails on the first finding and
# leaves the input that found it in the scratch directory it names.
#   scripts/fuzz.sh [seconds] [target…]      e.g. scripts/fuzz.sh 600 pdf_pages
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
shift || true
if (($# > 0)); then
  targets=("$@")
else
  targets=()
  for source in tests/fuzz/fuzz_*.cpp; do
    name=$(basename "$source" .cpp)
    # fuzz_*_test.cpp are the gtest files that replay the corpora, not targets.
    [[ $name == *_test ]] || targets+=("${name#fuzz_}")
  done
fi

cmake --preset fuzz >/dev/null
cmake --build build/fuzz -j "${FUZZ_BUILD_JOBS:-2}" --target "${targets[@]/#/fuzz_}"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/printrelay-fuzz.XXXXXX")
failed=()
for target in "${targets[@]}"; do
  mkdir -p "$scratch/$target"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$scratch/$target-")
  [[ -f tests/fuzz/dict/$target.dict ]] && args+=(-dict="tests/fuzz/dict/$target.dict")
  log=$scratch/$target.log
  if build/fuzz/tests/fuzz/fuzz_"$target" "${args[@]}" "$scratch/$target" \
    "tests/fuzz/corpus/$target" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    printf 'fuzz %-18s ok   %10s runs %8s exec/s\n' "$target" "$runs" "$rate"
  else
    printf 'fuzz %-18s FOUND something: %s\n' "$target" "$log"
    grep -E 'SUMMARY|fuzz invariant broken|Test unit written' "$log" | head -5 || true
    failed+=("$target")
  fi
done
if ((${#failed[@]} > 0)); then
  echo "fuzz: findings in ${failed[*]} (inputs and logs in $scratch)"
  exit 1
fi
rm -rf "$scratch"

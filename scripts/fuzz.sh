#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/fuzz_*.cpp) in the clang sanitizer build (the one `make build-asan` makes
# for the unit tests; nothing is compiled twice) and runs each for a bounded time on its committed corpus
# (tests/fuzz/corpus/<target>/), FUZZ_JOBS targets at a time. Fails on a crash, leak or sanitizer report in any target.
# Usage: scripts/fuzz.sh [BUILD_DIR] (default build-sanitize); FUZZ_SECONDS (default 15) per target, FUZZ_JOBS
# (default: the cores).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build-sanitize}
SECONDS_EACH=${FUZZ_SECONDS:-15}
JOBS=${FUZZ_JOBS:-$(nproc)}
CXX_BIN=${FUZZ_CXX:-$(command -v clang++ || true)}
[ -n "$CXX_BIN" ] || { echo "fuzz: clang++ not found (apt-get install clang)" >&2; exit 2; }
cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER="$CXX_BIN" -DPINGWATCH_FUZZ=ON \
  -DPINGWATCH_BUILD_BENCH=OFF >/dev/null
targets=$(cd "$SRC/tests/fuzz" && ls fuzz_*.cpp | sed 's/\.cpp$//')
# shellcheck disable=SC2086
cmake --build "$BUILD" -j "$JOBS" --target $targets
# One target per core at a time (each libFuzzer run is one process): FUZZ_JOBS runs side by side.
run_target() {
  local t=$1 name=${1#fuzz_} work log execs
  local corpus="$SRC/tests/fuzz/corpus/$name"
  work=$(mktemp -d)
  cp "$corpus"/* "$work"/ 2>/dev/null || true
  log="$BUILD/$t.log"
  # New inputs go to a scratch copy: the committed corpus only changes by hand (minimised with -merge=1).
  # -timeout is per input: 60 s, as one slow input under ASan on a loaded machine is not a hang.
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$BUILD/tests/fuzz/$t" -max_total_time="$SECONDS_EACH" -timeout=60 -rss_limit_mb=2048 \
      -artifact_prefix="$BUILD/$t-" "$work" >"$log" 2>&1; then
    echo "fuzz: $t FAILED; artifact and log under $BUILD ($log):" >&2
    grep -E "ERROR|SUMMARY|Test unit written" "$log" >&2 || tail -20 "$log" >&2
    rm -rf "$work"
    return 1
  fi
  execs=$(grep -oE "Done [0-9]+ runs" "$log" | grep -oE "[0-9]+" | tail -1) || true
  echo "${execs:-0}" >"$BUILD/$t.execs"
  echo "fuzz: $t ok, ${execs:-?} executions in ${SECONDS_EACH} s, corpus $(ls "$work" | wc -l) inputs"
  rm -rf "$work"
}
failed=0
running=0
for t in $targets; do
  if ((running >= JOBS)); then
    wait -n || failed=1
    running=$((running - 1))
  fi
  run_target "$t" &
  running=$((running + 1))
done
while ((running > 0)); do
  wait -n || failed=1
  running=$((running - 1))
done
((failed == 0)) || exit 1
total_execs=0
for t in $targets; do total_execs=$((total_execs + $(cat "$BUILD/$t.execs"))); done
echo "fuzz: all targets ok, $total_execs executions"

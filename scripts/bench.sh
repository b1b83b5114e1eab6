#!/usr/bin/env bash
# `make bench`: the Lambda zip (for cold starts), the micro-benchmarks, then the side-by-side comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
scripts/package-lambda.sh "$build/src/pingwatch-lambda" >/dev/null
if [ -x "$build/bench/pingwatch_microbench" ]; then
  "$build/bench/pingwatch_microbench" --benchmark_min_time=0.2 --benchmark_format=console | tee docs/microbench.txt
fi
/usr/bin/python3 bench/run_bench.py --build "$build" ${PINGWATCH_BENCH_ARGS:-}

#!/usr/bin/env bash
# make soak: 10,000 simulated nodes under faults and chaos (throttling, 5xx, jitter, drops, AWS quotas) for
# SOAK_MINUTES (default 10) of wall time at time-scale 60, with `pingwatch run` (publish, sync-alarms) and a
# `pingwatch watch` cycle every SOAK_WATCH_SECONDS against it. Every SOAK_SAMPLE_SECONDS (default 60) the RSS
# and open fds of the daemon and the stack are read from /proc; the curve goes to docs/soak.md (SOAK_REPORT).
# Bounded: everything is stopped after the run. Not part of `make test`.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
BIN=${PINGWATCH_BIN:-$BUILD/src/pingwatch}
MINUTES=${SOAK_MINUTES:-10}
NODES=${SOAK_NODES:-10000}
SAMPLE=${SOAK_SAMPLE_SECONDS:-60}
WATCH_EVERY=${SOAK_WATCH_SECONDS:-10}
REPORT=${SOAK_REPORT:-$SRC/docs/soak.md}
[ -x "$BIN" ] || { echo "soak: $BIN not built (make build)" >&2; exit 2; }
WORK=$(mktemp -d)
STACK_PID= DAEMON_PID=
cleanup() {
  for p in $DAEMON_PID $STACK_PID; do kill -TERM "$p" 2>/dev/null || true; done
  for p in $DAEMON_PID $STACK_PID; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN PINGWATCH_CONFIG || true

cat >"$WORK/chaos.json" <<'JSON'
{"seed": 60, "aws_quotas": true,
 "rules": [{"service": "*", "operation": "*", "throttle_rate": 0.1, "error_rate": 0.02, "jitter_ms": 50,
            "drop_rate": 0.005, "truncate_rate": 0.005, "malformed_rate": 0.005}]}
JSON
"$BIN" local --port 0 --nodes "$NODES" --time-scale 60 --chaos "$WORK/chaos.json" >"$WORK/stack.out" 2>"$WORK/stack.err" &
STACK_PID=$!
URL=
for _ in $(seq 1 600); do
  URL=$(sed -n 's/^pingwatch local listening on \(http:[^ ]*\)$/\1/p' "$WORK/stack.out")
  [ -n "$URL" ] && break
  kill -0 "$STACK_PID" 2>/dev/null || { cat "$WORK/stack.err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$URL" ] || { echo "soak: stack did not start" >&2; exit 1; }
TOPIC=$(curl -sf -X POST "$URL/_local/chaos" -d '{"rules": []}' >/dev/null && \
  AWS_MAX_ATTEMPTS=10 /usr/bin/aws --endpoint-url "$URL" sns create-topic --name SSM-Ping --query TopicArn --output text)
curl -sf -X POST "$URL/_local/chaos" --data-binary @"$WORK/chaos.json" >/dev/null
export CWAlarmSNSTopic=$TOPIC

"$BIN" run --endpoint-url "$URL" --region us-east-1 --interval 10 >"$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
# What the stack's heap holds (mallinfo2, from /_local/stats): RSS also counts freed memory malloc keeps.
heap_kb() { curl -sf "$URL/_local/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["memory"]["heap_in_use_bytes"] // 1024)' 2>/dev/null || echo "-"; }
samples="$WORK/samples.tsv"
echo -e "minute\tdaemon_rss_kb\tdaemon_fds\tstack_rss_kb\tstack_heap_kb\tstack_fds" >"$samples"
sample() { echo -e "$1\t$(rss_kb "$DAEMON_PID")\t$(fds "$DAEMON_PID")\t$(rss_kb "$STACK_PID")\t$(heap_kb)\t$(fds "$STACK_PID")" >>"$samples"; }
sample 0
start=$(date +%s)
end=$((start + MINUTES * 60))
next_sample=$((start + SAMPLE))
next_watch=$start
watch_ok=0 watch_failed=0
while [ "$(date +%s)" -lt "$end" ]; do
  kill -0 "$DAEMON_PID" 2>/dev/null || { echo "soak: daemon died" >&2; tail -20 "$WORK/daemon.log" >&2; exit 1; }
  kill -0 "$STACK_PID" 2>/dev/null || { echo "soak: stack died" >&2; tail -20 "$WORK/stack.err" >&2; exit 1; }
  now=$(date +%s)
  if [ "$now" -ge "$next_watch" ]; then
    if timeout 120 "$BIN" watch --endpoint-url "$URL" --region us-east-1 >>"$WORK/watch.log" 2>&1; then
      watch_ok=$((watch_ok + 1)); else watch_failed=$((watch_failed + 1)); fi
    next_watch=$((now + WATCH_EVERY))
  fi
  if [ "$(date +%s)" -ge "$next_sample" ]; then
    sample "$(awk -v s="$start" -v n="$(date +%s)" 'BEGIN {printf "%.1f", (n - s) / 60}')"
    next_sample=$((next_sample + SAMPLE))
  fi
  sleep 1
done
sample "$MINUTES"
chaos=$(curl -sf "$URL/_local/stats" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps(d["chaos"]), d["total"], d["errors"])')
cycles_ok=$(grep -c '"cycle' "$WORK/daemon.log" || true)
mkdir -p "$(dirname "$REPORT")"
{
  echo "# Soak run"
  echo
  echo "\`make soak\` (scripts/soak.sh): $NODES nodes, $MINUTES minutes of wall time at time-scale 60, chaos"
  echo "\`$(tr -d '\n' <"$WORK/chaos.json")\`; \`pingwatch run\` (publish, sync-alarms, every 10 s of wall time, the shortest interval it accepts) and"
  echo "\`pingwatch watch\` every ${WATCH_EVERY} s. Run on $(date -u +%Y-%m-%dT%H:%MZ), binary $BIN."
  echo
  echo "RSS (kB) and open file descriptors, sampled every ${SAMPLE} s from /proc:"
  echo
  echo "| minute | daemon RSS kB | daemon fds | stack RSS kB | stack heap in use kB | stack fds |"
  echo "|---|---|---|---|---|---|"
  tail -n +2 "$samples" | awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6}'
  echo
  echo "Stack counters at the end (chaos, total requests, error replies): \`$chaos\`."
  echo "Daemon log lines mentioning a cycle: $cycles_ok. watch cycles: $watch_ok exited 0, $watch_failed did not."
} >"$REPORT"
cat "$REPORT"

#!/usr/bin/env bash
# `pingwatch run` as a process against the local stack: JSON log lines on stdout, a cycle summary per job,
# a failed cycle logged and retried, SIGTERM and SIGINT finishing the cycle in flight and exiting 0,
# and exit 2 with a named key for a bad setting.
set -euo pipefail
BIN=${PINGWATCH_BIN:?PINGWATCH_BIN must point at the pingwatch binary}
WORK=$(mktemp -d)
STACK_PID=
DAEMON_PID=
cleanup() {
  [ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
  [ -n "$STACK_PID" ] && kill "$STACK_PID" 2>/dev/null && wait "$STACK_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$WORK/daemon.out" ] && tail -20 "$WORK/daemon.out" >&2; exit 1; }
passed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN PINGWATCH_CONFIG CWAlarmSNSTopic || true

"$BIN" local --port 0 --nodes 60 --time-scale 1 >"$WORK/stack.out" 2>"$WORK/stack.err" &
STACK_PID=$!
URL=
for _ in $(seq 1 300); do
  URL=$(sed -n 's/^pingwatch local listening on \(http:[^ ]*\)$/\1/p' "$WORK/stack.out")
  [ -n "$URL" ] && break
  sleep 0.1
done
[ -n "$URL" ] || fail "local stack did not start"

# Waits (bounded) until FILE has a line matching the Python predicate on the parsed JSON object `d`.
wait_line() {   # wait_line FILE PREDICATE
  for _ in $(seq 1 300); do
    /usr/bin/python3 - "$1" "$2" <<'PY' && return 0
import json, sys
path, pred = sys.argv[1], sys.argv[2]
for line in open(path):
    try:
        d = json.loads(line)
    except ValueError:
        continue
    if eval(pred):
        sys.exit(0)
sys.exit(1)
PY
    sleep 0.1
  done
  return 1
}

TOPIC=$(/usr/bin/aws --endpoint-url "$URL" sns create-topic --name SSM-Ping --query TopicArn --output text)
[ -n "$TOPIC" ] || fail "could not create the topic"

# 1. Both jobs run at once on start; every stdout line is JSON; SIGTERM exits 0.
CWAlarmSNSTopic=$TOPIC "$BIN" run --endpoint-url "$URL" --put-alarm-tps 50 >"$WORK/daemon.out" 2>"$WORK/daemon.err" &
DAEMON_PID=$!
wait_line "$WORK/daemon.out" 'd.get("job") == "publish" and d["nodes_seen"] == 60 and d["ok"]' || fail "no publish cycle line"
wait_line "$WORK/daemon.out" 'd.get("job") == "sync-alarms" and d["alarms_created"] == 60 and d["ok"]' || fail "no sync-alarms cycle line"
ok "run: publish and sync-alarms cycles logged as JSON summaries"
kill -TERM "$DAEMON_PID"
rc=0; wait "$DAEMON_PID" || rc=$?; DAEMON_PID=
[ "$rc" -eq 0 ] || fail "exit $rc after SIGTERM"
/usr/bin/python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines, "no output"
for l in lines:
    d = json.loads(l)
    assert {"time", "level"} <= d.keys(), l
assert json.loads(lines[-1])["msg"] == "daemon stopped", lines[-1]
' "$WORK/daemon.out" || fail "stdout is not JSON lines ending with daemon stopped"
ok "SIGTERM: exit 0, every stdout line is a JSON object"

# 2. SIGINT during a long sync-alarms cycle (1 alarm per second, so about 60 s for the 60 nodes): the cycle stops
# writing and the process exits 0 promptly, well before the cycle could have finished on its own.
"$BIN" run --endpoint-url "$URL" --topic-arn "$TOPIC" --alarm-prefix slow- --put-alarm-tps 1 --jobs sync-alarms >"$WORK/daemon.out" 2>&1 &
DAEMON_PID=$!
# The signal goes in once the cycle is under way (its first alarm exists; the daemon blocks SIGINT/SIGTERM for its
# signal thread before any job runs), not after a fixed sleep that a loaded machine may not have used to start.
slow_alarms=0
for _ in $(seq 1 60); do
  kill -0 "$DAEMON_PID" 2>/dev/null || fail "the slow sync-alarms daemon exited before the signal"
  slow_alarms=$(/usr/bin/aws --endpoint-url "$URL" cloudwatch describe-alarms --alarm-name-prefix slow- \
    --query 'length(MetricAlarms)' --output text 2>/dev/null || true)
  [ "${slow_alarms:-0}" -ge 1 ] 2>/dev/null && break
  sleep 1
done
[ "${slow_alarms:-0}" -ge 1 ] 2>/dev/null || fail "no slow- alarm created within 60 s"
START=$(date +%s)
kill -INT "$DAEMON_PID"
rc=0; wait "$DAEMON_PID" || rc=$?; DAEMON_PID=
[ "$rc" -eq 0 ] || fail "exit $rc after SIGINT"
# 15 s covers a loaded machine; a cycle that ignored the stop would need about 60 - $slow_alarms s more.
[ $(( $(date +%s) - START )) -le 15 ] || fail "SIGINT took more than 15 s (signal sent at $slow_alarms alarm(s))"
wait_line "$WORK/daemon.out" 'd.get("job") == "sync-alarms" and d["stopped"] and 0 < d["alarms_created"] < 60' \
  || fail "the stopped cycle was not summarised (signal sent at $slow_alarms alarm(s))"
ok "SIGINT during a 60-alarm cycle at 1 TPS (sent at $slow_alarms alarm(s)): cycle summarised as stopped, exit 0 within 15 s"

# 3. A cycle that fails (nothing listening) is logged at error level and the daemon keeps running.
"$BIN" run --endpoint-url http://127.0.0.1:9 --jobs publish --interval 10 >"$WORK/daemon.out" 2>&1 &
DAEMON_PID=$!
wait_line "$WORK/daemon.out" 'd.get("job") == "publish" and d["level"] == "error" and not d["ok"]' || fail "failed cycle not logged"
sleep 0.5
kill -0 "$DAEMON_PID" || fail "daemon died after a failed cycle"
kill -TERM "$DAEMON_PID"
rc=0; wait "$DAEMON_PID" || rc=$?; DAEMON_PID=
[ "$rc" -eq 0 ] || fail "exit $rc after SIGTERM"
ok "failed cycle logged at error level; the daemon keeps running"

# 4. Cannot start: exit 2 naming the key.
# --interval itself goes down to 1 s (tests use 5); the config key keeps its 10 s floor.
rc=0; "$BIN" run --endpoint-url "$URL" --set schedule.interval=5 >"$WORK/out" 2>"$WORK/err" || rc=$?
[ "$rc" -eq 2 ] || fail "bad interval: exit $rc"
grep -q 'config: schedule.interval = 5 is not allowed' "$WORK/err" || fail "message: $(cat "$WORK/err")"
rc=0; "$BIN" run --endpoint-url "$URL" --interval 0 >"$WORK/out" 2>"$WORK/err" || rc=$?
[ "$rc" -eq 2 ] || fail "--interval 0: exit $rc"
grep -q 'interval' "$WORK/err" || fail "message: $(cat "$WORK/err")"
rc=0; "$BIN" run --endpoint-url "$URL" --jobs sync-alarms >"$WORK/out" 2>"$WORK/err" || rc=$?
[ "$rc" -eq 2 ] || fail "sync-alarms without topic: exit $rc"
rc=0; "$BIN" run --endpoint-url "$URL" --jobs publish,nope >"$WORK/out" 2>"$WORK/err" || rc=$?
[ "$rc" -eq 2 ] || fail "unknown job: exit $rc"
ok "bad interval, missing topic, unknown job: exit 2"

# 5. The watch job reads [watch] from the daemon's own --config file and --set flags, not only the environment.
printf '[watch]\ninterval = 5\n' >"$WORK/watch.toml"
rc=0; "$BIN" run --endpoint-url "$URL" --config "$WORK/watch.toml" --jobs watch >"$WORK/out" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "watch.interval = 5 in --config: exit $rc"
grep -q "watch.interval = 5 is not allowed.*from $WORK/watch.toml" "$WORK/out" || fail "message: $(cat "$WORK/out")"
rc=0; "$BIN" run --endpoint-url "$URL" --set watch.interval=5 --jobs watch >"$WORK/out" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "--set watch.interval=5: exit $rc"
ok "run --jobs watch: [watch] from --config FILE and --set are read (and validated)"

echo "$passed checks passed"

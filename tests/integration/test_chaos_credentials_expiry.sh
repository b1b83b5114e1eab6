#!/usr/bin/env bash
# Credentials that expire mid-cycle are refreshed: a credential_process hands out short-lived keys (each call a
# new key pair, valid 5 min + 3 s, so due for refresh 3 s after issue); a sync-alarms run of ~12 s at 5 TPS
# must finish with every alarm created and must have asked the process again during the run.
set -euo pipefail
BIN=${PINGWATCH_BIN:?PINGWATCH_BIN must point at the pingwatch binary}
WORK=$(mktemp -d)
STACK_PID=
cleanup() { [ -n "$STACK_PID" ] && kill "$STACK_PID" 2>/dev/null && wait "$STACK_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
for i in 1 2 3 4 5 6 7 8 9; do echo "AKIAROTATING00000${i}0 rotating-secret-$i 123456789012"; done >"$WORK/keys.txt"
echo "test test 123456789012" >>"$WORK/keys.txt"
cat >"$WORK/creds.sh" <<SH
#!/bin/sh
n=\$(cat "$WORK/count" 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n >"$WORK/count"
k=\$(( (n - 1) % 9 + 1 ))
exp=\$(date -u -d '+303 seconds' +%Y-%m-%dT%H:%M:%SZ)
printf '{"Version": 1, "AccessKeyId": "AKIAROTATING00000%s0", "SecretAccessKey": "rotating-secret-%s", "SessionToken": "tok%s", "Expiration": "%s"}\n' \$k \$k \$n \$exp
SH
chmod +x "$WORK/creds.sh"
printf '[default]\ncredential_process = %s\n' "$WORK/creds.sh" >"$WORK/config"

"$BIN" local --port 0 --nodes 60 --time-scale 1 --credentials "$WORK/keys.txt" >"$WORK/stack.out" 2>"$WORK/stack.err" &
STACK_PID=$!
URL=
for _ in $(seq 1 300); do
  URL=$(sed -n 's/^pingwatch local listening on \(http:[^ ]*\)$/\1/p' "$WORK/stack.out")
  [ -n "$URL" ] && break
  sleep 0.1
done
[ -n "$URL" ] || fail "stack did not start"
TOPIC=$(AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test /usr/bin/aws --region us-east-1 --endpoint-url "$URL" \
  sns create-topic --name SSM-Ping --query TopicArn --output text)
rc=0
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE -u PINGWATCH_CONFIG \
  AWS_CONFIG_FILE="$WORK/config" AWS_SHARED_CREDENTIALS_FILE="$WORK/none" CWAlarmSNSTopic="$TOPIC" \
  "$BIN" sync-alarms --put-alarm-tps 5 --endpoint-url "$URL" --region us-east-1 >"$WORK/out" 2>"$WORK/err" || rc=$?
[ "$rc" -eq 0 ] || { tail -5 "$WORK/err" >&2; fail "sync-alarms exit $rc"; }
grep -q '"alarms_created":60' "$WORK/out" || fail "not 60 alarms: $(tail -1 "$WORK/out")"
calls=$(cat "$WORK/count")
# In the refresh window the chain asks at most every 10 s (src/aws/credentials.cpp), so a ~12 s run asks twice.
[ "$calls" -ge 2 ] || fail "credential_process called $calls time(s) in a ~12 s run with keys due for refresh after 3 s"
echo "ok - sync-alarms (60 alarms at 5 TPS) finished on short-lived credentials, refreshed $((calls - 1)) time(s) mid-run"

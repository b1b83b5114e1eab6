#!/usr/bin/env bash
# The AWS CLI (Debian's /usr/bin/aws 2.9, CloudWatch over the query protocol) against `pingwatch local`:
# the post's PutMetricData and PutMetricAlarm, ListMetrics with a name-only dimension filter, DescribeAlarms,
# GetMetricStatistics, an alarm evaluated on the simulated clock, and AWS's error for a bad datum.
set -euo pipefail
BIN=${PINGWATCH_BIN:?PINGWATCH_BIN must point at the pingwatch binary}
# The CLI under test: Debian's /usr/bin/aws (v2.9) unless PINGWATCH_AWS_CLI names another (ctest runs it again
# with the pyenv AWS CLI 1.45); a CLI that is not there skips the test.
AWS=${PINGWATCH_AWS_CLI:-/usr/bin/aws}
if ! AWS_VERSION=$("$AWS" --version 2>&1); then echo "skipped: no AWS CLI at $AWS"; exit 0; fi
echo "client: $AWS_VERSION ($AWS)"
WORK=$(mktemp -d)
STACK_PID=
cleanup() { [ -n "$STACK_PID" ] && kill "$STACK_PID" 2>/dev/null && wait "$STACK_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# One simulated minute per wall second, so an alarm is evaluated within about a second.
"$BIN" local --port 0 --nodes 0 --time-scale 60 --region ap-northeast-1 >"$WORK/stack.out" 2>"$WORK/stack.err" &
STACK_PID=$!
URL=
for _ in $(seq 1 300); do
  URL=$(sed -n 's/^pingwatch local listening on \(http:[^ ]*\)$/\1/p' "$WORK/stack.out")
  [ -n "$URL" ] && break
  kill -0 "$STACK_PID" 2>/dev/null || { cat "$WORK/stack.err" >&2; fail "stack exited"; }
  sleep 0.1
done
[ -n "$URL" ] || fail "stack did not print its URL"

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=ap-northeast-1 AWS_PAGER=""
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
# Every call's stderr is kept: a reply the CLI cannot parse shows up there as a warning or error.
cw() { "$AWS" --endpoint-url "$URL" cloudwatch "$@" 2>>"$WORK/cli.err"; }
passed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }

# 1. The post's PutMetricData: one datum per node.
for id in i-0572676272d863124 i-0abcdef1234567890 mi-0a1b2c3d4e5f60718; do
  cw put-metric-data --namespace "SSM Agent" \
    --metric-data "MetricName=Status,Dimensions=[{Name=Per-Instance Metrics,Value=$id}],Value=0,Unit=Count"
done
ok "put-metric-data accepted the post's datum"

# 2. ListMetrics: namespace + metric name, and a dimension filter naming only the dimension.
cw list-metrics --namespace "SSM Agent" --metric-name Status --output json >"$WORK/list.json"
python3 - "$WORK/list.json" <<'PY'
import json, sys
metrics = json.load(open(sys.argv[1]))["Metrics"]
ids = sorted(m["Dimensions"][0]["Value"] for m in metrics)
assert ids == ["i-0572676272d863124", "i-0abcdef1234567890", "mi-0a1b2c3d4e5f60718"], ids
assert all(m["Namespace"] == "SSM Agent" and m["MetricName"] == "Status" for m in metrics)
assert metrics[0]["Dimensions"][0]["Name"] == "Per-Instance Metrics"
PY
[ "$(cw list-metrics --dimensions Name="Per-Instance Metrics" --query 'length(Metrics)')" = 3 ] || fail "name-only dimension filter"
[ "$(cw list-metrics --dimensions Name="Per-Instance Metrics",Value=i-0abcdef1234567890 --query 'length(Metrics)')" = 1 ] || fail "dimension value filter"
ok "list-metrics filters by namespace, name and dimensions"

# 3. The post's PutMetricAlarm, then DescribeAlarms shows the initial state.
TOPIC=arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping
cw put-metric-alarm --alarm-name ssm-agent-i-0572676272d863124 --alarm-actions "$TOPIC" \
  --metric-name Status --namespace "SSM Agent" --statistic Maximum \
  --dimensions "Name=Per-Instance Metrics,Value=i-0572676272d863124" --period 60 --evaluation-periods 1 \
  --datapoints-to-alarm 1 --threshold 1.0 --comparison-operator GreaterThanOrEqualToThreshold --treat-missing-data missing
cw describe-alarms --alarm-names ssm-agent-i-0572676272d863124 --output json >"$WORK/alarm.json"
python3 - "$WORK/alarm.json" <<'PY'
import json, sys
alarm = json.load(open(sys.argv[1]))["MetricAlarms"][0]
assert alarm["AlarmArn"] == "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:ssm-agent-i-0572676272d863124", alarm
assert alarm["StateValue"] in ("INSUFFICIENT_DATA", "OK"), alarm
assert alarm["Dimensions"] == [{"Name": "Per-Instance Metrics", "Value": "i-0572676272d863124"}], alarm
assert alarm["Threshold"] == 1.0 and alarm["Period"] == 60 and alarm["DatapointsToAlarm"] == 1, alarm
assert alarm["AlarmActions"] == ["arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping"], alarm
assert alarm["TreatMissingData"] == "missing", alarm
# CLI v2 prints timestamps as ISO 8601; CLI v1 (cli_timestamp_format "none") prints what the wire carried:
# ISO 8601 over the query protocol, epoch seconds over JSON 1.0 (botocore 1.43 speaks JSON to CloudWatch).
stamp = alarm["StateUpdatedTimestamp"]
assert (isinstance(stamp, str) and "T" in stamp) or (isinstance(stamp, (int, float)) and stamp > 1.5e9), alarm
PY
ok "put-metric-alarm and describe-alarms round-trip the post's alarm"

# 4. ConnectionLost (1) makes the alarm fire at the next simulated minute boundary, with AWS's reason.
# Each CLI call takes about a wall second, i.e. a simulated minute: read state and reason in one call.
state=
reason=
for _ in $(seq 1 40); do
  cw put-metric-data --namespace "SSM Agent" \
    --metric-data "MetricName=Status,Dimensions=[{Name=Per-Instance Metrics,Value=i-0572676272d863124}],Value=1,Unit=Count"
  cw describe-alarms --alarm-names ssm-agent-i-0572676272d863124 --query 'MetricAlarms[0].[StateValue,StateReason]' \
    --output text >"$WORK/state"
  IFS=$'\t' read -r state reason <"$WORK/state"
  [ "$state" = ALARM ] && break
  sleep 0.2
done
[ "$state" = ALARM ] || fail "alarm did not reach ALARM (state $state)"
[[ "$reason" =~ ^Threshold\ Crossed:\ 1\ out\ of\ the\ last\ 1\ datapoints\ \[1\.0\ \([0-9]{2}/[0-9]{2}/[0-9]{2}\ [0-9]{2}:[0-9]{2}:00\)\]\ was\ greater\ than\ or\ equal\ to\ the\ threshold\ \(1\.0\)\ \(minimum\ 1\ datapoint\ for\ OK\ -\>\ ALARM\ transition\)\.$ ]] \
  || fail "reason: $reason"
ok "the alarm fired on the simulated clock: $reason"
cw describe-alarm-history --alarm-name ssm-agent-i-0572676272d863124 --history-item-type StateUpdate \
  --query 'AlarmHistoryItems[].HistorySummary' --output text >"$WORK/history"
grep -q "INSUFFICIENT_DATA to ALARM\|OK to ALARM" "$WORK/history" || fail "history: $(cat "$WORK/history")"
ok "describe-alarm-history records the transition"

# 5. GetMetricStatistics over the last 3 hours (timestamps in the CLI's own clock: the stack keeps their distance
# from now on the simulated clock, docs/local-stack.md "Time"). The 1s of step 4 age a simulated minute per wall
# second, and two CLI runs came since the last of them: 3 hours holds them for 3 wall minutes, on a loaded machine too.
start=$(date -u -d '-3 hours' +%Y-%m-%dT%H:%M:%SZ)
end=$(date -u -d '+1 minute' +%Y-%m-%dT%H:%M:%SZ)
cw get-metric-statistics --namespace "SSM Agent" --metric-name Status \
  --dimensions "Name=Per-Instance Metrics,Value=i-0572676272d863124" --start-time "$start" --end-time "$end" \
  --period 60 --statistics Maximum SampleCount --output json >"$WORK/stats.json"
python3 - "$WORK/stats.json" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
assert out["Label"] == "Status", out
points = out["Datapoints"]
assert points and all(p["Unit"] == "Count" and "Maximum" in p and "SampleCount" in p for p in points), out
assert max(p["Maximum"] for p in points) == 1.0, out
PY
ok "get-metric-statistics returns the datapoints"

# 6. AWS's errors: Value and StatisticValues together; 101 alarm names.
if cw put-metric-data --namespace n --metric-data \
    'MetricName=m,Value=1,StatisticValues={SampleCount=1,Sum=1,Minimum=1,Maximum=1}' 2>"$WORK/err1"; then
  fail "Value with StatisticValues was accepted"
fi
grep -q "InvalidParameterCombination" "$WORK/cli.err" || fail "no InvalidParameterCombination: $(cat "$WORK/cli.err")"
grep -q "The parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues are mutually exclusive and you have specified both." "$WORK/cli.err" \
  || fail "message: $(cat "$WORK/cli.err")"
: >"$WORK/cli.err"
if cw describe-alarms --max-records 101 >/dev/null; then fail "MaxRecords 101 was accepted"; fi
grep -q "ValidationError" "$WORK/cli.err" || fail "no ValidationError: $(cat "$WORK/cli.err")"
: >"$WORK/cli.err"
ok "errors carry AWS's codes and messages"

# 7. Delete, and nothing the CLI complained about along the way.
cw delete-alarms --alarm-names ssm-agent-i-0572676272d863124
[ "$(cw describe-alarms --query 'length(MetricAlarms)')" = 0 ] || fail "alarm not deleted"
[ ! -s "$WORK/cli.err" ] || fail "the CLI wrote to stderr: $(cat "$WORK/cli.err")"
ok "delete-alarms; no warnings from the CLI"
echo "$passed checks passed"

#!/usr/bin/env bash
# The packaged zip as real functions on `pingwatch local`'s Lambda (which runs `bootstrap` per function
# instance against its own Runtime API and points AWS_ENDPOINT_URL at the stack): created with the AWS CLI
# exactly as the template configures them (provided.al2023, Handler publish / sync-alarms / cycle, CWAlarmSNSTopic),
# invoked, and checked against what SSM and CloudWatch on the stack then hold.
set -euo pipefail
SRC=${PINGWATCH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${PINGWATCH_BIN:?PINGWATCH_BIN must point at the built pingwatch}
AWS=/usr/bin/aws
NODES=12
tmp=$(mktemp -d)
stack_pid=
cleanup() { [ -n "$stack_pid" ] && kill "$stack_pid" 2>/dev/null && wait "$stack_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
passed=0; failed=0
ok()  { echo "ok   - $1"; passed=$((passed + 1)); }
bad() { echo "FAIL - $1"; failed=$((failed + 1)); }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

"$SRC/scripts/package-lambda.sh" "${PINGWATCH_LAMBDA_BIN:-$(dirname "$BIN")/pingwatch-lambda}" "$tmp/pingwatch-lambda.zip" >/dev/null
# Time scale 1: publish stamps its data with the server's (simulated) clock while the stack maps client
# timestamps from the wall clock, so at a faster scale the data land hours "in the future" and are refused.
"$BIN" local --port 0 --nodes "$NODES" --time-scale 1 >"$tmp/stack.out" 2>"$tmp/stack.err" &
stack_pid=$!
url=
for _ in $(seq 1 300); do
  url=$(sed -n 's/^pingwatch local listening on \(http:[^ ]*\)$/\1/p' "$tmp/stack.out")
  [ -n "$url" ] && break
  kill -0 "$stack_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$url" ]; then bad "local stack did not start: $(tail -5 "$tmp/stack.err")"; finish; fi

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
aws_local() { "$AWS" --endpoint-url "$url" "$@"; }
field() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d.get(sys.argv[2]))" "$1" "$2"; }

topic=$(aws_local sns create-topic --name SSM-Ping --query TopicArn --output text)
create() {   # name handler role [env]
  aws_local lambda create-function --function-name "$1" --runtime provided.al2023 --handler "$2" \
    --role "arn:aws:iam::123456789012:role/$3" --zip-file "fileb://$tmp/pingwatch-lambda.zip" --timeout 55 --memory-size 256 \
    ${4:+--environment "$4"} >/dev/null
}
invoke() {   # name out [payload]
  aws_local lambda invoke --function-name "$1" --cli-binary-format raw-in-base64-out --payload "${3:-{\}}" "$2" >"$2.meta"
}

create LambdaFunctionCheckSSMAgentStatus publish LambdaFunctionCheckSSMAgentStatusRole \
  "Variables={PINGWATCH_METRIC_NAMESPACE=SSM Agent}"
create LambdaCreateCWAlarm sync-alarms LambdaCreateCWAlarmRole \
  "Variables={CWAlarmSNSTopic=$topic,PINGWATCH_METRIC_NAMESPACE=SSM Agent,PINGWATCH_ALARM_PREFIX=ssm-agent-}"
create PingwatchCycle cycle LambdaCreateCWAlarmRole \
  "Variables={CWAlarmSNSTopic=$topic,PINGWATCH_METRIC_NAMESPACE=SSM Agent,PINGWATCH_ALARM_PREFIX=ssm-agent-}"
create BadHandler no-such-job LambdaFunctionCheckSSMAgentStatusRole
# A new function is Pending until Lambda has set it up: wait for Active as AWS clients do.
for fn in LambdaFunctionCheckSSMAgentStatus LambdaCreateCWAlarm PingwatchCycle BadHandler; do
  aws_local lambda wait function-active-v2 --function-name "$fn" || bad "$fn never became Active"
done

# publish
invoke LambdaFunctionCheckSSMAgentStatus "$tmp/publish.json"
if ! grep -q FunctionError "$tmp/publish.json.meta" && [ "$(field "$tmp/publish.json" job)" = publish ] \
   && [ "$(field "$tmp/publish.json" nodes_seen)" = "$NODES" ] && [ "$(field "$tmp/publish.json" data_published)" = "$NODES" ]; then
  ok "publish on the local Lambda: $NODES nodes seen and published"
else bad "publish: $(cat "$tmp/publish.json.meta" "$tmp/publish.json")"; fi
metrics=$(aws_local cloudwatch list-metrics --namespace "SSM Agent" --metric-name Status --query 'length(Metrics)' --output text)
[ "$metrics" = "$NODES" ] && ok "CloudWatch lists $NODES Status metrics" || bad "list-metrics: $metrics"

# sync-alarms, twice
invoke LambdaCreateCWAlarm "$tmp/sync1.json"
if ! grep -q FunctionError "$tmp/sync1.json.meta" && [ "$(field "$tmp/sync1.json" alarms_created)" = "$NODES" ]; then
  ok "sync-alarms on the local Lambda created $NODES alarms"
else bad "sync-alarms: $(cat "$tmp/sync1.json.meta" "$tmp/sync1.json")"; fi
actions=$(aws_local cloudwatch describe-alarms --alarm-name-prefix ssm-agent- --query 'MetricAlarms[].AlarmActions[0]' --output text | tr '\t' '\n' | sort -u)
[ "$actions" = "$topic" ] && ok "every alarm notifies the function's CWAlarmSNSTopic" || bad "alarm actions: $actions"
invoke LambdaCreateCWAlarm "$tmp/sync2.json"
[ "$(field "$tmp/sync2.json" write_calls)" = 0 ] && [ "$(field "$tmp/sync2.json" alarms_created)" = 0 ] \
  && ok "second sync-alarms run writes nothing" || bad "second run: $(cat "$tmp/sync2.json")"
invoke LambdaCreateCWAlarm "$tmp/dry.json" '{"dry_run": true}'
[ "$(field "$tmp/dry.json" dry_run)" = True ] && ok "{\"dry_run\": true} event plans only" || bad "dry run: $(cat "$tmp/dry.json")"

# cycle (the template's alarms-mode Handler): publish, then sync-alarms on the nodes it read; the alarms exist
invoke PingwatchCycle "$tmp/cycle.json"
if ! grep -q FunctionError "$tmp/cycle.json.meta" && [ "$(field "$tmp/cycle.json" job)" = cycle ] \
   && [ "$(field "$tmp/cycle.json" nodes_seen)" = "$NODES" ] && [ "$(field "$tmp/cycle.json" data_published)" = "$NODES" ] \
   && [ "$(field "$tmp/cycle.json" alarms_created)" = 0 ] && [ "$(field "$tmp/cycle.json" alarms_unchanged)" = "$NODES" ]; then
  ok "cycle on the local Lambda: $NODES nodes published, their $NODES alarms unchanged"
else bad "cycle: $(cat "$tmp/cycle.json.meta" "$tmp/cycle.json")"; fi

# an unknown handler is an init error
invoke BadHandler "$tmp/bad.json" || true
grep -q FunctionError "$tmp/bad.json.meta" && grep -q "no-such-job" "$tmp/bad.json" \
  && ok "unknown handler fails the invocation with the init error: $(head -c 120 "$tmp/bad.json")" \
  || bad "unknown handler: $(cat "$tmp/bad.json.meta" "$tmp/bad.json" 2>/dev/null)"
finish

#!/usr/bin/env bash
# The AWS CLI against `pingwatch local`'s Lambda and EventBridge: create-function from a zip holding a
# `bootstrap` (a shell custom runtime speaking the Runtime API with curl), invoke (RequestResponse, errors,
# Event), and a rate(1 minute) rule that invokes it once per simulated minute.
set -euo pipefail
BIN=${PINGWATCH_BIN:?PINGWATCH_BIN must point at the pingwatch binary}
# The CLI under test: Debian's /usr/bin/aws (v2.9) unless PINGWATCH_AWS_CLI names another (ctest runs it again
# with the pyenv AWS CLI 1.45); a CLI that is not there skips the test.
AWS=${PINGWATCH_AWS_CLI:-/usr/bin/aws}
if ! AWS_VERSION=$("$AWS" --version 2>&1); then echo "skipped: no AWS CLI at $AWS"; exit 0; fi
echo "client: $AWS_VERSION ($AWS)"
# CLI v2 reads blob arguments as base64 unless told otherwise; CLI v1 has no such option and sends them raw.
BINARY_FORMAT=()
case "$AWS_VERSION" in aws-cli/2.*) BINARY_FORMAT=(--cli-binary-format raw-in-base64-out) ;; esac
WORK=$(mktemp -d)
STACK_PID=
cleanup() { [ -n "$STACK_PID" ] && kill "$STACK_PID" 2>/dev/null && wait "$STACK_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# A simulated minute every 2 wall seconds keeps the rule test short.
"$BIN" local --port 0 --nodes 1 --time-scale 30 >"$WORK/stack.out" 2>"$WORK/stack.err" &
STACK_PID=$!
URL=
for _ in $(seq 1 300); do
  URL=$(sed -n 's/^pingwatch local listening on \(http:[^ ]*\)$/\1/p' "$WORK/stack.out")
  [ -n "$URL" ] && break
  kill -0 "$STACK_PID" 2>/dev/null || { cat "$WORK/stack.err" >&2; fail "stack exited"; }
  sleep 0.1
done
[ -n "$URL" ] || fail "stack did not print its URL"

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
aws_local() { "$AWS" --endpoint-url "$URL" "$@"; }
passed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }

mkdir "$WORK/pkg"
cat >"$WORK/pkg/bootstrap" <<'SH'
#!/bin/sh
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
HDRS=$(mktemp)
while true; do
  EVENT=$(curl -sS -D "$HDRS" "$API/invocation/next") || exit 2
  ID=$(grep -i '^lambda-runtime-aws-request-id:' "$HDRS" | tr -d '\r' | awk '{print $2}')
  echo "got $EVENT"
  if [ -n "$MARKER" ]; then echo "$EVENT" >>"$MARKER"; fi
  case "$EVENT" in
    *fail*) curl -sS -o /dev/null -X POST -d '{"errorMessage":"asked to fail","errorType":"Failure"}' "$API/invocation/$ID/error" ;;
    *) curl -sS -o /dev/null -X POST -d "{\"ok\":true,\"function\":\"$AWS_LAMBDA_FUNCTION_NAME\",\"topic\":\"$CWAlarmSNSTopic\"}" \
         "$API/invocation/$ID/response" ;;
  esac
done
SH
chmod +x "$WORK/pkg/bootstrap"
(cd "$WORK/pkg" && zip -q ../function.zip bootstrap)
ROLE=arn:aws:iam::123456789012:role/LambdaFunctionCheckSSMAgentStatusRole
FN=LambdaFunctionCheckSSMAgentStatus

# 1. create-function, get-function, list-functions.
aws_local lambda create-function --function-name "$FN" --runtime provided.al2023 --handler bootstrap --role "$ROLE" \
  --zip-file "fileb://$WORK/function.zip" --timeout 10 --memory-size 256 \
  --environment "Variables={CWAlarmSNSTopic=arn:aws:sns:us-east-1:123456789012:SSM-Ping,MARKER=$WORK/events.log}" \
  >"$WORK/create.json"
/usr/bin/python3 - "$WORK/create.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
assert c["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:LambdaFunctionCheckSSMAgentStatus", c
assert c["Timeout"] == 10 and c["MemorySize"] == 256 and c["Runtime"] == "provided.al2023", c
assert c["State"] == "Pending" and c["StateReasonCode"] == "Creating", c   # as Lambda answers CreateFunction
PY
aws_local lambda wait function-active-v2 --function-name "$FN" || fail "wait function-active-v2"
[ "$(aws_local lambda get-function --function-name "$FN" --query Configuration.State --output text)" = Active ] || fail "not Active"
[ "$(aws_local lambda get-function --function-name "$FN" --query Configuration.Handler --output text)" = bootstrap ] || fail get-function
[ "$(aws_local lambda list-functions --query 'length(Functions)' --output text)" = 1 ] || fail list-functions
ok "create-function (Pending), wait function-active-v2 (Active), get-function, list-functions"

# 2. invoke RequestResponse: the bootstrap's answer, with the function's environment.
aws_local lambda invoke --function-name "$FN" "${BINARY_FORMAT[@]}" --payload '{"hello":"world"}' \
  "$WORK/out.json" >"$WORK/invoke.json"
grep -q '"StatusCode": 200' "$WORK/invoke.json" || fail "$(cat "$WORK/invoke.json")"
grep -q FunctionError "$WORK/invoke.json" && fail "unexpected FunctionError"
/usr/bin/python3 -c "import json,sys; d=json.load(open('$WORK/out.json')); assert d=={'ok':True,'function':'$FN','topic':'arn:aws:sns:us-east-1:123456789012:SSM-Ping'}, d"
grep -q "\[$FN\] got {\"hello\":\"world\"}" "$WORK/stack.out" "$WORK/stack.err" || fail "function output not in the console"
ok "invoke returns the payload; logs prefixed with the function name"

# 3. A function error: FunctionError Unhandled and the runtime's error document.
aws_local lambda invoke --function-name "$FN" "${BINARY_FORMAT[@]}" --payload '{"fail":1}' \
  "$WORK/err.json" >"$WORK/invoke.json"
grep -q '"FunctionError": "Unhandled"' "$WORK/invoke.json" || fail "$(cat "$WORK/invoke.json")"
grep -q '"errorType":"Failure"' "$WORK/err.json" || fail "$(cat "$WORK/err.json")"
ok "function error -> FunctionError Unhandled"

# 4. Event invocation: 202 at once.
aws_local lambda invoke --function-name "$FN" --invocation-type Event "${BINARY_FORMAT[@]}" \
  --payload '{"async":true}' "$WORK/async.json" >"$WORK/invoke.json"
grep -q '"StatusCode": 202' "$WORK/invoke.json" || fail "$(cat "$WORK/invoke.json")"
# Bounded at 30 s: the invocation runs in the background, later on a loaded machine.
for _ in $(seq 1 300); do grep -q '"async":true' "$WORK/events.log" 2>/dev/null && break; sleep 0.1; done
grep -q '"async":true' "$WORK/events.log" || fail "Event invocation did not run within 30 s"
ok "Event invocation -> 202, runs in the background"

# 5. EventBridge: invalid schedule expressions are refused as AWS does.
if aws_local events put-rule --name Bad --schedule-expression 'rate(1 minutes)' 2>"$WORK/err" >/dev/null; then
  fail "rate(1 minutes) accepted"
fi
grep -q "ValidationException" "$WORK/err" && grep -q "Parameter ScheduleExpression is not valid." "$WORK/err" || fail "$(cat "$WORK/err")"
ok "put-rule rate(1 minutes) -> ValidationException"

# 6. A rate(1 minute) rule targeting the function fires once per simulated minute with the Scheduled Event.
RULE_ARN=$(aws_local events put-rule --name LambdaCheckSSMAgentStatusRule --schedule-expression 'rate(1 minute)' \
  --query RuleArn --output text)
[ "$RULE_ARN" = "arn:aws:events:us-east-1:123456789012:rule/LambdaCheckSSMAgentStatusRule" ] || fail "rule ARN $RULE_ARN"
FN_ARN=$(aws_local lambda get-function --function-name "$FN" --query Configuration.FunctionArn --output text)
aws_local lambda add-permission --function-name "$FN" --statement-id events --action lambda:InvokeFunction \
  --principal events.amazonaws.com --source-arn "$RULE_ARN" >/dev/null
FAILED=$(aws_local events put-targets --rule LambdaCheckSSMAgentStatusRule --targets "Id=1,Arn=$FN_ARN" \
  --query FailedEntryCount --output text)
[ "$FAILED" = 0 ] || fail "put-targets FailedEntryCount $FAILED"
[ "$(aws_local events list-targets-by-rule --rule LambdaCheckSSMAgentStatusRule --query 'Targets[0].Arn' --output text)" = "$FN_ARN" ] \
  || fail list-targets-by-rule
# At 30x a simulated minute is 2 s: wait for three scheduled events (about 6 s; bounded at 30 s for a loaded machine).
for _ in $(seq 1 300); do
  [ "$(grep -c '"Scheduled Event"' "$WORK/events.log" 2>/dev/null || true)" -ge 3 ] && break
  sleep 0.1
done
grep '"Scheduled Event"' "$WORK/events.log" >"$WORK/scheduled" || fail "no scheduled event"
[ "$(wc -l <"$WORK/scheduled")" -ge 3 ] || fail "only $(wc -l <"$WORK/scheduled") scheduled events"
/usr/bin/python3 - "$WORK/scheduled" "$RULE_ARN" <<'PY'
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
times = [e["time"] for e in events]
assert len(set(times)) == len(times), f"an instant fired twice: {times}"
for e in events:
    assert e["source"] == "aws.events" and e["detail-type"] == "Scheduled Event" and e["resources"] == [sys.argv[2]], e
    assert e["time"].endswith(":00Z") and e["detail"] == {} and e["version"] == "0" and e["account"] == "123456789012", e
PY
ok "rate(1 minute) rule invokes the function once per simulated minute with the Scheduled Event payload"

# 7. delete-rule refuses while targets remain; then cleans up.
if aws_local events delete-rule --name LambdaCheckSSMAgentStatusRule 2>"$WORK/err"; then fail "delete-rule with targets"; fi
grep -q "Rule can't be deleted since it has targets." "$WORK/err" || fail "$(cat "$WORK/err")"
aws_local events remove-targets --rule LambdaCheckSSMAgentStatusRule --ids 1 >/dev/null
aws_local events delete-rule --name LambdaCheckSSMAgentStatusRule
aws_local lambda delete-function --function-name "$FN"
if aws_local lambda get-function --function-name "$FN" 2>"$WORK/err" >/dev/null; then fail "function still there"; fi
grep -q ResourceNotFoundException "$WORK/err" || fail "$(cat "$WORK/err")"
ok "delete-rule refused with targets; remove-targets, delete-rule, delete-function"

echo "$passed passed, 0 failed"

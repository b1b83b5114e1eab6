#!/usr/bin/env bash
# The local stack restarted with the same --state keeps metrics, alarms, topics, rules and functions
# (created with the AWS CLI, checked with the AWS CLI after a SIGTERM and a new process).
set -euo pipefail
. "$(dirname "$0")/../lib/local_stack.sh"
AWS=/usr/bin/aws
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=
unset AWS_PROFILE AWS_SESSION_TOKEN || true

stop() { kill -TERM "$STACK_PID"; wait "$STACK_PID" || fail "stack exit code $?"; STACK_PID=; }
aws_() { "$AWS" --endpoint-url "$URL" --output json "$@"; }

start --nodes 5 --time-scale 1 --state "$WORK/state.sqlite"
TOPIC=$(aws_ sns create-topic --name restart-topic --query TopicArn --output text)
aws_ cloudwatch put-metric-data --namespace Restart --metric-name Kept --value 7 --dimensions Node=a
aws_ cloudwatch put-metric-alarm --alarm-name restart-alarm --namespace Restart --metric-name Kept \
  --dimensions Name=Node,Value=a --statistic Maximum --period 60 --evaluation-periods 1 --threshold 1 \
  --comparison-operator GreaterThanOrEqualToThreshold --alarm-actions "$TOPIC"
aws_ events put-rule --name restart-rule --schedule-expression "rate(5 minutes)" >/dev/null
printf 'exit 0\n' >"$WORK/bootstrap"; chmod +x "$WORK/bootstrap"
(cd "$WORK" && python3 -c "import zipfile; z=zipfile.ZipFile('fn.zip','w'); z.write('bootstrap')")
aws_ lambda create-function --function-name restart-fn --runtime provided.al2023 --handler x \
  --role arn:aws:iam::123456789012:role/r --zip-file "fileb://$WORK/fn.zip" >/dev/null
ok "created a topic, a metric datum, an alarm, a rule and a function"
stop
start --nodes 5 --time-scale 1 --state "$WORK/state.sqlite"
# Outputs captured, not piped: under pipefail a grep -q that exits early can fail the command it reads from.
grep -q "$TOPIC" <<<"$(aws_ sns list-topics)" || fail "topic lost"
grep -q '"Kept"' <<<"$(aws_ cloudwatch list-metrics --namespace Restart)" || fail "metric lost"
grep -q '"restart-alarm"' <<<"$(aws_ cloudwatch describe-alarms --alarm-names restart-alarm)" || fail "alarm lost"
grep -q '"restart-rule"' <<<"$(aws_ events list-rules)" || fail "rule lost"
aws_ lambda get-function --function-name restart-fn >/dev/null || fail "function lost"
ok "after a restart with the same --state: topic, metric, alarm, rule and function are all there"
stop
echo "$passed checks passed"

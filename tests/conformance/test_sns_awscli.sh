#!/usr/bin/env bash
# The AWS CLI (Debian's /usr/bin/aws, v2.9, query protocol for SNS) against `pingwatch local`: topics,
# email subscriptions, Publish and its validation, and the email delivery as an .eml file and in GET /_local/mailbox.
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

"$BIN" local --port 0 --nodes 1 --region ap-northeast-1 --mailbox "$WORK/mail" --auto-confirm >"$WORK/stack.out" 2>"$WORK/stack.err" &
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
aws_local() { "$AWS" --endpoint-url "$URL" "$@"; }
passed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
# SNS delivers on a worker thread after Publish has answered, so a mail is waited for (bounded, 30 s): prints the
# .eml written for MessageId $1 once it holds the footer, the mail's last line. No `ls | head` here: under
# errexit/pipefail a glob that matches nothing yet would end the script before the wait waited.
wait_eml() {   # wait_eml MESSAGE_ID
  local found=
  for _ in $(seq 1 300); do
    found=$(grep -l '^Please do not reply directly to this email.' "$WORK/mail"/*-"$1"-*.eml 2>/dev/null || true)
    if [ -n "$found" ]; then printf '%s\n' "${found%%$'\n'*}"; return 0; fi
    sleep 0.1
  done
  echo "mailbox folder (no .eml for $1 ending with the footer):" >&2; ls -la "$WORK/mail" >&2 || true
  cat "$WORK/mail"/*-"$1"-*.eml >&2 2>/dev/null || true
  return 1
}

# 1. create-topic is idempotent and the ARN has the region and account.
ARN=$(aws_local sns create-topic --name SSM-Ping --query TopicArn --output text)
[ "$ARN" = "arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping" ] || fail "topic ARN $ARN"
[ "$(aws_local sns create-topic --name SSM-Ping --query TopicArn --output text)" = "$ARN" ] || fail "not idempotent"
# Captured first: `aws … | grep -q` under pipefail fails when grep exits at its match before the CLI is done writing.
TOPICS=$(aws_local sns list-topics --query 'Topics[].TopicArn' --output text)
grep -qxF "$ARN" <<<"${TOPICS//$'\t'/$'\n'}" || fail "list-topics: $TOPICS"
ok "create-topic (idempotent) and list-topics"

# 2. An email subscription, confirmed at once (--auto-confirm; without it the stack waits for the SubscribeURL as AWS does).
SUB=$(aws_local sns subscribe --topic-arn "$ARN" --protocol email --notification-endpoint ops@example.com \
  --query SubscriptionArn --output text)
case "$SUB" in "$ARN":*) ;; *) fail "subscription ARN $SUB" ;; esac
aws_local sns list-subscriptions-by-topic --topic-arn "$ARN" --query 'Subscriptions[0].[Protocol,Endpoint,SubscriptionArn]' \
  --output text >"$WORK/subs"
[ "$(cat "$WORK/subs")" = "$(printf 'email\tops@example.com\t%s' "$SUB")" ] || fail "subscriptions: $(cat "$WORK/subs")"
CONFIRMED=$(aws_local sns get-topic-attributes --topic-arn "$ARN" --query Attributes.SubscriptionsConfirmed --output text)
[ "$CONFIRMED" = "1" ] || fail "SubscriptionsConfirmed $CONFIRMED"
ok "subscribe email, list-subscriptions-by-topic, get-topic-attributes"

# 3. Publish with a subject and a message attribute; the email lands in the mailbox folder as AWS renders it.
MID=$(aws_local sns publish --topic-arn "$ARN" --subject 'ALARM: "ssm-agent-i-0572676272d863124" in Asia Pacific (Tokyo)' \
  --message 'Threshold Crossed' --message-attributes '{"severity":{"DataType":"String","StringValue":"high"}}' \
  --query MessageId --output text)
[ ${#MID} -eq 36 ] || fail "MessageId $MID"
EML=$(wait_eml "$MID") || fail "no complete .eml for message $MID written within 30 s"
grep -q '^From: "AWS Notifications" <no-reply@sns.amazonaws.com>' "$EML" || fail "From: $(head -3 "$EML")"
grep -q '^Subject: ALARM: "ssm-agent-i-0572676272d863124" in Asia Pacific (Tokyo)' "$EML" || fail "Subject"
grep -q "^https://sns.ap-northeast-1.amazonaws.com/unsubscribe.html?SubscriptionArn=$SUB&Endpoint=ops@example.com" "$EML" \
  || fail "unsubscribe link missing"
grep -q "^Please do not reply directly to this email." "$EML" || fail "footer missing"
curl -sf "$URL/_local/mailbox" >"$WORK/mailbox.json" || fail "GET /_local/mailbox"
/usr/bin/python3 - "$WORK/mailbox.json" "$MID" <<'PY'
import json, sys
messages = json.load(open(sys.argv[1]))["messages"]
assert len(messages) == 1, messages
m = messages[0]
assert m["message_id"] == sys.argv[2] and m["protocol"] == "email" and m["delivered"], m
assert m["body"].startswith("Threshold Crossed\n\n--\n"), m["body"]
PY
grep -q "sns: email to ops@example.com" "$WORK/stack.out" "$WORK/stack.err" || fail "no console line for the email"
ok "publish -> .eml in --mailbox, console line, GET /_local/mailbox"

# 4. Validation as AWS answers it.
if aws_local sns publish --topic-arn "$ARN" --subject "$(printf 'x%.0s' $(seq 1 100))" --message m 2>"$WORK/err" >/dev/null; then
  fail "100-character subject accepted"
fi
grep -q "InvalidParameter" "$WORK/err" && grep -q "Invalid parameter: Subject" "$WORK/err" || fail "$(cat "$WORK/err")"
if aws_local sns publish --topic-arn "$ARN" --message-structure json --message '{"email":"x"}' 2>"$WORK/err" >/dev/null; then
  fail "MessageStructure without default accepted"
fi
grep -q "No default entry in JSON message body" "$WORK/err" || fail "$(cat "$WORK/err")"
if aws_local sns publish --topic-arn "${ARN}-missing" --message m 2>"$WORK/err" >/dev/null; then fail "missing topic accepted"; fi
grep -q "NotFound" "$WORK/err" && grep -q "Topic does not exist" "$WORK/err" || fail "$(cat "$WORK/err")"
ok "subject length, MessageStructure and unknown topic refused with AWS's errors"

# 5. MessageStructure json: the email subscriber gets the "email" variant.
MID2=$(aws_local sns publish --topic-arn "$ARN" --message-structure json \
  --message '{"default":"{\"AlarmName\":\"a\"}","email":"Rendered for humans"}' --query MessageId --output text)
EML2=$(wait_eml "$MID2") || fail "no complete .eml for message $MID2 written within 30 s"
grep -q "^Rendered for humans" "$EML2" || fail "email variant not delivered: $(cat "$EML2")"
ok "MessageStructure json delivers the email variant"

# 6. Unsubscribe, delete-topic.
aws_local sns unsubscribe --subscription-arn "$SUB"
[ -z "$(aws_local sns list-subscriptions --query 'Subscriptions[]' --output text)" ] || fail "still subscribed"
aws_local sns delete-topic --topic-arn "$ARN"
[ -z "$(aws_local sns list-topics --query 'Topics[]' --output text)" ] || fail "topic still listed"
ok "unsubscribe and delete-topic"

echo "$passed passed, 0 failed"

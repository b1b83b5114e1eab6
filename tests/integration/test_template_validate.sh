#!/usr/bin/env bash
# deploy/template.yaml validates (cfn-lint + current CloudFormation resource schemas, tests/deploy/), and the
# validators are real: deliberately broken copies of the template must be rejected.
set -uo pipefail
SRC=${PINGWATCH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TEMPLATE=$SRC/deploy/template.yaml
VALIDATE=$SRC/tests/deploy/validate-template.js
IAM=$SRC/tests/integration/test_template_iam.py
PARAMS=(NotificationEmail=ops@example.com CodeBucket=pingwatch-code-123456789012 CodeKey=pingwatch/abc/pingwatch-lambda-x86_64.zip)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
ok()   { echo "ok   - $1"; passed=$((passed + 1)); }
bad()  { echo "FAIL - $1"; failed=$((failed + 1)); }

if [ ! -d "$SRC/tests/deploy/node_modules/cfn-lint" ]; then
  echo "tests/deploy/node_modules missing: run scripts/setup.sh (npm ci in tests/deploy)"; echo "0 passed, 1 failed"; exit 1
fi

out=$(node "$VALIDATE" "$TEMPLATE" "${PARAMS[@]}" 2>&1); rc=$?
echo "$out"
[ $rc -eq 0 ] && ok "template validates" || bad "template does not validate"
for mode in watch alarms both; do   # each deployment mode resolves its conditions to a valid template
  out=$(node "$VALIDATE" "$TEMPLATE" "${PARAMS[@]}" "Mode=$mode" 2>&1); rc=$?
  [ $rc -eq 0 ] && ok "template validates with Mode=$mode" || bad "Mode=$mode does not validate: $out"
done
# Organization mode (MemberRoleName) on each mode that has watch; the member role template on its own.
for mode in watch both; do
  out=$(node "$VALIDATE" "$TEMPLATE" "${PARAMS[@]}" "Mode=$mode" MemberRoleName=PingwatchMember \
        WatchRegions=us-east-1+ap-northeast-1 ExcludeAccounts=111111111111 2>&1); rc=$?
  [ $rc -eq 0 ] && ok "template validates with Mode=$mode in organization mode" || bad "Mode=$mode organization mode does not validate: $out"
done
out=$(node "$VALIDATE" "$SRC/deploy/member-role.yaml" OrganizationId=o-exampleorgid HomeAccountId=123456789012 2>&1); rc=$?
[ $rc -eq 0 ] && ok "deploy/member-role.yaml validates" || bad "deploy/member-role.yaml does not validate: $out"
out=$(node "$VALIDATE" "$TEMPLATE" "${PARAMS[@]}" "Mode=alarm" 2>&1); rc=$?
[ $rc -ne 0 ] && ok "Mode=alarm (not an allowed value) is refused" || bad "Mode=alarm accepted: $out"

# Each mutation must be caught: "expr|what the validator should say".
mutations=(
  's/MemorySize: !Ref FunctionMemoryMB/MemorySiz: !Ref FunctionMemoryMB/|MemorySiz is not a valid property'
  's/PingwatchCycleRule.Arn/PingwatchCycleRule.Nope/|No such attribute Nope'
  's/TopicArn: !Ref AlarmTopic/TopicArn: !Ref NoSuchTopic/|Referenced value NoSuchTopic does not exist'
  's/AWS::Lambda::EventInvokeConfig/AWS::Lambda::EventInvokeConfg/|invalid Type'
  's/MaximumRetryAttempts: 0 .*/MaximumRetryAttempts: [0]/|Expecting an integer'
  's/KeyType: HASH/KeyTyp: HASH/|KeyTyp is not a valid property'
)
for m in "${mutations[@]}"; do
  expr=${m%%|*}; want=${m#*|}
  sed -e "$expr" "$TEMPLATE" > "$tmp/broken.yaml"
  if cmp -s "$TEMPLATE" "$tmp/broken.yaml"; then bad "mutation '$expr' changed nothing"; continue; fi
  out=$(node "$VALIDATE" "$tmp/broken.yaml" "${PARAMS[@]}" 2>&1); rc=$?
  if [ $rc -eq 1 ] && grep -qF -- "$want" <<<"$out"; then ok "rejects: $want"; else bad "accepted or wrong reason for '$expr': $out"; fi
done

# The IAM check fails when a role lacks an action the code calls, or allows one it never calls.
/usr/bin/python3 "$IAM" >/dev/null 2>&1 && ok "IAM check passes on the template" || bad "IAM check fails on the template"
sed -e '/- cloudwatch:TagResource/d' "$TEMPLATE" > "$tmp/missing.yaml"
out=$(/usr/bin/python3 "$IAM" --template "$tmp/missing.yaml" 2>&1)
grep -q "calls cloudwatch:TagResource .* does not allow it" <<<"$out" && ok "IAM check catches a missing action" || bad "missing action not caught: $out"
sed -e 's/- cloudwatch:DeleteAlarms/- cloudwatch:DeleteAlarms\n                  - cloudwatch:ListMetrics/' "$TEMPLATE" > "$tmp/extra.yaml"
out=$(/usr/bin/python3 "$IAM" --template "$tmp/extra.yaml" 2>&1)
grep -q "allows cloudwatch:ListMetrics but the cycle job never calls it" <<<"$out" && ok "IAM check catches an extra action" || bad "extra action not caught: $out"
sed -e 's/Action: ssm:DescribeInstanceInformation/Action: "ssm:Describe*"/' "$TEMPLATE" > "$tmp/wild.yaml"
out=$(/usr/bin/python3 "$IAM" --template "$tmp/wild.yaml" 2>&1)
grep -q "wildcard action" <<<"$out" && ok "IAM check rejects wildcard actions" || bad "wildcard not caught: $out"
sed -e 's/cloudwatch:namespace: !Ref Namespace/cloudwatch:namespace: Other/' "$TEMPLATE" > "$tmp/ns.yaml"
out=$(/usr/bin/python3 "$IAM" --template "$tmp/ns.yaml" 2>&1)
grep -q "conditioned on cloudwatch:namespace" <<<"$out" && ok "IAM check requires the namespace condition" || bad "namespace condition not checked: $out"

# watch: its table actions are checked against the code and scoped to its own table.
sed -e '/- dynamodb:BatchWriteItem/d' "$TEMPLATE" > "$tmp/watch-missing.yaml"
out=$(/usr/bin/python3 "$IAM" --template "$tmp/watch-missing.yaml" 2>&1)
grep -q "(watch) calls dynamodb:BatchWriteItem .* does not allow it" <<<"$out" && ok "IAM check catches a missing watch table action" || bad "missing watch action not caught: $out"
sed -e 's/Resource: !GetAtt PingwatchWatchStateTable.Arn/Resource: "*"/' "$TEMPLATE" > "$tmp/watch-table.yaml"
out=$(/usr/bin/python3 "$IAM" --template "$tmp/watch-table.yaml" 2>&1)
grep -q "dynamodb:GetItem on \['\*'\], expected exactly" <<<"$out" && ok "IAM check scopes watch's DynamoDB actions to its table" || bad "table scope not checked: $out"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

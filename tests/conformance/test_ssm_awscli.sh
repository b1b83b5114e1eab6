#!/usr/bin/env bash
# The AWS CLI (Debian's /usr/bin/aws, v2.9) against `pingwatch local`: paging DescribeInstanceInformation
# across every page, filters, tags, EC2 DescribeInstances, and AWS's errors for bad requests.
set -euo pipefail
BIN=${PINGWATCH_BIN:?PINGWATCH_BIN must point at the pingwatch binary}
# The CLI under test: Debian's /usr/bin/aws (v2.9) unless PINGWATCH_AWS_CLI names another (ctest runs it again
# with the pyenv AWS CLI 1.45); a CLI that is not there skips the test.
AWS=${PINGWATCH_AWS_CLI:-/usr/bin/aws}
if ! AWS_VERSION=$("$AWS" --version 2>&1); then echo "skipped: no AWS CLI at $AWS"; exit 0; fi
echo "client: $AWS_VERSION ($AWS)"
NODES=137
WORK=$(mktemp -d)
STACK_PID=
cleanup() { [ -n "$STACK_PID" ] && kill "$STACK_PID" 2>/dev/null && wait "$STACK_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$BIN" local --port 0 --nodes "$NODES" --fleet-seed 11 >"$WORK/stack.out" 2>"$WORK/stack.err" &
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

# 1. Auto-pagination with a small page size sees every node exactly once.
aws_local ssm describe-instance-information --page-size 13 \
  --query 'InstanceInformationList[].InstanceId' --output text | tr '\t' '\n' | sed '/^$/d' >"$WORK/ids"
[ "$(wc -l <"$WORK/ids")" -eq "$NODES" ] || fail "expected $NODES ids, got $(wc -l <"$WORK/ids")"
[ "$(sort -u "$WORK/ids" | wc -l)" -eq "$NODES" ] || fail "duplicate ids across pages"
ok "describe-instance-information pages through all $NODES nodes"

# 2. Manual paging with --max-results / --starting-token (no auto-pagination).
aws_local ssm describe-instance-information --no-paginate --max-results 50 >"$WORK/page1.json"
python3 -c "import json,sys; d=json.load(open('$WORK/page1.json')); assert len(d['InstanceInformationList'])==50 and d.get('NextToken'), d.keys()"
ok "a single page honours MaxResults and returns NextToken"

# 3. Fields look like SSM's.
python3 - "$WORK/page1.json" <<'PY'
import json, sys
node = json.load(open(sys.argv[1]))["InstanceInformationList"][0]
for field in ("InstanceId", "PingStatus", "LastPingDateTime", "AgentVersion", "PlatformType", "PlatformName",
              "PlatformVersion", "ResourceType", "IPAddress", "ComputerName", "SourceId", "SourceType"):
    assert field in node, field
assert node["PingStatus"] == "Online", node
assert node["ResourceType"] == "EC2Instance"
PY
ok "every InstanceInformation field is present"

# 4. MaxResults above 50: AWS's ValidationException text.
if aws_local ssm describe-instance-information --no-paginate --max-results 60 2>"$WORK/err"; then fail "MaxResults 60 accepted"; fi
grep -q "ValidationException" "$WORK/err" || fail "no ValidationException: $(cat "$WORK/err")"
grep -q "Value '60' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50" "$WORK/err" \
  || fail "wrong validation text: $(cat "$WORK/err")"
ok "MaxResults 60 -> ValidationException"

# 5. Filters: a fault makes one node ConnectionLost; the PingStatus filter finds it.
ID=$(head -1 "$WORK/ids")
"$BIN" local fault --endpoint-url "$URL" --instance-id "$ID" --fault agent-stop >/dev/null
# 10 simulated minutes of silence at 60x is ~10 s of wall time: wait for it, bounded.
for _ in $(seq 1 40); do
  LOST=$(aws_local ssm describe-instance-information --filters Key=PingStatus,Values=ConnectionLost \
    --query 'InstanceInformationList[].InstanceId' --output text)
  [ "$LOST" = "$ID" ] && break
  sleep 1
done
[ "$LOST" = "$ID" ] || fail "agent-stop did not become ConnectionLost (got '$LOST')"
ok "agent-stop -> ConnectionLost, found by the PingStatus filter"

# 6. Tag filters (generated nodes carry Name/Environment/Role tags).
aws_local ssm describe-instance-information --filters Key=tag-key,Values=Role \
  --query 'InstanceInformationList[].InstanceId' --output text | wc -w >"$WORK/n"
[ "$(cat "$WORK/n")" -eq "$NODES" ] || fail "tag-key filter: $(cat "$WORK/n")"
if aws_local ssm describe-instance-information --filters Key=tag-key,Values=Role Key=PingStatus,Values=Online 2>"$WORK/err" >/dev/null; then
  fail "tag and non-tag filters mixed without error"
fi
grep -q "Cannot mix tag or inventory filter with any other filter." "$WORK/err" || fail "$(cat "$WORK/err")"
ok "tag filters, and mixing them is refused"

# 7. Terminated nodes vanish from SSM; EC2 still shows them as terminated.
ID2=$(sed -n 2p "$WORK/ids")
"$BIN" local fault --endpoint-url "$URL" --instance-id "$ID2" --fault terminate >/dev/null
aws_local ssm describe-instance-information --filters Key=InstanceIds,Values="$ID2" \
  --query 'InstanceInformationList[].InstanceId' --output text | wc -w >"$WORK/n"
[ "$(cat "$WORK/n")" -eq 0 ] || fail "terminated node still listed"
STATE=$(aws_local ec2 describe-instances --instance-ids "$ID2" --query 'Reservations[0].Instances[0].State.Name' --output text)
[ "$STATE" = "terminated" ] || fail "EC2 state '$STATE'"
ok "terminate removes the node from SSM; EC2 reports terminated"

# 8. A wrong secret key is refused: SSM (JSON) says InvalidSignatureException, EC2 (query) SignatureDoesNotMatch.
if AWS_SECRET_ACCESS_KEY=wrong "$AWS" --endpoint-url "$URL" ssm describe-instance-information 2>"$WORK/err" >/dev/null; then
  fail "wrong secret accepted"
fi
grep -q "InvalidSignatureException" "$WORK/err" || fail "$(cat "$WORK/err")"
grep -q "The request signature we calculated does not match the signature you provided" "$WORK/err" || fail "$(cat "$WORK/err")"
if AWS_SECRET_ACCESS_KEY=wrong "$AWS" --endpoint-url "$URL" ec2 describe-instances 2>"$WORK/err" >/dev/null; then
  fail "wrong secret accepted by ec2"
fi
grep -q "SignatureDoesNotMatch" "$WORK/err" || fail "$(cat "$WORK/err")"
if AWS_ACCESS_KEY_ID=AKIDNOBODY "$AWS" --endpoint-url "$URL" ssm describe-instance-information 2>"$WORK/err" >/dev/null; then
  fail "unknown key accepted"
fi
grep -q "UnrecognizedClientException" "$WORK/err" || fail "$(cat "$WORK/err")"
ok "wrong secret / unknown key refused with AWS's codes"

# 9. SIGTERM: the stack saves and exits 0.
kill -TERM "$STACK_PID"
wait "$STACK_PID" && rc=0 || rc=$?
STACK_PID=
[ "$rc" -eq 0 ] || fail "stack exit code $rc on SIGTERM"
ok "SIGTERM -> exit 0"

echo "$passed passed, 0 failed"

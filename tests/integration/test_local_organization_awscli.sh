#!/usr/bin/env bash
# `pingwatch local --accounts N` as an AWS Organization, driven by the AWS CLI (and boto3's paginator): ListAccounts
# pages through all N+1 accounts; AssumeRole into a member's role gives credentials that act in that account only
# (its own nodes per region, its own SNS topics); a role the member does not have, a caller outside the
# organization, and a member listing accounts are refused with AWS's codes; a fault by id reaches a member's node;
# a stack without --accounts is not in an organization.
set -euo pipefail
. "$(dirname "$0")/../lib/local_stack.sh"
AWS=$(command -v aws || true)
[ -x "$HOME/.pyenv/versions/3.11.7/bin/aws" ] && AWS="$HOME/.pyenv/versions/3.11.7/bin/aws"
[ -n "$AWS" ] || { echo "skipped: no AWS CLI"; exit 0; }
PY=/usr/bin/python3
[ -x "$HOME/.pyenv/versions/3.11.7/bin/python3" ] && PY="$HOME/.pyenv/versions/3.11.7/bin/python3"
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL
export AWS_CONFIG_FILE="$WORK/none" AWS_SHARED_CREDENTIALS_FILE="$WORK/none" AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
printf 'test test 123456789012\noutsider outsider-secret 999999999999\n' >"$WORK/keys.txt"

start --accounts 20 --nodes 5 --regions us-east-1,ap-northeast-1 --credentials "$WORK/keys.txt" \
  --time-scale 30   # sessions (1 simulated hour) last 2 wall minutes; ConnectionLost comes 20 s after agent-stop
cli() { "$AWS" --endpoint-url "$URL" "$@"; }
stat_count() {   # stat_count SERVICE OPERATION
  curl -s "$URL/_local/stats" | "$PY" -c "import json,sys; s=json.load(sys.stdin)['services']
print(s.get('$1', {}).get('operations', {}).get('$2', {}).get('count', 0))"
}
as_member() {   # as_member ACCOUNT ROLE: exports the assumed role's credentials
  local out
  out=$(cli sts assume-role --role-arn "arn:aws:iam::$1:role/$2" --role-session-name watch --output json) || return 1
  export AWS_ACCESS_KEY_ID=$(echo "$out" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["Credentials"]["AccessKeyId"])')
  export AWS_SECRET_ACCESS_KEY=$(echo "$out" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["Credentials"]["SecretAccessKey"])')
  export AWS_SESSION_TOKEN=$(echo "$out" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["Credentials"]["SessionToken"])')
}
as_home() { export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test; unset AWS_SESSION_TOKEN; }
ids() { cli ssm describe-instance-information --region "$1" --query 'InstanceInformationList[].InstanceId' --output text | tr '\t' '\n' | sort; }

# 1. ListAccounts pages: 21 accounts at 7 a page are 3 calls, every account once, the management account first.
accounts=$(cli organizations list-accounts --page-size 7 --query 'Accounts[].Id' --output text | tr '\t' '\n')
[ "$(echo "$accounts" | sort -u | wc -l)" -eq 21 ] || fail "list-accounts: $(echo "$accounts" | wc -l) ids: $accounts"
[ "$(echo "$accounts" | head -1)" = 123456789012 ] || fail "management account not first"
echo "$accounts" | grep -qx 100000000020 || fail "member 20 missing"
[ "$(stat_count organizations ListAccounts)" -eq 3 ] || fail "ListAccounts calls: $(stat_count organizations ListAccounts), want 3 pages"
ok "aws organizations list-accounts --page-size 7 pages through 21 accounts in 3 calls"
[ "$(cli organizations describe-organization --query Organization.MasterAccountId --output text)" = 123456789012 ] ||
  fail "describe-organization"
[ "$(cli organizations describe-account --account-id 100000000003 --query Account.Name --output text)" = "Member 3" ] ||
  fail "describe-account"
ok "describe-organization names the management account; describe-account a member"

# boto3's paginator (the monitor's client library does the same dance).
"$PY" - "$URL" <<'PY' || fail "boto3 paginator"
import sys, boto3
c = boto3.client("organizations", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test")
pages = list(c.get_paginator("list_accounts").paginate(PaginationConfig={"PageSize": 5}))
ids = [a["Id"] for p in pages for a in p["Accounts"]]
assert len(pages) == 5 and len(ids) == 21 == len(set(ids)), (len(pages), ids)
assert all(a["Status"] == "ACTIVE" and a["Arn"].endswith("/" + a["Id"]) for p in pages for a in p["Accounts"])
try:
    c.list_accounts(NextToken="not-a-token")
    raise SystemExit("a forged NextToken was accepted")
except c.exceptions.InvalidInputException as e:
    assert e.response["Reason"] == "INVALID_PAGINATION_TOKEN", e.response
PY
ok "boto3 list_accounts paginator: 5 pages of <= 5, 21 ACTIVE accounts; a forged NextToken is InvalidInputException"

# The monitor's organization flow (watch.accounts = "organization:PingwatchMember@us-east-1+ap-northeast-1"): list
# the accounts from the home account, assume the member role in each member, list every (account, region)'s nodes.
"$PY" - "$URL" <<'PY' || fail "organization flow"
import sys, boto3
url = sys.argv[1]
home = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
org = home.client("organizations", endpoint_url=url)
accounts = [a["Id"] for p in org.get_paginator("list_accounts").paginate() for a in p["Accounts"] if a["Status"] == "ACTIVE"]
sts = home.client("sts", endpoint_url=url)
seen = {}
for account in accounts:
    session = home
    if account != "123456789012":
        c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/PingwatchMember", RoleSessionName="pingwatch")["Credentials"]
        session = boto3.Session(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                                aws_session_token=c["SessionToken"])
    for region in ("us-east-1", "ap-northeast-1"):
        ssm = session.client("ssm", endpoint_url=url, region_name=region)
        for page in ssm.get_paginator("describe_instance_information").paginate():
            for node in page["InstanceInformationList"]:
                assert node["InstanceId"] not in seen, (node["InstanceId"], account, region, seen[node["InstanceId"]])
                seen[node["InstanceId"]] = (account, region)
assert len(accounts) == 21 and len(seen) == 21 * 2 * 5, (len(accounts), len(seen))
PY
ok "ListAccounts + AssumeRole into 20 members + DescribeInstanceInformation in 2 regions: 210 nodes, each once"

home_east=$(ids us-east-1)
[ "$(echo "$home_east" | wc -l)" -eq 5 ] || fail "management account us-east-1: $home_east"

# 2. A member's role: credentials act in that account, with its own nodes per region.
as_member 100000000007 PingwatchMember || fail "assume-role into member 7"
[ "$(cli sts get-caller-identity --query Account --output text)" = 100000000007 ] || fail "get-caller-identity"
m7_east=$(ids us-east-1)
m7_tokyo=$(ids ap-northeast-1)
[ "$(echo "$m7_east" | wc -l)" -eq 5 ] && [ "$(echo "$m7_tokyo" | wc -l)" -eq 5 ] || fail "member 7 nodes: $m7_east / $m7_tokyo"
[ -z "$(comm -12 <(echo "$m7_east") <(echo "$home_east"))" ] || fail "member 7 sees the management account's nodes"
[ -z "$(comm -12 <(echo "$m7_east") <(echo "$m7_tokyo"))" ] || fail "the same node in two regions"
[ -z "$(ids eu-west-1)" ] || fail "member 7 has nodes in eu-west-1, not in --regions"
owner=$(cli ec2 describe-instances --query 'Reservations[0].OwnerId' --output text)
[ "$owner" = 100000000007 ] || fail "ec2 OwnerId $owner"
topic=$(cli sns create-topic --name SSM-Ping --query TopicArn --output text)
[ "$topic" = arn:aws:sns:us-east-1:100000000007:SSM-Ping ] || fail "member topic ARN $topic"
# A member's function: GetFunction's Code.Location fetches that account's package, not the management account's.
printf 'exit 0\n' >"$WORK/bootstrap"
(cd "$WORK" && "$PY" -c "import zipfile; z=zipfile.ZipFile('member7.zip','w'); z.write('bootstrap')")
cli lambda create-function --function-name member-fn --runtime provided.al2023 --handler x \
  --role arn:aws:iam::100000000007:role/r --zip-file "fileb://$WORK/member7.zip" >/dev/null
location=$(cli lambda get-function --function-name member-fn --query Code.Location --output text)
curl -sf -o "$WORK/fetched.zip" "$location" || fail "Code.Location $location does not fetch"
cmp -s "$WORK/member7.zip" "$WORK/fetched.zip" || fail "Code.Location $location is not member 7's package"
# The member role is trusted by the organization, so a member can hop to another member (role chaining).
as_member 100000000008 PingwatchMember || fail "member 7 -> member 8"
m8_east=$(ids us-east-1)
[ -z "$(comm -12 <(echo "$m8_east") <(echo "$m7_east"))" ] || fail "member 8 sees member 7's nodes"
[ -z "$(cli sns list-topics --query 'Topics[].TopicArn' --output text)" ] || fail "member 8 sees member 7's topic"
ok "assume-role into a member: get-caller-identity, 5 own nodes in each of 2 regions, EC2 OwnerId, own SNS topics, own Lambda package"

# 3. Refusals, with AWS's codes and texts.
as_member 100000000007 PingwatchMember
set +e
err=$(cli organizations list-accounts 2>&1); rc=$?
set -e
[ $rc -ne 0 ] && echo "$err" | grep -q "AccessDeniedException" && echo "$err" | grep -q "You don't have permissions to access this resource" ||
  fail "a member listing accounts: $err"
ok "a member account calling ListAccounts: AccessDeniedException"
as_home
set +e
err=$(cli sts assume-role --role-arn arn:aws:iam::100000000007:role/NoSuchRole --role-session-name watch 2>&1); rc=$?
set -e
want="User: arn:aws:iam::123456789012:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::100000000007:role/NoSuchRole"
[ $rc -ne 0 ] && echo "$err" | grep -q "(AccessDenied)" && echo "$err" | grep -qF "$want" || fail "missing role: $err"
set +e
err=$(AWS_ACCESS_KEY_ID=outsider AWS_SECRET_ACCESS_KEY=outsider-secret cli sts assume-role \
  --role-arn arn:aws:iam::100000000007:role/PingwatchMember --role-session-name watch 2>&1); rc=$?
err2=$(AWS_ACCESS_KEY_ID=outsider AWS_SECRET_ACCESS_KEY=outsider-secret cli organizations list-accounts 2>&1)
set -e
[ $rc -ne 0 ] && echo "$err" | grep -q "(AccessDenied)" && echo "$err" | grep -q "arn:aws:iam::999999999999:root is not authorized" ||
  fail "outsider assume-role: $err"
echo "$err2" | grep -q AWSOrganizationsNotInUseException || fail "outsider list-accounts: $err2"
ok "AccessDenied for a role the member lacks and for a caller outside the organization (AWS's text)"

# 4. A fault by id reaches a member's node; only that node goes ConnectionLost.
victim=$(echo "$m7_tokyo" | head -1)
"$BIN" local fault --endpoint-url "$URL" --instance-id "$victim" --fault agent-stop >/dev/null || fail "fault on $victim"
as_member 100000000007 PingwatchMember
status=
for _ in $(seq 1 120); do
  status=$(cli ssm describe-instance-information --region ap-northeast-1 \
    --filters "Key=InstanceIds,Values=$victim" --query 'InstanceInformationList[0].PingStatus' --output text)
  [ "$status" = ConnectionLost ] && break
  sleep 0.5
done
[ "$status" = ConnectionLost ] || fail "$victim still $status after agent-stop"
lost=$(cli ssm describe-instance-information --region ap-northeast-1 \
  --query 'length(InstanceInformationList[?PingStatus==`ConnectionLost`])' --output text)
[ "$lost" = 1 ] || fail "$lost ConnectionLost nodes in member 7's ap-northeast-1"
fleet=$(curl -s "$URL/_local/fleet?account=100000000007&region=ap-northeast-1")   # not piped: grep -q closes early
grep -q '"last_fault": "agent-stop"' <<<"$fleet" ||
  fail "/_local/fleet?account=…&region=… does not show the fault"
ok "pingwatch local fault --instance-id <member 7's Tokyo node>: that node, and only it, goes ConnectionLost"
curl -s "$URL/_local/stats" | "$PY" -c 'import json,sys; a=json.load(sys.stdin)["accounts"]; assert a["100000000007"]["services"]["ssm"] >= 3, a' ||
  fail "per-account stats"
ok "/_local/stats counts calls per account"

# 5. Without --accounts the account is in no organization.
kill "$STACK_PID"; wait "$STACK_PID" 2>/dev/null || true
as_home
start --nodes 2
set +e
err=$(cli organizations list-accounts 2>&1); rc=$?
set -e
[ $rc -ne 0 ] && echo "$err" | grep -q AWSOrganizationsNotInUseException || fail "no organization: $err"
ok "without --accounts: AWSOrganizationsNotInUseException"
echo "passed $passed"

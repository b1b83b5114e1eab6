#!/usr/bin/env bash
# `pingwatch deploy` and scripts/deploy.sh (make deploy) drive the AWS CLI correctly: checked with a fake
# `aws` that records every call (no network). Upload key carries the zip's hash; the stack is deployed with
# CAPABILITY_NAMED_IAM and the right parameters; the artifacts bucket is created only when missing; bad
# input stops before any AWS call; a failing CLI call fails the deploy.
set -uo pipefail
SRC=${PINGWATCH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${PINGWATCH_BIN:?PINGWATCH_BIN must point at the built pingwatch}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
ok()  { echo "ok   - $1"; passed=$((passed + 1)); }
bad() { echo "FAIL - $1"; failed=$((failed + 1)); }

cat > "$tmp/aws" <<'FAKE'
#!/usr/bin/env bash
# fake AWS CLI: one line per call in $FAKE_AWS_LOG, fields separated by " | "
(IFS='|'; echo "$*" | sed 's/|/ | /g') >> "$FAKE_AWS_LOG"
args=" $* "
case "$args" in
  *" sts get-caller-identity "*) echo "123456789012" ;;
  *" s3api head-bucket "*) [ -n "${FAKE_BUCKET_EXISTS:-}" ] || { echo "An error occurred (404) when calling the HeadObject operation: Not Found" >&2; exit 254; } ;;
  *" s3 cp "*) for a in "$@"; do case "$a" in *.zip) cp "$a" "$FAKE_AWS_DIR/uploaded.zip" ;; esac; done ;;
  *" cloudformation deploy "*) [ -z "${FAKE_DEPLOY_FAILS:-}" ] || { echo "Failed to create/update the stack" >&2; exit 255; }; echo "Successfully created/updated stack" ;;
  *" cloudformation describe-stacks "*) echo "| AlarmTopicArn | arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping |" ;;
esac
exit 0
FAKE
chmod +x "$tmp/aws"
export FAKE_AWS_LOG=$tmp/calls.log FAKE_AWS_DIR=$tmp PINGWATCH_AWS_CLI=$tmp/aws
head -c 100000 /dev/urandom > "$tmp/pingwatch-lambda-x86_64.zip"
sha=$(sha256sum "$tmp/pingwatch-lambda-x86_64.zip" | cut -c1-16)
key="pingwatch/$sha/pingwatch-lambda-x86_64.zip"
bucket="pingwatch-artifacts-123456789012-ap-northeast-1"
common=(--stack pingwatch --email ops@example.com --zip "$tmp/pingwatch-lambda-x86_64.zip" --template "$SRC/deploy/template.yaml")

# 1. first deploy: no bucket yet
: > "$FAKE_AWS_LOG"
"$BIN" deploy "${common[@]}" --region ap-northeast-1 --parameter NameSuffix=-test > "$tmp/out" 2> "$tmp/err"; rc=$?
[ $rc -eq 0 ] && ok "first deploy exits 0" || bad "first deploy exit $rc: $(cat "$tmp/err")"
mapfile -t calls < "$FAKE_AWS_LOG"
order=$(printf '%s\n' "${calls[@]}" | sed -E 's/^--region \| ap-northeast-1 \| ([a-z0-9]+ \| [a-z-]+).*/\1/')
expected=$'sts | get-caller-identity\ns3api | head-bucket\ns3 | mb\ns3 | cp\ncloudformation | deploy\ncloudformation | describe-stacks'
[ "$order" = "$expected" ] && ok "calls in order: sts, head-bucket, mb, cp, deploy, describe-stacks" || bad "call order: $order"
grep -qF "s3 | mb | s3://$bucket" "$FAKE_AWS_LOG" && ok "creates the missing bucket $bucket" || bad "no mb of $bucket"
grep -qF "s3 | cp | $tmp/pingwatch-lambda-x86_64.zip | s3://$bucket/$key" "$FAKE_AWS_LOG" && ok "uploads to a key with the zip's hash ($key)" || bad "upload call: $(grep ' cp ' "$FAKE_AWS_LOG")"
cmp -s "$tmp/uploaded.zip" "$tmp/pingwatch-lambda-x86_64.zip" && ok "uploads the zip itself" || bad "uploaded file differs"
dep=$(grep "cloudformation | deploy" "$FAKE_AWS_LOG")
for want in "--template-file | $SRC/deploy/template.yaml" "--stack-name | pingwatch" "--capabilities | CAPABILITY_NAMED_IAM" \
            "NotificationEmail=ops@example.com" "CodeBucket=$bucket" "CodeKey=$key" "Architecture=x86_64" "Mode=watch" \
            "NameSuffix=-test"; do
  grep -qF -- "$want" <<<"$dep" && ok "cloudformation deploy has $want" || bad "cloudformation deploy lacks $want: $dep"
done
grep -q "confirm it" "$tmp/err" && ok "reminds to confirm the SNS subscription" || bad "no confirmation reminder"
grep -q "AWS_SECRET\|AKIA" "$tmp/err" "$tmp/out" && bad "secrets printed" || ok "no secrets printed"

# 2. second deploy: bucket exists -> no mb; same zip -> same key
: > "$FAKE_AWS_LOG"
FAKE_BUCKET_EXISTS=1 "$BIN" deploy "${common[@]}" --region ap-northeast-1 >/dev/null 2>&1; rc=$?
[ $rc -eq 0 ] && ! grep -q "s3 | mb" "$FAKE_AWS_LOG" && grep -qF "CodeKey=$key" "$FAKE_AWS_LOG" \
  && ok "existing bucket is reused, same zip -> same key" || bad "second deploy (rc $rc): $(cat "$FAKE_AWS_LOG")"

# 3. explicit bucket: no sts, no head-bucket
: > "$FAKE_AWS_LOG"
"$BIN" deploy "${common[@]}" --region us-east-1 --bucket my-artifacts >/dev/null 2>&1; rc=$?
[ $rc -eq 0 ] && ! grep -q "sts\|head-bucket" "$FAKE_AWS_LOG" && grep -qF "s3://my-artifacts/$key" "$FAKE_AWS_LOG" \
  && ok "--bucket is used as given" || bad "--bucket run (rc $rc): $(cat "$FAKE_AWS_LOG")"

# 4. bad input: exit 2, no AWS call
for bad_args in "--email not-an-address --region ap-northeast-1" "--email ops@example.com --region Tokyo" \
                "--email ops@example.com --region ap-northeast-1 --bucket Bad_Bucket" \
                "--email ops@example.com --region ap-northeast-1 --parameter CodeKey=x" \
                "--email ops@example.com --region ap-northeast-1 --mode alarm"; do
  : > "$FAKE_AWS_LOG"
  # shellcheck disable=SC2086
  "$BIN" deploy --stack pingwatch --zip "$tmp/pingwatch-lambda-x86_64.zip" --template "$SRC/deploy/template.yaml" $bad_args >/dev/null 2>"$tmp/err"; rc=$?
  [ $rc -eq 2 ] && [ ! -s "$FAKE_AWS_LOG" ] && ok "rejected before any AWS call: $bad_args ($(head -c 80 "$tmp/err"))" || bad "accepted: $bad_args (rc $rc)"
done
: > "$FAKE_AWS_LOG"
"$BIN" deploy --stack pingwatch --email ops@example.com --region ap-northeast-1 --zip "$tmp/missing.zip" --template "$SRC/deploy/template.yaml" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "make package" "$tmp/err" && ok "missing zip: exit 2, says make package" || bad "missing zip (rc $rc): $(cat "$tmp/err")"

# 5. a failing CLI call fails the deploy
FAKE_BUCKET_EXISTS=1 FAKE_DEPLOY_FAILS=1 "$BIN" deploy "${common[@]}" --region ap-northeast-1 >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] && grep -q "cloudformation deploy.*failed" "$tmp/err" && ok "failed stack deploy: exit 1" || bad "failed deploy (rc $rc): $(cat "$tmp/err")"

# 6. make deploy's script passes STACK/EMAIL/REGION/PARAMS through
: > "$FAKE_AWS_LOG"
PINGWATCH=$BIN STACK=pingwatch EMAIL=ops@example.com REGION=eu-west-1 MODE=both PARAMS="NameSuffix=-x TopicName=SSM-Ping-X" \
  ZIP="$tmp/pingwatch-lambda-x86_64.zip" bash "$SRC/scripts/deploy.sh" >/dev/null 2>&1; rc=$?
grep -q "eu-west-1 | cloudformation | deploy .*Mode=both | NameSuffix=-x | TopicName=SSM-Ping-X" "$FAKE_AWS_LOG" && [ $rc -eq 0 ] \
  && ok "scripts/deploy.sh (make deploy) drives pingwatch deploy" || bad "scripts/deploy.sh (rc $rc): $(cat "$FAKE_AWS_LOG")"
STACK= EMAIL= bash "$SRC/scripts/deploy.sh" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "scripts/deploy.sh without STACK/EMAIL: usage, exit 2" || bad "deploy.sh without args rc $rc"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

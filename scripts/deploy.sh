#!/usr/bin/env bash
# `make deploy STACK=pingwatch EMAIL=ops@example.com [MODE=watch|alarms|both] [REGION=ap-northeast-1] [BUCKET=my-artifacts] [PROFILE=prod]`
# (make has already built dist/pingwatch-lambda-<arch>.zip): uploads the zip and creates/updates the stack
# through `pingwatch deploy`, which runs the AWS CLI (aws s3 cp, aws cloudformation deploy). See docs/deploy.md.
# Extra template parameters: PARAMS="NameSuffix=-staging TopicName=SSM-Ping-Staging".
set -euo pipefail
cd "$(dirname "$0")/.."

pingwatch=${PINGWATCH:-${BUILD_DIR:-build}/src/pingwatch}
if [ -z "${STACK:-}" ] || [ -z "${EMAIL:-}" ]; then
  echo "usage: make deploy STACK=<stack name> EMAIL=<address for alarm mail> [MODE=watch|alarms|both] [REGION=..] [BUCKET=..] [PROFILE=..] [PARAMS=\"Name=Value ..\"]" >&2
  exit 2
fi
[ -x "$pingwatch" ] || { echo "deploy: $pingwatch not built: run make build (or set PINGWATCH)" >&2; exit 2; }
case "$(uname -m)" in aarch64) arch=arm64 ;; *) arch=x86_64 ;; esac
zip=${ZIP:-dist/pingwatch-lambda-$arch.zip}

args=(deploy --stack "$STACK" --email "$EMAIL" --zip "$zip" --template deploy/template.yaml)
[ -n "${MODE:-}" ] && args+=(--mode "$MODE")
[ -n "${REGION:-}" ] && args+=(--region "$REGION")
[ -n "${BUCKET:-}" ] && args+=(--bucket "$BUCKET")
[ -n "${PROFILE:-}" ] && args+=(--profile "$PROFILE")
for p in ${PARAMS:-}; do args+=(--parameter "$p"); done
[ -n "${DRY_RUN:-}" ] && args+=(--dry-run)
exec "$pingwatch" "${args[@]}"

#!/usr/bin/env bash
# `make demo`: package the Lambda zip, start the local AWS stack with the post's four nodes, replay the
# experiment (scripts/demo.py), stop the stack. Ends by itself in under two minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/src/pingwatch}
scripts/package-lambda.sh "$(dirname "$bin")/pingwatch-lambda" >/dev/null   # the slim Lambda executable beside it
zip=dist/pingwatch-lambda-x86_64.zip

work=$(mktemp -d)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" local --port "$port" --time-scale 60 --region ap-northeast-1 --sim-start 2024-04-12T08:05:00Z \
  --fleet scripts/demo-fleet.json --mailbox "$work/mailbox" --auto-confirm >"$work/stack.log" 2>&1 &
stack=$!
trap 'kill $stack 2>/dev/null || true; wait $stack 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/_local/health" >/dev/null && break
  kill -0 $stack 2>/dev/null || { cat "$work/stack.log"; exit 2; }
  sleep 0.1
done
echo "pingwatch local stack on http://127.0.0.1:$port (log: $work/stack.log, mailbox: $work/mailbox)"
/usr/bin/python3 scripts/demo.py --endpoint-url "http://127.0.0.1:$port" --zip "$zip" ${PINGWATCH_DEMO_ARGS:---with-watch}

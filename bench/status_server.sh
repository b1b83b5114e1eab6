#!/bin/bash
# The status server figures of docs/daemon.md: bench/status_server.sh NODES yes|no WORKDIR (FIRST_PAINT=1: also the
# dashboard's first paint in Chromium). Starts pingwatch local and pingwatch run on free loopback ports.
set -u
N=$1; LISTEN=$2; W=$3; mkdir -p $W
ROOT=$(cd "$(dirname "$0")/.." && pwd); B=${PINGWATCH_BIN:-$ROOT/build/src/pingwatch}
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
$B local --port 0 --nodes $N --time-scale 1 --fleet-seed 3 > $W/stack.log 2>&1 & SP=$!
for i in $(seq 1 600); do grep -q "listening on" $W/stack.log && break; sleep 0.5; done
URL=$(grep -o "http://127.0.0.1:[0-9]*" $W/stack.log | head -1)
EXTRA=""; [ "$LISTEN" = yes ] && EXTRA="--listen 127.0.0.1:0"
rm -f $W/w.db*
$B run --jobs watch --interval 120 $EXTRA --endpoint-url $URL --set watch.state=$W/w.db --set watch.metrics=false > $W/d.log 2>&1 & DP=$!
for i in $(seq 1 1200); do grep -q '"cycle finished' $W/d.log && break; sleep 0.5; done
sleep 5   # the loader reads the state after the cycle
grep '"cycle finished' $W/d.log | head -1 | python3 -c 'import json,sys; l=json.load(sys.stdin); print("cycle", l["duration_seconds"], "nodes", l["nodes_seen"])'
grep -E "VmRSS|VmHWM" /proc/$DP/status
if [ "$LISTEN" = yes ]; then
  DU=$(grep -o '"url":"[^"]*' $W/d.log | cut -d'"' -f4)
  for p in /metrics /api/v1/nodes / /dashboard/live "/api/v1/transitions"; do
    for k in 1 2 3 4 5; do curl -s -o /dev/null -w "%{size_download} %{time_total}\n" "$DU$p"; done > $W/t.txt
    echo "$p bytes=$(head -1 $W/t.txt | cut -d' ' -f1) times=$(cut -d' ' -f2 $W/t.txt | tr '\n' ' ')"
  done
  curl -s --compressed -H 'Accept-Encoding: gzip' -o /dev/null -w "/metrics gzip: %{size_download}\n" $DU/metrics
  grep -E "VmRSS|VmHWM" /proc/$DP/status
  echo "$DU" > $W/url
  if [ -n "${FIRST_PAINT:-}" ]; then (cd $ROOT/tests/browser && node first_paint.mjs $DU/ 3); fi
fi
kill $DP; wait $DP; kill $SP; wait $SP

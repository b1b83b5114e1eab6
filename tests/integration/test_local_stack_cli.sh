#!/usr/bin/env bash
# `pingwatch local` as a process: --port 0 prints the URL, /_local endpoints, a --fleet timeline, the
# `local fault` subcommand, --state surviving a restart, SIGINT saving and exiting 0.
set -euo pipefail
. "$(dirname "$0")/../lib/local_stack.sh"

stop() {   # stop SIGNAL: expects exit 0
  kill "-$1" "$STACK_PID"
  local rc=0
  wait "$STACK_PID" || rc=$?
  STACK_PID=
  [ "$rc" -eq 0 ] || fail "exit code $rc after SIG$1"
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

cat >"$WORK/fleet.json" <<'JSON'
{"nodes": [
  {"id": "i-0572676272d863124", "platform": "amazon-linux-2023", "tags": {"Name": "Agent-Stop"}},
  {"id": "i-0a0a0a0a0a0a0a0a1", "platform": "windows-2022", "tags": {"Name": "Metadata"}},
  {"id": "mi-0123456789abcdef0", "platform": "ubuntu-22.04", "name": "onprem"}],
 "faults": [{"at_minute": 1, "instance_id": "i-0572676272d863124", "fault": "agent-stop"}]}
JSON

start --fleet "$WORK/fleet.json" --state "$WORK/state.sqlite" --time-scale 120
curl -sf "$URL/_local/health" | json 'd["status"]' | grep -qx ready || fail "health"
ok "listening on $URL, healthy"

# The timeline's agent-stop at simulated minute 1 (0.5 s of wall time at 120x).
for _ in $(seq 1 50); do
  LAST=$(curl -sf "$URL/_local/fleet" | json '[n["last_fault"] for n in d["nodes"] if n["instance_id"]=="i-0572676272d863124"][0]')
  [ "$LAST" = "agent-stop" ] && break
  sleep 0.2
done
[ "$LAST" = "agent-stop" ] || fail "timeline fault not applied"
ok "fleet timeline applied"

"$BIN" local fault --endpoint-url "$URL" --instance-id mi-0123456789abcdef0 --fault deregister >/dev/null
curl -sf "$URL/_local/fleet" | json '[n["listed_in_ssm"] for n in d["nodes"] if n["instance_id"]=="mi-0123456789abcdef0"][0]' \
  | grep -qx False || fail "deregister via CLI"
if "$BIN" local fault --endpoint-url "$URL" --instance-id i-0ffffffffffffffff --fault agent-stop 2>"$WORK/err"; then
  fail "unknown instance accepted"
fi
grep -q "no simulated node" "$WORK/err" || fail "$(cat "$WORK/err")"
if "$BIN" local fault --endpoint-url "$URL" --instance-id i-0572676272d863124 --fault melt 2>"$WORK/err"; then
  fail "unknown fault accepted"
fi
grep -q "unknown --fault" "$WORK/err" || fail "$(cat "$WORK/err")"
ok "local fault subcommand applies faults and reports errors"

curl -sf "$URL/_local/stats" | json 'd["total"]' >/dev/null || fail "stats"
SIM_BEFORE=$(curl -sf "$URL/_local/clock" | json 'int(d["sim_now"])')
stop INT
ok "SIGINT saves and exits 0"

start --fleet "$WORK/fleet.json" --state "$WORK/state.sqlite" --time-scale 120
curl -sf "$URL/_local/fleet" | json '[n["listed_in_ssm"] for n in d["nodes"] if n["instance_id"]=="mi-0123456789abcdef0"][0]' \
  | grep -qx False || fail "deregistered node came back after restart"
SIM_AFTER=$(curl -sf "$URL/_local/clock" | json 'int(d["sim_now"])')
[ "$SIM_AFTER" -ge "$SIM_BEFORE" ] || fail "simulated clock went back: $SIM_BEFORE -> $SIM_AFTER"
stop TERM
ok "--state restores the fleet and the simulated clock"

if "$BIN" local --port 0 --fleet /nonexistent.json >/dev/null 2>&1; then fail "missing fleet file accepted"; fi
ok "bad options refused"
echo "$passed passed, 0 failed"

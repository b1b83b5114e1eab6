#!/usr/bin/env bash
# `pingwatch local` binds to loopback unless told otherwise, and warns on stderr when told otherwise.
set -euo pipefail
. "$(dirname "$0")/../lib/local_stack.sh"

stop() { kill -TERM "$STACK_PID"; wait "$STACK_PID" || true; STACK_PID=; }
listening_addresses() {   # the local addresses the stack's process listens on (from /proc/net/tcp*)
  python3 - "$STACK_PID" <<'PY'
import os, sys
pid = sys.argv[1]
inodes = set()
for fd in os.listdir(f"/proc/{pid}/fd"):
    try:
        t = os.readlink(f"/proc/{pid}/fd/{fd}")
    except OSError:
        continue
    if t.startswith("socket:["):
        inodes.add(t[8:-1])
for name in ("tcp", "tcp6"):
    with open(f"/proc/{pid}/net/{name}") as f:
        next(f)
        for line in f:
            parts = line.split()
            if parts[3] == "0A" and parts[9] in inodes:   # LISTEN
                addr = parts[1].split(":")[0]
                if name == "tcp":
                    print(".".join(str(int(addr[i:i + 2], 16)) for i in (6, 4, 2, 0)))
                else:
                    print("v6:" + addr)
PY
}

start
ADDRS=$(listening_addresses)
[ "$ADDRS" = "127.0.0.1" ] || fail "default listens on '$ADDRS', want only 127.0.0.1"
case "$URL" in http://127.0.0.1:*) ;; *) fail "default URL $URL";; esac
grep -qi "warning" "$WORK/stack.err" && fail "warning printed for loopback: $(cat "$WORK/stack.err")"
ok "default: listens on 127.0.0.1 only, no warning"
stop

start --host 0.0.0.0
ADDRS=$(listening_addresses)
[ "$ADDRS" = "0.0.0.0" ] || fail "--host 0.0.0.0 listens on '$ADDRS'"
grep -q "warning: --host 0.0.0.0 is not a loopback address" "$WORK/stack.err" || fail "no warning: $(cat "$WORK/stack.err")"
ok "--host 0.0.0.0: listens on all addresses and warns on stderr"
stop

start --host localhost
grep -qi "warning" "$WORK/stack.err" && fail "warning printed for localhost"
ok "--host localhost: no warning"
stop
echo "$passed checks passed"

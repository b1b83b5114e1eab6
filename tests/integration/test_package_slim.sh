#!/usr/bin/env bash
# The Lambda zip is the slim build (docs/deploy.md, "What the zip holds"): at most 6 MB; none of libcurl, OpenSSL,
# cpp-httplib in lib/; the packager refuses the full pingwatch (it loads libcurl at exec); and the bootstrap,
# blocked in its first Runtime API /next, has mapped neither libcurl nor libcrypto (they load at the first AWS
# request), nor anything of the local stack or the CLI.
set -euo pipefail
SRC=${PINGWATCH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${PINGWATCH_BIN:?PINGWATCH_BIN must point at the built pingwatch}
LAMBDA_BIN=${PINGWATCH_LAMBDA_BIN:-$(dirname "$BIN")/pingwatch-lambda}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
ok()  { echo "ok   - $1"; passed=$((passed + 1)); }
bad() { echo "FAIL - $1"; failed=$((failed + 1)); }

"$SRC/scripts/package-lambda.sh" "$LAMBDA_BIN" "$tmp/fn.zip" >/dev/null
size=$(stat -c %s "$tmp/fn.zip")
[ "$size" -le 6000000 ] && ok "zip is $((size / 1024)) KiB (at most 6 MB)" || bad "zip is $size bytes: over 6 MB"
mkdir "$tmp/task" && (cd "$tmp/task" && unzip -q "$tmp/fn.zip")
heavy=$(ls "$tmp/task/lib" | grep -E '^lib(curl|ssl|crypto|cpp-httplib|gnutls|krb5)' || true)
[ -z "$heavy" ] && ok "lib/ bundles no libcurl, OpenSSL or cpp-httplib ($(ls "$tmp/task/lib" | wc -l) files)" \
  || bad "lib/ bundles: $(echo $heavy)"

if "$SRC/scripts/package-lambda.sh" "$BIN" "$tmp/full.zip" >/dev/null 2>"$tmp/refused"; then
  bad "the full pingwatch was packaged"
else
  grep -q "loads libcurl" "$tmp/refused" && ok "the full pingwatch is refused: $(head -c 100 "$tmp/refused")" \
    || bad "refused for another reason: $(cat "$tmp/refused")"
fi

# A Runtime API that accepts the connection and never answers /next: the bootstrap is then where Lambda freezes it.
maps=$(/usr/bin/python3 - "$tmp/task" 2>"$tmp/probe.err" <<'PY'
import os, socket, subprocess, sys, time
task = sys.argv[1]
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1); srv.settimeout(30)
env = {"AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{srv.getsockname()[1]}", "_HANDLER": "publish", "LAMBDA_TASK_ROOT": task,
       "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "PATH": "/usr/bin:/bin"}
proc = subprocess.Popen([os.path.join(task, "bootstrap")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    conn, _ = srv.accept()
    request = b""
    while b"\r\n\r\n" not in request:
        request += conn.recv(4096)
    assert request.startswith(b"GET /2018-06-01/runtime/invocation/next "), request[:80]
    libs = sorted({line.split()[-1].rsplit("/", 1)[-1] for line in open(f"/proc/{proc.pid}/maps") if ".so" in line})
    print(" ".join(libs))
finally:
    proc.kill(); proc.wait()
PY
) || true
echo "mapped at the first /next: $maps"
if [ -z "$maps" ]; then bad "no /next request seen: $(tail -5 "$tmp/probe.err")"
elif echo "$maps" | grep -Eq 'lib(curl|crypto|ssl|cpp-httplib)'; then bad "loaded before the first /next: $maps"
else ok "blocked in the first /next with $(echo "$maps" | wc -w) shared objects mapped, none of libcurl or OpenSSL"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

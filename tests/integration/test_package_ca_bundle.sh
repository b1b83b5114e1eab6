#!/usr/bin/env bash
# TLS trust in the packaged bootstrap: the fake SSM/CloudWatch speaks HTTPS with a self-signed certificate.
#  1. AWS_CA_BUNDLE=<that certificate> -> the invocation succeeds (the bundled binary honours AWS_CA_BUNDLE);
#  2. no bundle -> the invocation fails at /error with a certificate error (verification is on);
#  3. the bootstrap's Amazon Linux branch: a copy of bootstrap (a static executable) whose AL2023 path
#     (/etc/pki/tls/certs/ca-bundle.crt) is patched to a shorter temp file holding the certificate -> succeeds with
#     no variable passed in.
set -euo pipefail
SRC=${PINGWATCH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${PINGWATCH_BIN:?PINGWATCH_BIN must point at the built pingwatch}
tmp=$(mktemp -d)
pki=$(mktemp -d /tmp/pwca.XXXXXX)   # short: the patched path must fit where the 32-byte AL2023 path was
trap 'rm -rf "$tmp" "$pki"' EXIT

"$SRC/scripts/package-lambda.sh" "${PINGWATCH_LAMBDA_BIN:-$(dirname "$BIN")/pingwatch-lambda}" "$tmp/pingwatch-lambda.zip" >/dev/null
mkdir "$tmp/task"
(cd "$tmp/task" && unzip -q "$tmp/pingwatch-lambda.zip")
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
cp "$tmp/cert.pem" "$pki/ca.crt"
/usr/bin/python3 - "$tmp/task/bootstrap" "$tmp/task/bootstrap-al2023" "$pki/ca.crt" <<'PY'
import sys
src, dst, path = sys.argv[1], sys.argv[2], sys.argv[3].encode()
old = b"/etc/pki/tls/certs/ca-bundle.crt"
assert len(path) <= len(old), path
data = open(src, "rb").read()
assert old + b"\0" in data, "the bootstrap does not name the Amazon Linux CA bundle"
open(dst, "wb").write(data.replace(old + b"\0", path.ljust(len(old) + 1, b"\0")))
PY
chmod 755 "$tmp/task/bootstrap-al2023"

cat > "$tmp/fake.py" <<'PY'
import http.server, json, os, ssl, subprocess, sys, threading, time
tmp = sys.argv[1]
lock = threading.Condition()
results = {}
current = {"req": None}

class Quiet(http.server.ThreadingHTTPServer):
    daemon_threads = True
    def handle_error(self, request, client_address): pass

class Runtime(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers: self.send_header(k, v)
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def do_GET(self):
        with lock:
            req = current["req"]
            if req is None or req in results:   # this run's one invocation is done: hold /next
                lock.wait(30); self.close_connection = True; return
        self.reply(200, b"{}", [("Lambda-Runtime-Aws-Request-Id", req),
                                ("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 20000))])
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with lock:
            results[self.path.split("/")[-2]] = (self.path.rsplit("/", 1)[-1], json.loads(body)); lock.notify_all()
        self.reply(202, b"{}")

class Aws(Runtime):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("X-Amz-Target") == "AmazonSSM.DescribeInstanceInformation":
            return self.reply(200, json.dumps({"InstanceInformationList": [{"InstanceId": "i-0572676272d863124", "PingStatus": "Online"}]}).encode(),
                              [("Content-Type", "application/x-amz-json-1.1")])
        return self.reply(200, b"{}", [("Content-Type", "application/x-amz-json-1.0")])

runtime = Quiet(("127.0.0.1", 0), Runtime)
aws = Quiet(("127.0.0.1", 0), Aws)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(f"{tmp}/cert.pem", f"{tmp}/key.pem")
aws.socket = ctx.wrap_socket(aws.socket, server_side=True)
for s in (runtime, aws): threading.Thread(target=s.serve_forever, daemon=True).start()

def invoke(req, bootstrap, extra):
    current["req"] = req
    env = {"AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{runtime.server_address[1]}", "_HANDLER": "publish",
           "LAMBDA_TASK_ROOT": f"{tmp}/task", "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
           "AWS_SECRET_ACCESS_KEY": "secret-example", "AWS_ENDPOINT_URL": f"https://127.0.0.1:{aws.server_address[1]}", **extra}
    p = subprocess.Popen(["env", "-i"] + [f"{k}={v}" for k, v in env.items()] + [f"{tmp}/task/{bootstrap}"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with lock: lock.wait_for(lambda: req in results or p.poll() is not None, timeout=60)
    p.terminate()
    try: p.communicate(timeout=10)
    except subprocess.TimeoutExpired: p.kill(); p.communicate()
    with lock: lock.notify_all()
    return results.get(req, (None, {}))

passed = failed = 0
def check(cond, what):
    global passed, failed
    print(("ok   - " if cond else "FAIL - ") + what)
    if cond: passed += 1
    else: failed += 1

kind, body = invoke("with-bundle", "bootstrap", {"AWS_CA_BUNDLE": f"{tmp}/cert.pem"})
check(kind == "response" and body.get("nodes_seen") == 1, f"AWS_CA_BUNDLE trusted: {kind} {json.dumps(body)[:200]}")
kind, body = invoke("no-bundle", "bootstrap", {})
check(kind == "error" and "certificate" in json.dumps(body).lower(), f"untrusted certificate refused: {kind} {json.dumps(body)[:300]}")
kind, body = invoke("al2023", "bootstrap-al2023", {})
check(kind == "response" and body.get("nodes_seen") == 1, f"Amazon Linux CA bundle path exported by bootstrap: {kind} {json.dumps(body)[:200]}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
/usr/bin/python3 "$tmp/fake.py" "$tmp"

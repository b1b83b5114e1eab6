#!/usr/bin/env bash
# The Lambda zip works on its own: package the built binary, unpack the zip into an empty directory and run
# its bootstrap with an EMPTY environment (env -i, then only what Lambda sets: AWS_LAMBDA_RUNTIME_API,
# _HANDLER, LAMBDA_TASK_ROOT, region and credentials, plus the endpoint of the fake AWS) against a fake
# Runtime API + SSM + CloudWatch on 127.0.0.1. The fake serves 3 invocations that must succeed with the
# publish job's summary, then one whose SSM call is denied, which must arrive at /error; an unknown
# _HANDLER must arrive at /init/error. Prints the bootstrap's time from exec to its first /next request.
set -euo pipefail
SRC=${PINGWATCH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${PINGWATCH_BIN:?PINGWATCH_BIN must point at the built pingwatch}
command -v unzip >/dev/null || { echo "unzip not found (scripts/setup.sh installs it)"; echo "0 passed, 1 failed"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$SRC/scripts/package-lambda.sh" "${PINGWATCH_LAMBDA_BIN:-$(dirname "$BIN")/pingwatch-lambda}" "$tmp/pingwatch-lambda.zip"
mkdir "$tmp/task"
(cd "$tmp/task" && unzip -q "$tmp/pingwatch-lambda.zip")
[ -x "$tmp/task/bootstrap" ] || { echo "zip has no executable bootstrap at its root"; echo "0 passed, 1 failed"; exit 1; }

cat > "$tmp/fake_lambda.py" <<'PY'
import http.server, json, os, signal, subprocess, sys, threading, time

task_root, handler_ok = sys.argv[1], sys.argv[2]
NODES = [("i-0572676272d863124", "Online"), ("i-0a1b2c3d4e5f60718", "ConnectionLost"),
         ("mi-0123456789abcdef0", "Inactive")] + [(f"i-{n:017x}", "Online") for n in range(60)]
GOOD_INVOCATIONS = 3

class State:
    def __init__(self):
        self.lock = threading.Condition()
        self.invocation = 0           # index of the invocation handed out by the last /next
        self.first_next = None        # monotonic time of the first /next
        self.responses, self.errors, self.init_errors = {}, {}, []
        self.puts = []                # PutMetricData inputs
        self.ssm_pages = 0
        self.trace_seen = []
state = State()
finished = threading.Event()   # set at the end: releases the /next held open like Lambda holds it

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass

    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers: self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        if self.path != "/2018-06-01/runtime/invocation/next":
            return self.reply(404)
        with state.lock:
            if state.first_next is None: state.first_next = time.monotonic()
            state.invocation += 1
            n = state.invocation
        if n > GOOD_INVOCATIONS + 1:   # nothing more to do: block like Lambda does until the test ends
            finished.wait(300)
            self.close_connection = True
            return
        deadline = int(time.time() * 1000) + 30000
        self.reply(200, json.dumps({"version": "0", "detail-type": "Scheduled Event", "source": "aws.events"}).encode(),
                   [("Lambda-Runtime-Aws-Request-Id", f"req-{n}"), ("Lambda-Runtime-Deadline-Ms", str(deadline)),
                    ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:LambdaFunctionCheckSSMAgentStatus"),
                    ("Lambda-Runtime-Trace-Id", f"Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e70{n};Parent=9a9197af755a6419;Sampled=1"),
                    ("Content-Type", "application/json")])

    def do_POST(self):
        body = self.body()
        p = self.path
        if p.startswith("/2018-06-01/runtime/"):
            with state.lock:
                if p == "/2018-06-01/runtime/init/error":
                    state.init_errors.append((self.headers.get("Lambda-Runtime-Function-Error-Type"), json.loads(body)))
                elif p.endswith("/response"):
                    state.responses[p.split("/")[-2]] = json.loads(body)
                elif p.endswith("/error"):
                    state.errors[p.split("/")[-2]] = (self.headers.get("Lambda-Runtime-Function-Error-Type"), json.loads(body))
                else:
                    return self.reply(404)
                state.lock.notify_all()
            return self.reply(202, b'{"status":"OK"}', [("Content-Type", "application/json")])
        target = self.headers.get("X-Amz-Target", "")
        if target == "AmazonSSM.DescribeInstanceInformation":
            with state.lock:
                state.ssm_pages += 1
                failing = state.invocation == GOOD_INVOCATIONS + 1
            if failing:
                return self.reply(400, json.dumps({"__type": "AccessDeniedException", "message":
                    "User is not authorized to perform: ssm:DescribeInstanceInformation"}).encode(),
                    [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-RequestId", "deny-1")])
            req = json.loads(body or b"{}")
            start = int(req.get("NextToken") or 0)
            size = int(req.get("MaxResults") or 10)
            page = NODES[start:start + size]
            out = {"InstanceInformationList": [{"InstanceId": i, "PingStatus": s, "LastPingDateTime": time.time() - 30,
                                                "PlatformType": "Linux", "ResourceType": "EC2Instance"} for i, s in page]}
            if start + size < len(NODES): out["NextToken"] = str(start + size)
            return self.reply(200, json.dumps(out).encode(), [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-RequestId", "r")])
        if target == "GraniteServiceVersion20100801.PutMetricData":
            with state.lock: state.puts.append(json.loads(body))
            return self.reply(200, b"{}", [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-RequestId", "r")])
        if b"Action=PutMetricData" in body:   # the query wire, should the client use it
            with state.lock: state.puts.append({"query": body.decode()})
            return self.reply(200, b"<PutMetricDataResponse><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PutMetricDataResponse>",
                              [("Content-Type", "text/xml")])
        return self.reply(400, json.dumps({"__type": "UnknownOperationException", "message": target}).encode(),
                          [("Content-Type", "application/x-amz-json-1.1")])

class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):   # the /next held open is cut when the test ends
        pass

server = Server(("127.0.0.1", 0), Handler)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
port = server.server_address[1]

env = {"AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}", "_HANDLER": handler_ok, "LAMBDA_TASK_ROOT": task_root,
       "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
       "AWS_SESSION_TOKEN": "session-token-example", "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
passed, failed = 0, 0
def check(cond, what):
    global passed, failed
    print(("ok   - " if cond else "FAIL - ") + what)
    if cond: passed += 1
    else: failed += 1

# ---- 1. unknown handler -> /init/error, exit non-zero
bad_env = dict(env, _HANDLER="no-such-job")
p = subprocess.run(["env", "-i"] + [f"{k}={v}" for k, v in bad_env.items()] + [os.path.join(task_root, "bootstrap")],
                   capture_output=True, timeout=60)
check(p.returncode != 0, f"unknown _HANDLER exits non-zero (rc {p.returncode})")
check(len(state.init_errors) == 1 and state.init_errors[0][0] == "Runtime.HandlerNotFound"
      and "no-such-job" in state.init_errors[0][1]["errorMessage"], f"unknown _HANDLER reported at /init/error: {state.init_errors}")
check(state.invocation == 0, "no /next after an init error")

# ---- 2. three good invocations and a failing one
log_path = os.path.join(os.path.dirname(task_root), "bootstrap.log")
log = open(log_path, "wb")
t0 = time.monotonic()
proc = subprocess.Popen(["env", "-i"] + [f"{k}={v}" for k, v in env.items()] + [os.path.join(task_root, "bootstrap")],
                        stdout=log, stderr=subprocess.STDOUT)
with state.lock:
    state.lock.wait_for(lambda: len(state.responses) + len(state.errors) >= GOOD_INVOCATIONS + 1 or proc.poll() is not None,
                        timeout=120)
exec_to_next_ms = (state.first_next - t0) * 1000 if state.first_next else float("nan")
alive = proc.poll() is None
peak_rss = "?"
try:   # env, sh and the loader all exec in place: this pid is pingwatch now
    peak_rss = next(l.split(":", 1)[1].strip() for l in open(f"/proc/{proc.pid}/status") if l.startswith("VmHWM"))
except (OSError, StopIteration):
    pass
proc.send_signal(signal.SIGTERM)
try: proc.wait(timeout=10)
except subprocess.TimeoutExpired: proc.kill(); proc.wait()
log.close()
finished.set()

check(alive, "bootstrap still serving (blocked in /next) after the four invocations")
for i in range(1, GOOD_INVOCATIONS + 1):
    r = state.responses.get(f"req-{i}")
    check(r is not None and r.get("job") == "publish" and r.get("nodes_seen") == len(NODES)
          and r.get("data_published") == len(NODES), f"req-{i} response is the publish summary: {json.dumps(r)[:300]}")
err = state.errors.get(f"req-{GOOD_INVOCATIONS + 1}")
check(err is not None and err[0] == err[1].get("errorType") and "AccessDenied" in json.dumps(err[1])
      and set(err[1]) == {"errorMessage", "errorType", "stackTrace"},
      f"req-{GOOD_INVOCATIONS + 1} (SSM denied) arrived at /error with the Runtime API's fields: {json.dumps(err)[:400]}")
data = [d for put in state.puts if "MetricData" in put for d in put["MetricData"]]
values = {d["Dimensions"][0]["Value"]: d["Value"] for d in data if d.get("MetricName") == "Status"}
check(all(put.get("Namespace") == "SSM Agent" for put in state.puts if "MetricData" in put) and
      values.get("i-0572676272d863124") == 0 and values.get("i-0a1b2c3d4e5f60718") == 1 and values.get("mi-0123456789abcdef0") == 2,
      "PutMetricData: namespace SSM Agent, Online 0 / ConnectionLost 1 / Inactive 2")
text = open(log_path, "rb").read().decode(errors="replace")
lines = [l for l in text.splitlines() if l.strip()]
json_lines = 0
for l in lines:
    try: json.loads(l); json_lines += 1
    except ValueError: pass
check(lines and json_lines == len(lines), f"every log line is JSON ({json_lines}/{len(lines)})")
check("wJalrXUtnFEMI" not in text and "session-token-example" not in text, "no secret in the logs")
if failed:
    print("---- bootstrap output\n" + text[-4000:])
print(f"bootstrap exec -> first /next: {exec_to_next_ms:.1f} ms; peak RSS after {GOOD_INVOCATIONS + 1} invocations: {peak_rss}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
/usr/bin/python3 "$tmp/fake_lambda.py" "$tmp/task" publish

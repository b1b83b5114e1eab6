#!/usr/bin/env python3
"""The Lambda deadline is respected: with a slow SSM (0.3 s a page, 200 pages = 60 s) and an invocation whose
Lambda-Runtime-Deadline-Ms is 25 s away, the job must stop paging before the deadline and its summary
(deadline_reached, inventory incomplete) must reach /response before Lambda would kill it."""
import http.server, json, os, subprocess, sys, threading, time

BIN = os.environ.get("PINGWATCH_BIN")
if not BIN:
    print("PINGWATCH_BIN must point at the built pingwatch"); print("0 passed, 1 failed"); sys.exit(1)
# The runtime stops the job min(5 s, 20 % of the remaining time) before Lambda's deadline: with 25 s that is
# the full 5 s, so the page in flight (0.3 s) and the summary's POST leave seconds of slack even on a loaded
# machine, while reading every page would take 60 s, far past the deadline, so paging must stop early.
PAGE_DELAY, PAGES, BUDGET_MS = 0.3, 200, 25000
TRACE = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"

lock = threading.Condition()
st = {"handed": 0, "deadline_ms": None, "response": None, "response_at_ms": None, "pages": 0}
done = threading.Event()


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass

    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers: self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with lock:
            st["handed"] += 1
            n = st["handed"]
        if n > 1:
            done.wait(180); self.close_connection = True; return
        deadline = int(time.time() * 1000) + BUDGET_MS
        with lock: st["deadline_ms"] = deadline
        self.reply(200, b'{"source":"aws.events"}', [("Lambda-Runtime-Aws-Request-Id", "req-1"),
                   ("Lambda-Runtime-Deadline-Ms", str(deadline)), ("Lambda-Runtime-Trace-Id", TRACE),
                   ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:f")])

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/2018-06-01/runtime/invocation/req-1/"):
            with lock:
                st["response"] = (self.path.rsplit("/", 1)[-1], json.loads(body))
                st["response_at_ms"] = int(time.time() * 1000)
                lock.notify_all()
            return self.reply(202, b'{"status":"OK"}')
        target = self.headers.get("X-Amz-Target", "")
        if target == "AmazonSSM.DescribeInstanceInformation":
            with lock:
                st["pages"] += 1
            time.sleep(PAGE_DELAY)
            req = json.loads(body or b"{}")
            start = int(req.get("NextToken") or 0)
            out = {"InstanceInformationList": [{"InstanceId": f"i-{start + k:017x}", "PingStatus": "Online"} for k in range(50)]}
            if start + 50 < PAGES * 50: out["NextToken"] = str(start + 50)
            return self.reply(200, json.dumps(out).encode(), [("Content-Type", "application/x-amz-json-1.1")])
        if target.endswith(".PutMetricData"):
            return self.reply(200, b"{}", [("Content-Type", "application/x-amz-json-1.0")])
        return self.reply(400, b'{"__type":"UnknownOperationException"}', [("Content-Type", "application/x-amz-json-1.1")])


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):   # the /next held open is cut when the test ends
        pass


server = Server(("127.0.0.1", 0), H)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
port = server.server_address[1]
env = {"AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}", "_HANDLER": "publish", "AWS_REGION": "us-east-1",
       "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret-example", "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
       "PATH": "/usr/bin:/bin"}
proc = subprocess.Popen([BIN], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
with lock:
    lock.wait_for(lambda: st["response"] is not None or proc.poll() is not None, timeout=120)
done.set()
proc.terminate()
try: _, err = proc.communicate(timeout=10)
except subprocess.TimeoutExpired: proc.kill(); _, err = proc.communicate()

passed = failed = 0
def check(cond, what):
    global passed, failed
    print(("ok   - " if cond else "FAIL - ") + what)
    passed, failed = (passed + 1, failed) if cond else (passed, failed + 1)

kind, summary = st["response"] or (None, {})
check(kind == "response", f"the summary was posted as the response ({kind})")
margin = (st["deadline_ms"] or 0) - (st["response_at_ms"] or 0)
check(st["response_at_ms"] is not None and margin > 0, f"response arrived {margin} ms before Lambda's deadline")
check(summary.get("deadline_reached") is True and summary.get("inventory_complete") is False,
      f"summary says deadline_reached and incomplete inventory: {json.dumps(summary)[:300]}")
check(0 < st["pages"] < PAGES, f"paging stopped early: {st['pages']} of {PAGES} pages read")
if failed:
    print(err.decode(errors="replace")[-3000:])
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

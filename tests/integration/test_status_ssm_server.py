#!/usr/bin/python3
"""`pingwatch status` (the built binary) against a loopback server speaking SSM's JSON 1.1 protocol:
120 nodes over 3 pages (MaxResults 50) are all listed; throttling is retried; AccessDeniedException and
missing credentials end with exit code 2 and one line that names the problem."""
import json
import os
import subprocess
import sys
import tempfile
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PINGWATCH = os.environ["PINGWATCH_BIN"]
SERVER_TIME = 1712910600  # 2024-04-12T08:30:00Z
NODES = [
    {
        "InstanceId": f"i-{n:017x}",
        "PingStatus": ["Online", "ConnectionLost", "Inactive"][n % 3],
        "LastPingDateTime": SERVER_TIME - 30 * n,
        "AgentVersion": "3.3.40.0",
        "PlatformType": "Linux",
        "PlatformName": "Ubuntu",
        "PlatformVersion": "22.04",
        "ResourceType": "EC2Instance",
        "IPAddress": f"10.0.{n // 256}.{n % 256}",
        "ComputerName": f"node-{n}",
    }
    for n in range(120)
]


class State:
    mode = "ok"
    throttles_left = 0
    calls = 0
    page_sizes = []


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", f"req-{State.calls}")
        self.end_headers()
        self.wfile.write(data)

    def date_time_string(self, timestamp=None):  # the server's clock, not the test machine's
        return formatdate(SERVER_TIME, usegmt=True)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        target = self.headers.get("X-Amz-Target")
        auth = self.headers.get("Authorization", "")
        if "/ssm/aws4_request" not in auth:
            return self.reply(403, {"__type": "MissingAuthenticationTokenException", "message": "unsigned"})
        if target != "AmazonSSM.DescribeInstanceInformation":
            return self.reply(400, {"__type": "UnknownOperationException", "message": target})
        State.calls += 1
        if State.mode == "deny":
            return self.reply(400, {"__type": "com.amazon.coral.service#AccessDeniedException",
                                    "Message": "User: arn:aws:iam::123456789012:user/x is not authorized"})
        if State.throttles_left > 0:
            State.throttles_left -= 1
            return self.reply(400, {"__type": "ThrottlingException", "message": "Rate exceeded"})
        size = body.get("MaxResults", 10)
        start = int(body.get("NextToken", "0"))
        page = NODES[start:start + size]
        State.page_sizes.append(len(page))
        out = {"InstanceInformationList": page}
        if start + size < len(NODES):
            out["NextToken"] = str(start + size)
        self.reply(200, out)


def run(args, env_extra=None, clear_creds=False):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    home = tempfile.mkdtemp()
    env.update({"HOME": home, "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_CONFIG_FILE": os.path.join(home, "config"),
                "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "credentials")})
    if not clear_creds:
        env.update({"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"})
    env.update(env_extra or {})
    return subprocess.run([PINGWATCH, "status"] + args, capture_output=True, text=True, env=env, timeout=60)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    failures = []

    def check(cond, msg):
        if not cond:
            failures.append(msg)

    r = run(["--endpoint-url", url, "--output", "json", "--no-name-tags"])
    check(r.returncode == 0, f"json run exit {r.returncode}: {r.stderr}")
    if r.returncode == 0:
        doc = json.loads(r.stdout)
        ids = sorted(n["instance_id"] for n in doc["nodes"])
        check(ids == sorted(n["InstanceId"] for n in NODES), f"listed {len(ids)} of {len(NODES)} nodes")
        check(State.page_sizes == [50, 50, 20], f"pages {State.page_sizes}")
        ages = {n["instance_id"]: n["last_ping_age_seconds"] for n in doc["nodes"]}
        check(ages["i-00000000000000005"] == 150, f"age judged against the wrong clock: {ages['i-00000000000000005']}")

    r = run(["--endpoint-url", url, "--no-name-tags"])
    check(r.returncode == 0 and "120 nodes: 40 Online, 40 ConnectionLost, 40 Inactive" in r.stdout,
          f"table summary missing: {r.stdout[-200:]} {r.stderr}")
    check("\033[" not in r.stdout, "colour written to a pipe")

    State.throttles_left, State.calls = 2, 0
    r = run(["--endpoint-url", url, "-o", "csv", "--no-name-tags"])
    check(r.returncode == 0 and r.stdout.count("\n") == 121, f"throttled run: exit {r.returncode} {r.stderr}")
    check(State.calls == 5, f"expected 2 throttled + 3 pages, got {State.calls} calls")

    State.mode, State.calls = "deny", 0
    r = run(["--endpoint-url", url])
    check(r.returncode == 2, f"AccessDenied exit {r.returncode}")
    check("AccessDeniedException" in r.stderr and r.stderr.count("\n") == 1, f"AccessDenied message: {r.stderr!r}")
    check(State.calls == 1, f"AccessDenied was retried ({State.calls} calls)")

    r = run(["--endpoint-url", url], clear_creds=True)
    check(r.returncode == 2 and "credentials" in r.stderr.lower() and r.stderr.count("\n") == 1,
          f"no-credentials run: exit {r.returncode} {r.stderr!r}")

    server.shutdown()
    for f in failures:
        print("FAIL", f)
    print("ok" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

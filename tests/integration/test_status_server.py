#!/usr/bin/python3
"""`pingwatch run --jobs watch --interval 5 --listen` against the local stack: a real Prometheus (Debian's)
scrapes it every second and answers sum(pingwatch_nodes{condition="lost"}) with the number of nodes this test
made lost; /metrics passes `promtool check metrics`; /api/v1/nodes names them; bad input gets 404/405/400 as
JSON; a client sending one byte a second stalls no cycle; SIGTERM exits 0."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import pwtest  # noqa: E402
import status_daemon  # noqa: E402

LOST = 3


def fault(stack, instance_id, kind):
    stack.post("/_local/fleet/faults", {"instance_id": instance_id, "fault": kind})


def ping_status(stack):
    return {n["instance_id"]: n["ping_status"] for n in stack.get("/_local/fleet")["nodes"]}


def wait_ping(stack, ids, status, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        now = ping_status(stack)
        if all(now[i] == status for i in ids):
            return
        time.sleep(0.3)
    pwtest.fail(f"the local stack never showed {ids} as {status}")


class Prometheus:
    """Debian's prometheus on a free loopback port, scraping one target every second."""

    def __init__(self, work, target):
        self.port = pwtest.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = os.path.join(work, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    "scrape_configs:\n  - job_name: pingwatch\n    static_configs:\n"
                    f"      - targets: ['{target}']\n")
        self.log = open(os.path.join(work, "prometheus.log"), "w")
        self.proc = subprocess.Popen(["prometheus", f"--config.file={config}", f"--storage.tsdb.path={work}/tsdb",
                                      f"--web.listen-address=127.0.0.1:{self.port}"],
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def query(self, expr):
        q = urllib.parse.urlencode({"query": expr})
        with urllib.request.urlopen(f"{self.url}/api/v1/query?{q}", timeout=5) as r:
            body = json.load(r)
        if body.get("status") != "success":
            return None
        result = body["data"]["result"]
        return float(result[0]["value"][1]) if result else None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self.log.close()


def check_bad_input(d):
    status, headers, body = d.request("/no/such/path")
    pwtest.check(status == 404 and "error" in json.loads(body), "an unknown path is a JSON 404", body)
    status, headers, body = d.request("/metrics", method="POST")
    pwtest.check(status == 405 and headers.get("Allow") == "GET, HEAD" and "error" in json.loads(body),
                 "POST /metrics is a JSON 405 with Allow: GET, HEAD", f"{status} {headers} {body}")
    for path in ("/api/v1/transitions?since=yesterday", "/api/v1/nodes?condition=sick", "/api/v1/nodes?color=red"):
        status, _, body = d.request(path)
        pwtest.check(status == 400 and "error" in json.loads(body), f"GET {path} is a JSON 400", f"{status} {body}")


def slow_client(url, seconds, done):
    """Sends a request one byte a second, as a stuck or hostile client would."""
    host, port = urllib.parse.urlparse(url).netloc.split(":")
    with socket.create_connection((host, int(port))) as s:
        request = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
        for i in range(seconds):
            try:
                s.sendall(request[i:i + 1])
            except OSError:
                break
            time.sleep(1)
    done.set()


def check_slow_client(d):
    before = d.cycles_finished()
    done = threading.Event()
    threading.Thread(target=slow_client, args=(d.url, 16, done), daemon=True).start()
    time.sleep(1)
    took = []
    while not done.is_set():
        t0 = time.time()
        status, _, _ = d.request("/healthz", timeout=30)
        took.append(time.time() - t0)
        if status != 200:
            pwtest.fail(f"/healthz answered {status} while a slow client was connected")
        time.sleep(1)
    after = d.cycles_finished()
    pwtest.check(after - before >= 2, f"cycles every 5 s went on while a client sent one byte a second ({after - before} in 16 s)")
    # A server that waited on the slow client would hold the first /healthz until the client's 16 s are over: far
    # beyond these bounds, which leave room for a loaded machine.
    slowest, median = max(took), sorted(took)[len(took) // 2]
    pwtest.check(slowest < 10 and median < 2, f"other requests were served at once meanwhile "
                                              f"(median {median:.2f} s, slowest {slowest:.2f} s of {len(took)})")


def main():
    for tool in ("prometheus", "promtool"):
        if not shutil.which(tool):
            pwtest.skip(f"{tool} is not installed (Debian package prometheus; scripts/setup.sh installs it)")
    work = tempfile.mkdtemp(prefix="pw-status-")
    with pwtest.LocalStack("--nodes", "30", "--time-scale", "120", "--fleet-seed", "11", work=work) as stack:
        ids = sorted(ping_status(stack))
        lost = ids[:LOST]
        for i in lost:
            fault(stack, i, "agent-stop")
        wait_ping(stack, lost, "ConnectionLost")
        with status_daemon.Daemon(stack.url, work) as d:
            d.wait_for(lambda: d.request("/readyz")[0] == 200, 60, "/readyz 200")
            pwtest.ok("/readyz is 200 once the watch cycle succeeded")
            pwtest.check(d.request("/healthz")[0] == 200, "/healthz is 200")
            got = d.wait_for(lambda: d.lost_ids() == lost and d.lost_ids(), 60, "the lost nodes in /api/v1/nodes")
            pwtest.check(got == lost, f"/api/v1/nodes?condition=lost names the {LOST} lost nodes")
            nodes = d.get_json("/api/v1/nodes")
            pwtest.check(len(nodes) == 30 and [n["condition"] for n in nodes[:LOST]] == ["lost"] * LOST,
                         "/api/v1/nodes lists every node, the lost ones first", json.dumps(nodes[:4]))
            pwtest.check(all(set(n) >= {"instance_id", "name", "scope", "condition", "ping_status", "since", "last_ping",
                                        "platform", "ip", "agent_version"} for n in nodes), "every node has every field")

            status, headers, metrics = d.request("/metrics")
            pwtest.check(status == 200 and headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"),
                         "/metrics is text exposition 0.0.4", str(headers))
            lint = subprocess.run(["promtool", "check", "metrics"], input=metrics, capture_output=True)
            pwtest.check(lint.returncode == 0, "promtool check metrics passes", (lint.stdout + lint.stderr).decode())
            text = metrics.decode()
            for needle in ('pingwatch_nodes{', 'condition="lost"} 3', "pingwatch_node_healthy{",
                           'pingwatch_transitions_total{', 'kind="unhealthy-at-start"} 3',
                           'pingwatch_notices_total{outcome="sent"}', 'pingwatch_cycle_duration_seconds_bucket{job="watch"',
                           'pingwatch_last_successful_cycle_timestamp_seconds{job="watch"}',
                           'pingwatch_aws_requests_total{service="ssm",operation="DescribeInstanceInformation",outcome="ok"}'):
                pwtest.check(needle in text, f"/metrics has {needle}", text[:3000])

            prom = Prometheus(work, urllib.parse.urlparse(d.url).netloc)
            try:
                value = d.wait_for(lambda: prom.query('sum(pingwatch_nodes{condition="lost"})') == LOST and LOST, 90,
                                   "Prometheus to scrape the lost count")
                pwtest.check(value == LOST, f'Prometheus answers sum(pingwatch_nodes{{condition="lost"}}) = {LOST}')
                # up is the latest scrape's: one that timed out (1 s) on a loaded machine is 0 until the next one
                up = d.wait_for(lambda: prom.query('up{job="pingwatch"}') == 1 and 1, 60, "Prometheus to see the target up")
                pwtest.check(up == 1, "Prometheus sees the target up", str(up))
            finally:
                prom.stop()

            check_bad_input(d)
            check_slow_client(d)
            transitions = d.get_json("/api/v1/transitions?since=2000-01-01T00:00:00Z")["transitions"]
            pwtest.check(sorted(t["instance_id"] for t in transitions if t["to"] == "lost") == lost,
                         "/api/v1/transitions?since= lists the transitions to lost", json.dumps(transitions)[:500])
            code = d.stop()
            pwtest.check(code == 0, f"SIGTERM: pingwatch run exits 0 (exit {code})")
    pwtest.done()


if __name__ == "__main__":
    main()

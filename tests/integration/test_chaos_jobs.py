#!/usr/bin/python3
"""Tries to break publish, watch and sync-alarms with the local stack's fault injection (POST /_local/chaos):
30% throttling + 5% 5xx + 50 ms jitter on every service. Each job must finish (exit 0) with every datum
published, every transition notified exactly once and every alarm correct, checked through the stack with boto3
(ListMetrics, DescribeAlarms) and its mailbox. Also: the AWS error codes each protocol sends under chaos (boto3
sees Throttling / Throttled / ThrottlingException), --aws-quotas (PutMetricAlarm 3 TPS), dropped and truncated
connections, and a dead endpoint giving a one-line error with exit 2 and the next run recovering.

Sizes: publish and watch at 10,000 nodes (CHAOS_NODES, CHAOS_WATCH_NODES); sync-alarms creates
CHAOS_ALARM_NODES (2,000) alarms at 1,000 TPS without the AWS quotas (at the real 3 TPS 10,000 alarms take 56
minutes; the quota itself is checked separately), to keep the test near 4 minutes on 2 cores.
At 10,000 nodes a run makes 200+ sequential calls; at a 33% fault rate 3 attempts leave ~4% of calls failed, so
one listing page of 200 would fail almost every run: publish and watch run with AWS_MAX_ATTEMPTS=10 (the SDKs'
knob an operator sets under sustained throttling). sync-alarms keeps the default 3 and converges across cycles."""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_watch_local_stack import notices_in_mail  # noqa: E402  (parses notices out of the stack's emails)

import threading

import boto3
import botocore.config
import botocore.exceptions

PINGWATCH = os.environ["PINGWATCH_BIN"]
ENV = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION="us-east-1")
for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "PINGWATCH_CONFIG", "CWAlarmSNSTopic"):
    ENV.pop(k, None)
NODES = int(os.environ.get("CHAOS_NODES", "10000"))
WATCH_NODES = int(os.environ.get("CHAOS_WATCH_NODES", "10000"))
ALARM_NODES = int(os.environ.get("CHAOS_ALARM_NODES", "2000"))
PATIENT = {"AWS_MAX_ATTEMPTS": "10"}   # publish and watch at 10,000 nodes (see above)
CHAOS = {"rules": [{"throttle_rate": 0.3, "error_rate": 0.05, "jitter_ms": 50}]}
passed = 0
BOTO_LOCK = threading.Lock()


def ok(what):
    global passed
    passed += 1
    print(f"ok - {what}", flush=True)


def fail(what):
    print(f"FAIL: {what}", file=sys.stderr, flush=True)
    sys.exit(1)


class Stack:
    def __init__(self, work, *args, time_scale="1"):
        os.makedirs(work, exist_ok=True)
        self.out = open(os.path.join(work, "stack.out"), "w+")
        self.err = open(os.path.join(work, "stack.err"), "w+")
        self.proc = subprocess.Popen([PINGWATCH, "local", "--port", "0", "--time-scale", time_scale, *args],
                                     stdout=self.out, stderr=self.err, env=ENV)
        self.url = None
        for _ in range(300):
            self.out.seek(0)
            m = re.search(r"^pingwatch local listening on (http:\S+)$", self.out.read(), re.M)
            if m:
                self.url = m.group(1)
                break
            if self.proc.poll() is not None:
                self.err.seek(0)
                fail("local stack exited: " + self.err.read())
            time.sleep(0.1)
        if not self.url:
            fail("local stack did not print its URL")

    def request(self, method, path, body=None):
        req = urllib.request.Request(self.url + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)

    def chaos(self, body):
        status, reply = self.request("POST", "/_local/chaos", body)
        if status != 200:
            fail(f"POST /_local/chaos {body}: {status} {reply}")
        return reply

    def stats(self):
        return self.request("GET", "/_local/stats")[1]

    def client(self, name, retries=10):
        # The phases run in threads: boto3's default session is not thread-safe, so each client comes from a
        # session of its own, made one at a time.
        with BOTO_LOCK:
            return boto3.session.Session().client(
                name, endpoint_url=self.url, region_name="us-east-1", aws_access_key_id="test",
                aws_secret_access_key="test",
                config=botocore.config.Config(retries={"max_attempts": retries, "mode": "standard"}))

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def pingwatch(*args, url, timeout=300, env=None):
    p = subprocess.run([PINGWATCH, *args, "--endpoint-url", url, "--region", "us-east-1"], env=dict(ENV, **(env or {})),
                       capture_output=True, text=True, timeout=timeout)
    summary = None
    for line in reversed(p.stdout.strip().splitlines()):
        if line.startswith("{"):
            summary = json.loads(line)
            break
    return p, summary


def error_code(call):
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, 200


def run_phases(work, phases):
    """The phases wait on retry back-off far more than they compute (a 10,000-node run under these faults uses
    ~1 s of CPU a minute), so they run side by side, each against its own stack: the test takes as long as the
    longest phase. A failure in any phase (fail() raises SystemExit) fails the test."""
    failures = []

    def guarded(fn, *args):
        try:
            fn(*args)
        except BaseException as e:   # SystemExit from fail(), or anything unexpected
            failures.append(f"{fn.__name__}: {e!r}")

    threads = []
    if "basics" in phases:
        threads.append(threading.Thread(target=guarded, args=(basics_and_publish, os.path.join(work, "publish"))))
    if "watch" in phases:
        threads.append(threading.Thread(target=guarded, args=(watch_under_chaos, os.path.join(work, "watch"))))
    if "alarms" in phases:
        threads.append(threading.Thread(target=guarded, args=(sync_alarms_under_chaos, os.path.join(work, "alarms"))))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        fail("; ".join(failures))


def main():
    t0 = time.monotonic()
    phases = os.environ.get("CHAOS_PHASES", "basics,watch,alarms").split(",")
    with tempfile.TemporaryDirectory() as work:
        run_phases(work, phases)
    print(f"{passed} checks passed in {time.monotonic() - t0:.0f} s")


def basics_and_publish(work):
    """The stack's chaos API, error codes per protocol, broken replies, quotas; publish at NODES under chaos."""
    stack = Stack(work, "--nodes", str(NODES), "--chaos-seed", "7")
    try:
        # ---- rules are validated, shown and cleared ----
        status, reply = stack.request("POST", "/_local/chaos", {"rules": [{"throttle_rate": 3}]})
        if status != 400 or "throttle_rate" not in reply.get("error", ""):
            fail(f"bad rule accepted: {status} {reply}")
        stack.chaos({"rules": [{"service": "sns", "throttle_rate": 1.0}]})
        shown = stack.request("GET", "/_local/chaos")[1]
        if shown["rules"][0]["service"] != "sns" or shown["rules"][0]["throttle_rate"] != 1.0:
            fail(f"GET /_local/chaos shows {shown}")
        ok("POST /_local/chaos validates (400 naming the field), GET shows the rules")

        # ---- each protocol's throttling error, as boto3 parses it ----
        codes = {}
        codes["sns"] = error_code(lambda: stack.client("sns", 1).list_topics())
        stack.chaos({"rules": [{"throttle_rate": 1.0}]})
        codes["cloudwatch"] = error_code(lambda: stack.client("cloudwatch", 1).list_metrics())
        codes["ssm"] = error_code(lambda: stack.client("ssm", 1).describe_instance_information())
        codes["events"] = error_code(lambda: stack.client("events", 1).list_rules())
        codes["lambda"] = error_code(lambda: stack.client("lambda", 1).list_functions())
        want = {"sns": ("Throttled", 429), "cloudwatch": ("Throttling", 400), "ssm": ("ThrottlingException", 400),
                "events": ("ThrottlingException", 400), "lambda": ("TooManyRequestsException", 429)}
        if codes != want:
            fail(f"throttling codes {codes}, want {want}")
        stack.chaos({"rules": [{"error_rate": 1.0}]})
        code, status = error_code(lambda: stack.client("cloudwatch", 1).list_metrics())
        if code not in ("InternalFailure", "ServiceUnavailable") or status not in (500, 503):
            fail(f"5xx rule gave {code} {status}")
        ok(f"throttling codes per protocol as boto3 sees them: {codes}; 5xx: {code} {status}")

        # ---- dropped and truncated connections: boto3 sees a connection error, retries, succeeds ----
        stack.request("DELETE", "/_local/chaos")
        for fault in ("drop_rate", "truncate_rate", "malformed_rate"):
            stack.chaos({"rules": [{"service": "sns", "operation": "ListTopics", fault: 1.0}]})
            try:
                stack.client("sns", 1).list_topics()
                fail(f"{fault}=1 still gave a good reply")
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError, Exception) as e:
                if isinstance(e, SystemExit):
                    raise
        stack.chaos({"rules": [{"service": "sns", "drop_rate": 0.5}], "seed": 3})
        stack.client("sns", 10).list_topics()
        counters = stack.stats()["chaos"]
        if counters["dropped"] < 1 or counters["truncated"] < 1 or counters["malformed"] < 1:
            fail(f"counters {counters}")
        ok(f"drop / truncate / malformed replies fail a single attempt; with retries boto3 gets through: {counters}")

        # ---- --aws-quotas-like quota: PutMetricAlarm 3 TPS ----
        stack.request("DELETE", "/_local/chaos")
        stack.chaos({"aws_quotas": True})
        cw = stack.client("cloudwatch", 1)
        import concurrent.futures
        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            results = list(pool.map(lambda i: error_code(lambda: cw.put_metric_alarm(
                AlarmName=f"quota-{i}", Namespace="X", MetricName="Y", Statistic="Maximum", Period=60,
                EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold"))[0], range(12)))
        throttled = results.count("Throttling")
        if throttled < 6 or results.count(None) < 3:
            fail(f"12 quick PutMetricAlarm under the 3 TPS quota: {results}")
        ok(f"aws_quotas: 12 quick PutMetricAlarm -> {12 - throttled} accepted, {throttled} Throttling")

        # ---- publish under 30% throttling + 5% 5xx + 50 ms jitter ----
        stack.request("DELETE", "/_local/chaos")
        stack.chaos(dict(CHAOS, seed=11))
        before = stack.stats()["chaos"]
        t0 = time.monotonic()
        p, s = pingwatch("publish", url=stack.url, env=PATIENT)
        took = time.monotonic() - t0
        if p.returncode != 0 or s is None or s.get("data_published") != NODES:
            fail(f"publish under chaos: exit {p.returncode}, summary {s}, stderr {p.stderr[-1500:]}")
        stack.request("DELETE", "/_local/chaos")
        names = set()
        for page in stack.client("cloudwatch").get_paginator("list_metrics").paginate(
                Namespace="SSM Agent", MetricName="Status"):
            for m in page["Metrics"]:
                names.update(d["Value"] for d in m["Dimensions"] if d["Name"] == "Per-Instance Metrics")
        fleet_ids = {n["instance_id"] for n in stack.request("GET", "/_local/fleet")[1]["nodes"]}
        if names != fleet_ids:
            fail(f"after publish under chaos ListMetrics shows {len(names)} of {len(fleet_ids)} nodes")
        after = stack.stats()["chaos"]
        faults = {k: after[k] - before[k] for k in ("throttled", "errors")}
        if faults["throttled"] < 1:
            fail(f"no fault was injected during publish: {faults}")
        ok(f"publish under 30% throttling + 5% 5xx + 50 ms jitter: all {NODES} nodes published in {took:.1f} s, "
           f"faults survived {faults}")
    finally:
        stack.stop()


def watch_under_chaos(work):
    """watch at WATCH_NODES: a full inventory and the steady cycles under chaos while nodes are lost, vanish and
    recover; every transition in exactly one notice (the stack's mailbox), cycles repeated until one exits 0."""
    stack = Stack(work, "--nodes", str(WATCH_NODES), "--connection-lost-after", "10", "--fleet-seed", "5",
                  "--chaos-seed", "13", "--mailbox", os.path.join(work, "mail"), "--auto-confirm", time_scale="120")
    try:
        t0 = time.monotonic()
        sns = stack.client("sns")
        topic = sns.create_topic(Name="watch")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
        base = ["watch", "--state", os.path.join(work, "watch.db"), "--topic-arn", topic,
                "--set", "watch.digest_threshold=100000"]   # one email per transition, so each can be counted

        def cycles_until_ok(first=(), limit=6):
            results = []
            for k in range(limit):
                p, s = pingwatch(*base, *(first if k == 0 else ()), url=stack.url, env=PATIENT)
                if s is None or p.returncode not in (0, 1):
                    fail(f"watch under chaos: exit {p.returncode}, stderr {p.stderr[-1500:]}")
                results.append(p.returncode)
                if p.returncode != 0:
                    print(f"  watch cycle exit {p.returncode} ({s.get('duration_seconds', 0):.1f} s): {s.get('errors')}", flush=True)
                if p.returncode == 0:
                    return results
            fail(f"watch under chaos did not complete a cycle in {limit}: exits {results}")

        def nodes():
            return {n["instance_id"]: n for n in stack.request("GET", "/_local/fleet")[1]["nodes"]}

        def wait_for(pred, what, seconds=30):
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                if pred(nodes()):
                    return
                time.sleep(0.2)
            fail(f"timed out waiting for {what}")

        pingwatch(*base, url=stack.url)   # baseline, no chaos: what is already down is not this test's business
        ids = sorted(nodes())
        lost, vanish = ids[100:160], ids[5000:5003]
        for i in lost:
            stack.request("POST", "/_local/fleet/faults", {"instance_id": i, "fault": "agent-stop"})
        for i in vanish:
            stack.request("POST", "/_local/fleet/faults", {"instance_id": i, "fault": "deregister"})
        wait_for(lambda n: all(n[i]["ping_status"] == "ConnectionLost" for i in lost), "the 60 nodes ConnectionLost")
        mail_before = {m.get("message_id") for m in stack.request("GET", "/_local/mailbox")[1]["messages"]}

        stack.chaos(dict(CHAOS, seed=14))
        before = stack.stats()["chaos"]
        t1 = time.monotonic()
        # The first cycle lists every node under chaos; until one completes, steady cycles (the non-Online
        # filter and the ids in doubt) retry what is pending.
        down_exits = cycles_until_ok(first=["--set", "watch.full_every=1"])
        full_took = time.monotonic() - t1
        for i in lost:
            stack.request("POST", "/_local/fleet/faults", {"instance_id": i, "fault": "recover"})
        wait_for(lambda n: all(n[i]["ping_status"] == "Online" for i in lost), "the 60 nodes back Online")
        up_exits = cycles_until_ok()
        after = stack.stats()["chaos"]
        stack.request("DELETE", "/_local/chaos")
        # Claims of an interrupted publish become in doubt after the lease (120 s of server time, 1 s here).
        time.sleep(2)
        pingwatch(*base, url=stack.url)
        time.sleep(1)   # SNS deliveries are asynchronous

        mail = [m for m in stack.request("GET", "/_local/mailbox")[1]["messages"] if m.get("message_id") not in mail_before]
        reported = {}
        for nid, items in notices_in_mail(mail).items():
            for item in items:
                reported.setdefault(item, set()).add(nid)
        dup = {k: v for k, v in reported.items() if len(v) > 1}
        if dup:
            fail(f"transitions in two different notices under chaos: {sorted(dup)[:5]}")
        down = [i for i in lost if len([k for k in ("lost", "stale") if (k, i) in reported]) == 1]
        up = [i for i in lost if ("recovered", i) in reported]
        gone = [i for i in vanish if ("vanished", i) in reported]
        extra = {k for k in reported if k[1] not in set(lost) | set(vanish)}
        if len(down) != len(lost) or len(up) != len(lost) or len(gone) != len(vanish) or extra:
            fail(f"watch under chaos: {len(down)}/{len(lost)} lost, {len(up)}/{len(lost)} recovered, "
                 f"{len(gone)}/{len(vanish)} vanished notified, unexpected {sorted(extra)[:5]}")
        ok(f"watch at {WATCH_NODES} nodes under chaos: a full inventory and the notices in {full_took:.1f} s (exits {down_exits}), "
           f"recoveries (exits {up_exits}); {len(lost)} lost, {len(lost)} recovered, {len(vanish)} vanished each in "
           f"exactly one notice ({len(mail)} emails); faults survived "
           f"{{'throttled': {after['throttled'] - before['throttled']}, 'errors': {after['errors'] - before['errors']}}}; "
           f"{time.monotonic() - t0:.1f} s")
    finally:
        stack.stop()


def sync_alarms_under_chaos(work):
    """sync-alarms creates ALARM_NODES alarms under chaos (default 3 attempts: what fails is named and the next
    cycle finishes), then a clean run writes nothing; then a dead endpoint and the recovery."""
    stack = Stack(work, "--nodes", str(ALARM_NODES), "--chaos-seed", "12")
    try:
        t0 = time.monotonic()
        fleet_ids = {n["instance_id"] for n in stack.request("GET", "/_local/fleet")[1]["nodes"]}
        topic = stack.client("sns").create_topic(Name="SSM-Ping")["TopicArn"]
        env = dict(PATIENT, CWAlarmSNSTopic=topic)
        wanted = sorted(fleet_ids)
        stack.chaos(dict(CHAOS, seed=12))
        before = stack.stats()["chaos"]
        # With the SDKs' default 3 attempts, 0.3^3 = 2.7% of writes may still fail: the run must say which
        # (exit 1, each error named) and the next cycle, still under chaos, must finish the job.
        cycles = 0
        fast = ["--set", "alarm.put_tps=1000", "--set", "alarm.write_concurrency=64"]
        while True:
            cycles += 1
            p, s = pingwatch("sync-alarms", *fast, url=stack.url, timeout=600, env=env)
            if s is None or p.returncode not in (0, 1):
                fail(f"sync-alarms under chaos: exit {p.returncode}, summary {s}, stderr {p.stderr[-1500:]}")
            if p.returncode == 0:
                break
            if not s.get("errors") or cycles >= 5:
                fail(f"sync-alarms under chaos did not converge in {cycles} cycles: {s}")
        after = stack.stats()["chaos"]
        took = time.monotonic() - t0
        stack.request("DELETE", "/_local/chaos")
        alarms = [a for page in stack.client("cloudwatch").get_paginator("describe_alarms")
                  .paginate(AlarmNamePrefix="ssm-agent-") for a in page["MetricAlarms"]]
        if sorted(a["AlarmName"] for a in alarms) != sorted("ssm-agent-" + i for i in wanted):
            fail(f"{len(alarms)} alarms after sync-alarms under chaos, want {len(wanted)}")
        for a in alarms:
            iid = a["AlarmName"][len("ssm-agent-"):]
            if (a["AlarmActions"] != [topic] or a["Threshold"] != 1.0 or a["MetricName"] != "Status"
                    or a["Dimensions"] != [{"Name": "Per-Instance Metrics", "Value": iid}]):
                fail(f"alarm {a['AlarmName']} wrong after chaos: {a}")
        p2, s2 = pingwatch("sync-alarms", url=stack.url, env=env)
        if p2.returncode != 0 or s2.get("write_calls") != 0:
            fail(f"second sync-alarms after chaos wrote: {s2}")
        ok(f"sync-alarms under chaos: exactly {len(wanted)} correct alarms after {cycles} cycle(s) in {took:.1f} s, "
           f"a clean run writes nothing; faults survived "
           f"{{'throttled': {after['throttled'] - before['throttled']}, 'errors': {after['errors'] - before['errors']}}}")

        # ---- a dead endpoint: one clear line, exit 2; the next run recovers ----
        with socket.socket() as s_:
            s_.bind(("127.0.0.1", 0))
            dead = f"http://127.0.0.1:{s_.getsockname()[1]}"
        p, _ = pingwatch("publish", url=dead, timeout=120)
        # JSON log lines are the job's log; the user-facing error is the one plain line.
        lines = [l for l in p.stderr.strip().splitlines() if l.strip() and not l.startswith("{")]
        if p.returncode != 2 or len(lines) != 1 or "127.0.0.1" not in lines[0]:
            fail(f"dead endpoint: exit {p.returncode}, stderr {p.stderr!r}")
        p, s = pingwatch("publish", url=stack.url)
        if p.returncode != 0 or s.get("data_published") != ALARM_NODES:
            fail(f"publish after the dead endpoint: exit {p.returncode} {s}")
        ok(f"dead endpoint: exit 2 with one line ({lines[0][:100]}...), next run against the stack publishes")
    finally:
        stack.stop()


main()

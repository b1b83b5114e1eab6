#!/usr/bin/python3
"""Tries to break publish and sync-alarms with the local stack's fault injection (POST /_local/chaos):
30% throttling + 5% 5xx + 50 ms jitter on every service. Each job must finish (exit 0) with every datum
published and every alarm correct, checked through the stack with boto3 (ListMetrics, DescribeAlarms).
Also: the AWS error codes each protocol sends under chaos (boto3 sees Throttling / Throttled /
ThrottlingException), --aws-quotas (PutMetricAlarm 3 TPS), dropped and truncated connections, and a dead
endpoint giving a one-line error with exit 2 and the next run recovering.
Sizes are scaled for CI on 2 cores (600 nodes publish, 60 alarms); the 10,000-node runs are in docs/soak.md."""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
import botocore.config
import botocore.exceptions

PINGWATCH = os.environ["PINGWATCH_BIN"]
ENV = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION="us-east-1")
for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "PINGWATCH_CONFIG", "CWAlarmSNSTopic"):
    ENV.pop(k, None)
NODES = int(os.environ.get("CHAOS_NODES", "600"))
ALARM_NODES = int(os.environ.get("CHAOS_ALARM_NODES", "60"))
passed = 0


def ok(what):
    global passed
    passed += 1
    print(f"ok - {what}", flush=True)


def fail(what):
    print(f"FAIL: {what}", file=sys.stderr, flush=True)
    sys.exit(1)


class Stack:
    def __init__(self, work, *args):
        self.out = open(os.path.join(work, "stack.out"), "w+")
        self.err = open(os.path.join(work, "stack.err"), "w+")
        self.proc = subprocess.Popen([PINGWATCH, "local", "--port", "0", "--time-scale", "1", *args],
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
        return boto3.client(name, endpoint_url=self.url, region_name="us-east-1", aws_access_key_id="test",
                            aws_secret_access_key="test",
                            config=botocore.config.Config(retries={"max_attempts": retries, "mode": "standard"}))

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def pingwatch(*args, url, timeout=300):
    p = subprocess.run([PINGWATCH, *args, "--endpoint-url", url, "--region", "us-east-1"], env=ENV,
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


def main():
    with tempfile.TemporaryDirectory() as work:
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
            want = {"sns": ("Throttled", 400), "cloudwatch": ("Throttling", 400), "ssm": ("ThrottlingException", 400),
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
            stack.chaos({"seed": 11, "rules": [{"throttle_rate": 0.3, "error_rate": 0.05, "jitter_ms": 50}]})
            before = stack.stats()["chaos"]
            t0 = time.monotonic()
            p, s = pingwatch("publish", url=stack.url)
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

            # ---- sync-alarms under the same chaos ----
            stack.request("DELETE", "/_local/chaos")
            topic = stack.client("sns").create_topic(Name="SSM-Ping")["TopicArn"]
            ENV["CWAlarmSNSTopic"] = topic
            wanted = sorted(fleet_ids)[:ALARM_NODES]
            for iid in sorted(fleet_ids)[ALARM_NODES:]:
                stack.request("POST", "/_local/fleet/faults", {"instance_id": iid, "fault": "deregister"})
            stack.chaos({"seed": 12, "rules": [{"throttle_rate": 0.3, "error_rate": 0.05, "jitter_ms": 50}]})
            before = stack.stats()["chaos"]
            # With the SDKs' default 3 attempts, 0.3^3 = 2.7% of writes may still fail: the run must say which
            # (exit 1, each error named) and the next cycle, still under chaos, must finish the job.
            cycles = 0
            while True:
                cycles += 1
                p, s = pingwatch("sync-alarms", "--put-alarm-tps", "50", url=stack.url)
                if s is None or p.returncode not in (0, 1):
                    fail(f"sync-alarms under chaos: exit {p.returncode}, summary {s}, stderr {p.stderr[-1500:]}")
                if p.returncode == 0:
                    break
                if not s.get("errors") or cycles >= 4:
                    fail(f"sync-alarms under chaos did not converge in {cycles} cycles: {s}")
            after = stack.stats()["chaos"]
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
            p2, s2 = pingwatch("sync-alarms", url=stack.url)
            if p2.returncode != 0 or s2.get("write_calls") != 0:
                fail(f"second sync-alarms after chaos wrote: {s2}")
            ok(f"sync-alarms under chaos: exactly {len(wanted)} correct alarms after {cycles} cycle(s), a clean run writes nothing; faults "
               f"survived {{'throttled': {after['throttled'] - before['throttled']}, 'errors': {after['errors'] - before['errors']}}}")

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
    print(f"{passed} checks passed")


main()

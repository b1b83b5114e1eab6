#!/usr/bin/python3
"""publish and sync-alarms (the built binary) against the local stack, checked with boto3 (Debian's):
1,000 nodes are published with <= 2 PutMetricData calls and 20 DescribeInstanceInformation pages;
sync-alarms on 120 nodes creates exactly 120 alarms with the post's parameters, a second run writes
nothing, and after 20 nodes are deregistered exactly those 20 alarms are deleted. --dry-run writes nothing.
`pingwatch cycle` reads the node list once for both jobs, and its --state memo skips DescribeAlarms while
nothing changed, until recheck_minutes or a node change."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3

PINGWATCH = os.environ["PINGWATCH_BIN"]
ENV = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION="us-east-1")
for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "PINGWATCH_CONFIG", "CWAlarmSNSTopic"):
    ENV.pop(k, None)

passed = 0


def ok(what):
    global passed
    passed += 1
    print(f"ok - {what}", flush=True)


def fail(what):
    print(f"FAIL: {what}", file=sys.stderr, flush=True)
    sys.exit(1)


class Stack:
    def __init__(self, nodes, work):
        self.out = open(os.path.join(work, f"stack-{nodes}.out"), "w+")
        self.err = open(os.path.join(work, f"stack-{nodes}.err"), "w+")
        self.proc = subprocess.Popen([PINGWATCH, "local", "--port", "0", "--nodes", str(nodes), "--time-scale", "1"],
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
        for _ in range(100):
            try:
                if self.get("/_local/health")["status"] == "ready":
                    break
            except Exception:
                pass
            time.sleep(0.1)

    def get(self, path):
        with urllib.request.urlopen(self.url + path, timeout=10) as r:
            return json.load(r)

    def post(self, path, body):
        req = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.load(r)

    def count(self, service, op):
        ops = self.get("/_local/stats").get("services", {}).get(service, {}).get("operations", {})
        return ops.get(op, {}).get("count", 0)

    def client(self, name):
        return boto3.client(name, endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def pingwatch(*args, url):
    p = subprocess.run([PINGWATCH, *args, "--endpoint-url", url, "--region", "us-east-1"], env=ENV,
                       capture_output=True, text=True, timeout=300)
    summary = None
    for line in reversed(p.stdout.strip().splitlines()):
        if line.startswith("{"):
            summary = json.loads(line)
            break
    return p, summary


def main():
    with tempfile.TemporaryDirectory() as work:
        stacks = []
        try:
            # ---- publish: 1,000 nodes ----
            big = Stack(1000, work)
            stacks.append(big)
            p, s = pingwatch("publish", url=big.url)
            if p.returncode != 0 or s is None:
                fail(f"publish exit {p.returncode}: {p.stderr[-2000:]}")
            pages = big.count("ssm", "DescribeInstanceInformation")
            puts = big.count("monitoring", "PutMetricData")
            if s["nodes_seen"] != 1000 or s["data_published"] != 1000:
                fail(f"publish summary {s}")
            if pages != 20:
                fail(f"{pages} DescribeInstanceInformation pages, want 20")
            if not 1 <= puts <= 2:
                fail(f"{puts} PutMetricData calls, want <= 2")
            ok(f"publish: 1000 nodes, {pages} pages, {puts} PutMetricData call(s), {s['duration_seconds']:.2f} s")

            cw = big.client("cloudwatch")
            names = set()
            for page in cw.get_paginator("list_metrics").paginate(Namespace="SSM Agent", MetricName="Status"):
                for m in page["Metrics"]:
                    for d in m["Dimensions"]:
                        if d["Name"] == "Per-Instance Metrics":
                            names.add(d["Value"])
            if len(names) != 1000:
                fail(f"ListMetrics (boto3) shows {len(names)} per-instance Status metrics, want 1000")
            ok("boto3 ListMetrics lists 1000 SSM Agent/Status metrics with dimension Per-Instance Metrics")

            # ---- sync-alarms: 120 nodes ----
            small = Stack(120, work)
            stacks.append(small)
            topic = small.client("sns").create_topic(Name="SSM-Ping")["TopicArn"]
            # The post's environment name for the topic.
            ENV["CWAlarmSNSTopic"] = topic

            p, s = pingwatch("sync-alarms", "--dry-run", url=small.url)
            if p.returncode != 0 or small.count("monitoring", "PutMetricAlarm") != 0:
                fail(f"dry run wrote or failed: {p.returncode} {p.stderr[-1000:]}")
            creates = [l for l in p.stdout.splitlines() if l.startswith("create ssm-agent-")]
            if len(creates) != 120:
                fail(f"dry run planned {len(creates)} creates")
            ok("sync-alarms --dry-run prints 120 'create ssm-agent-…' lines and writes nothing")

            t0 = time.monotonic()
            p, s = pingwatch("sync-alarms", "--put-alarm-tps", "20", url=small.url)
            took = time.monotonic() - t0
            if p.returncode != 0 or s["alarms_created"] != 120:
                fail(f"sync-alarms exit {p.returncode}, summary {s}, stderr {p.stderr[-1000:]}")
            if small.count("monitoring", "PutMetricAlarm") != 120:
                fail(f"{small.count('monitoring', 'PutMetricAlarm')} PutMetricAlarm calls, want 120")
            if took < 119 / 20:
                fail(f"120 PutMetricAlarm at 20 TPS took only {took:.2f} s")
            ok(f"sync-alarms created 120 alarms in {took:.1f} s at 20 TPS")

            alarms = []
            for page in small.client("cloudwatch").get_paginator("describe_alarms").paginate(AlarmNamePrefix="ssm-agent-"):
                alarms.extend(page["MetricAlarms"])
            fleet_ids = {n["instance_id"] for n in small.get("/_local/fleet")["nodes"]}
            if len(alarms) != 120 or {a["AlarmName"] for a in alarms} != {"ssm-agent-" + i for i in fleet_ids}:
                fail(f"{len(alarms)} alarms, names do not match the fleet")
            for a in alarms:
                iid = a["AlarmName"][len("ssm-agent-"):]
                want = {"Namespace": "SSM Agent", "MetricName": "Status", "Statistic": "Maximum", "Period": 60,
                        "EvaluationPeriods": 1, "DatapointsToAlarm": 1, "Threshold": 1.0,
                        "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "missing",
                        "AlarmActions": [topic], "OKActions": [],
                        "Dimensions": [{"Name": "Per-Instance Metrics", "Value": iid}]}
                for k, v in want.items():
                    if a.get(k) != v:
                        fail(f"{a['AlarmName']}: {k} = {a.get(k)!r}, want {v!r}")
                if not a.get("AlarmDescription", "").startswith("Managed by pingwatch: "):
                    fail(f"{a['AlarmName']}: description {a.get('AlarmDescription')!r}")
            tags = small.client("cloudwatch").list_tags_for_resource(ResourceARN=alarms[0]["AlarmArn"])["Tags"]
            if {"Key": "managed-by", "Value": "pingwatch"} not in tags:
                fail(f"tags {tags}")
            ok("boto3 DescribeAlarms: 120 alarms with the post's exact parameters, marked and tagged managed-by=pingwatch")

            writes = lambda: sum(small.count("monitoring", op) for op in ("PutMetricAlarm", "DeleteAlarms", "TagResource"))
            before = writes()
            p, s = pingwatch("sync-alarms", url=small.url)
            if p.returncode != 0 or writes() != before or s["write_calls"] != 0 or s["alarms_unchanged"] != 120:
                fail(f"second run wrote: exit {p.returncode}, {writes() - before} writes, summary {s}")
            ok("second sync-alarms on an unchanged fleet: zero write calls")

            gone = sorted(fleet_ids)[:20]
            for iid in gone:
                small.post("/_local/fleet/faults", {"instance_id": iid, "fault": "deregister"})
            p, s = pingwatch("sync-alarms", url=small.url)
            left = {a["AlarmName"] for page in small.client("cloudwatch").get_paginator("describe_alarms")
                    .paginate(AlarmNamePrefix="ssm-agent-") for a in page["MetricAlarms"]}
            expect = {"ssm-agent-" + i for i in fleet_ids - set(gone)}
            if p.returncode != 0 or s["alarms_deleted"] != 20 or left != expect:
                fail(f"after deregistering 20: exit {p.returncode}, summary {s}, {len(left)} alarms left")
            ok(f"20 nodes deregistered: exactly their 20 alarms deleted in {small.count('monitoring', 'DeleteAlarms')} DeleteAlarms call(s)")

            # ---- cycle: both jobs on one node listing; the --state memo skips DescribeAlarms while unchanged ----
            state = os.path.join(work, "sync-state.json")
            total = lambda: small.get("/_local/stats")["total"]
            c0 = total()
            p, s = pingwatch("cycle", "--state", state, url=small.url)
            first = total() - c0
            if p.returncode != 0 or s["job"] != "cycle" or s["data_published"] != 100 or s["alarms_check_skipped"]:
                fail(f"first cycle: exit {p.returncode}, summary {s}, stderr {p.stderr[-1000:]}")
            # 2 pages of 50 nodes, 1 PutMetricData, 1 DescribeAlarms page: the node list is read once.
            if first != 4 or s["api_calls"] != 4:
                fail(f"first cycle made {first} requests (summary {s['api_calls']}), want 4")
            c0 = total()
            p, s = pingwatch("cycle", "--state", state, url=small.url)
            if p.returncode != 0 or not s["alarms_check_skipped"] or total() - c0 != 3:
                fail(f"unchanged cycle: exit {p.returncode}, {total() - c0} requests, summary {s}")
            ok("pingwatch cycle: 4 requests, then 3 on an unchanged fleet (DescribeAlarms skipped by the --state memo)")

            victim = "ssm-agent-" + sorted(fleet_ids - set(gone))[0]
            small.client("cloudwatch").delete_alarms(AlarmNames=[victim])
            p, s = pingwatch("cycle", "--state", state, url=small.url)
            if not s["alarms_check_skipped"] or s["alarms_created"] != 0:
                fail(f"within recheck_minutes the memo should stand: {s}")
            p, s = pingwatch("cycle", "--state", state, "--recheck-minutes", "0", url=small.url)
            exists = small.client("cloudwatch").describe_alarms(AlarmNames=[victim])["MetricAlarms"]
            if p.returncode != 0 or s["alarms_check_skipped"] or s["alarms_created"] != 1 or not exists:
                fail(f"a full check should restore {victim}: exit {p.returncode}, summary {s}")
            small.post("/_local/fleet/faults", {"instance_id": sorted(fleet_ids - set(gone))[1], "fault": "deregister"})
            p, s = pingwatch("cycle", "--state", state, url=small.url)
            if p.returncode != 0 or s["alarms_check_skipped"] or s["alarms_deleted"] != 1:
                fail(f"a deregistered node must end the memo at once: exit {p.returncode}, summary {s}")
            ok("an alarm deleted by hand is restored by the next full check; a node leaving checks at once")
        finally:
            for st in stacks:
                st.stop()
    print(f"{passed} checks passed")


main()

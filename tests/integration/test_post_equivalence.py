#!/usr/bin/env python3
"""The post's two Python functions, unchanged, run with Debian's boto3 against the local stack, leave the same
alarms that pingwatch's publish + sync-alarms create on an identical stack (same fleet seed) — and pingwatch
covers every node, where the post's alarm function reads only the first page of DescribeInstanceInformation."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import boto3

BIN = os.environ["PINGWATCH_BIN"]
SRC = os.environ["PINGWATCH_SOURCE_DIR"]
POST = os.path.join(SRC, "bench", "post", "run_post_function.py")
TOPIC = "arn:aws:sns:us-east-1:123456789012:SSM-Ping"
NODES = 30
ENV = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
ENV.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1",
           AWS_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true", CWAlarmSNSTopic=TOPIC)
COMPARED = ["Namespace", "MetricName", "Dimensions", "Statistic", "Period", "EvaluationPeriods", "DatapointsToAlarm",
            "Threshold", "ComparisonOperator", "TreatMissingData", "AlarmActions", "ActionsEnabled"]


def start_stack():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    proc = subprocess.Popen([BIN, "local", "--port", str(port), "--nodes", str(NODES), "--fleet-seed", "7",
                             "--time-scale", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(url + "/_local/health", timeout=2) as r:
                if json.load(r).get("status") == "ready":
                    return proc, url
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("local stack did not become ready")


def alarms(url):
    cw = boto3.client("cloudwatch", endpoint_url=url, region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test")
    out = {}
    for page in cw.get_paginator("describe_alarms").paginate(AlarmNamePrefix="ssm-agent-"):
        for a in page["MetricAlarms"]:
            out[a["AlarmName"]] = {k: a.get(k) for k in COMPARED}
    return out


def run(cmd):
    r = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd[:3])} failed ({r.returncode}): {r.stderr[-800:]}")


post_stack, post_url = start_stack()
ours_stack, ours_url = start_stack()
try:
    # The post: one metric cycle, then the alarm function (it lists the metrics the first one published).
    run(["/usr/bin/python3", POST, "check-status", "--endpoint-url", post_url])
    run(["/usr/bin/python3", POST, "create-alarm", "--endpoint-url", post_url])
    # pingwatch: the same two jobs.
    run([BIN, "publish", "--endpoint-url", ours_url, "--region", "us-east-1"])
    run([BIN, "sync-alarms", "--endpoint-url", ours_url, "--region", "us-east-1", "--topic-arn", TOPIC,
         "--set", "alarm.put_tps=100"])
    post, ours = alarms(post_url), alarms(ours_url)
finally:
    for p in (post_stack, ours_stack):
        p.terminate()
        p.wait(timeout=20)

failures = []
if len(post) != 10:
    failures.append(f"the post's alarm function should see only its first page (10 of {NODES} nodes), made {len(post)}")
if len(ours) != NODES:
    failures.append(f"pingwatch should alarm every node ({NODES}), made {len(ours)}")
for name, spec in post.items():
    if name not in ours:
        failures.append(f"{name}: created by the post, missing from pingwatch")
    elif ours[name] != spec:
        diff = {k: (spec[k], ours[name][k]) for k in COMPARED if spec[k] != ours[name][k]}
        failures.append(f"{name}: differs (post, pingwatch): {diff}")
for f in failures:
    print("FAIL:", f)
print(f"post alarms: {len(post)}, pingwatch alarms: {len(ours)}, identical parameters: "
      f"{sum(1 for n in post if ours.get(n) == post[n])}")
print(f"{1 if not failures else 0} passed, {1 if failures else 0} failed")
sys.exit(1 if failures else 0)

#!/usr/bin/env python3
"""publish, sync-alarms and cycle against moto (an AWS implementation nobody here wrote), read back with
boto3 1.43. moto has no SSM DescribeInstanceInformation, so SSM (and EC2) come from `pingwatch local`
(AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL_EC2) and CloudWatch and SNS from moto (AWS_ENDPOINT_URL).
Checks: every node's Status metric is in moto; the alarms carry the post's exact parameters
(docs/../shared mission: ssm-agent-<id>, SSM Agent/Status, Per-Instance Metrics, Maximum, 60, 1, 1, 1.0,
GreaterThanOrEqualToThreshold, missing, AlarmActions [topic]); a second run writes no alarm; the alarms of
deregistered nodes are deleted by `cycle`, and nothing else."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import pwtest  # noqa: E402
from pwtest import check, skip  # noqa: E402

NODES = 12


def pingwatch(args, env):
    p = subprocess.run([pwtest.PINGWATCH, *args], env=env, capture_output=True, text=True, timeout=300)
    lines = p.stdout.strip().splitlines()
    if not lines:
        pwtest.fail(f"pingwatch {args[0]} printed nothing (exit {p.returncode}): {p.stderr[-2000:]}")
    try:
        return p.returncode, json.loads(lines[-1])
    except ValueError:
        pwtest.fail(f"pingwatch {args[0]}: last line is not JSON: {lines[-1]!r}; stderr {p.stderr[-2000:]}")


def all_alarms(cw):
    alarms = []
    for page in cw.get_paginator("describe_alarms").paginate(AlarmNamePrefix="ssm-agent-", AlarmTypes=["MetricAlarm"]):
        alarms += page["MetricAlarms"]
    return {a["AlarmName"]: a for a in alarms}


def status_metrics(cw):
    ids = set()
    for page in cw.get_paginator("list_metrics").paginate(Namespace="SSM Agent", MetricName="Status"):
        for m in page["Metrics"]:
            dims = {d["Name"]: d["Value"] for d in m["Dimensions"]}
            if "Per-Instance Metrics" in dims:
                ids.add(dims["Per-Instance Metrics"])
    return ids


def post_parameters(alarm, instance_id, topic):
    """The differences between an alarm and the post's PutMetricAlarm (empty when it matches)."""
    want = {"AlarmName": f"ssm-agent-{instance_id}", "Namespace": "SSM Agent", "MetricName": "Status",
            "Dimensions": [{"Name": "Per-Instance Metrics", "Value": instance_id}], "Statistic": "Maximum",
            "Period": 60, "EvaluationPeriods": 1, "DatapointsToAlarm": 1, "Threshold": 1.0,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "missing",
            "AlarmActions": [topic]}
    return {k: (alarm.get(k), v) for k, v in want.items() if alarm.get(k) != v}


def main():
    why = pwtest.moto_available(min_botocore=(1, 43))
    if why:
        skip(why)
    with pwtest.MotoServer() as moto, pwtest.LocalStack("--nodes", NODES, "--time-scale", "1") as stack:
        env = pwtest.aws_env(AWS_ENDPOINT_URL=moto.url, AWS_ENDPOINT_URL_SSM=stack.url, AWS_ENDPOINT_URL_EC2=stack.url)
        sns = pwtest.boto3_client("sns", moto.url)
        cw = pwtest.boto3_client("cloudwatch", moto.url)
        topic = sns.create_topic(Name="SSM-Ping")["TopicArn"]
        ids = sorted(n["instance_id"] for n in stack.get("/_local/fleet")["nodes"])
        check(len(ids) == NODES, f"the local stack's fleet has {NODES} nodes", str(len(ids)))

        rc, r = pingwatch(["publish"], env)
        check(rc == 0 and r["errors"] == [], "publish succeeds against moto's CloudWatch", json.dumps(r))
        check(r["data_published"] == NODES, f"publish sent one datum per node ({r['data_published']})")
        check(status_metrics(cw) == set(ids), "moto lists an SSM Agent/Status metric per node, dimension Per-Instance Metrics",
              str(status_metrics(cw) ^ set(ids)))
        # The value of an Online node is 0 (the post's mapping), read back from moto.
        end = time.time() + 600
        stats = cw.get_metric_statistics(Namespace="SSM Agent", MetricName="Status",
                                         Dimensions=[{"Name": "Per-Instance Metrics", "Value": ids[0]}],
                                         StartTime=end - 3600, EndTime=end, Period=60, Statistics=["Maximum"])
        check([d["Maximum"] for d in stats["Datapoints"]] == [0.0], "the datum of an Online node is 0", str(stats["Datapoints"]))

        rc, r = pingwatch(["sync-alarms", "--topic-arn", topic], env)
        check(rc == 0 and r["errors"] == [], "sync-alarms succeeds against moto", json.dumps(r))
        check(r["alarms_created"] == NODES, f"sync-alarms created {NODES} alarms ({r['alarms_created']})")
        alarms = all_alarms(cw)
        check(sorted(alarms) == [f"ssm-agent-{i}" for i in ids], "moto has exactly one ssm-agent-<id> alarm per node",
              str(sorted(alarms)))
        wrong = {i: post_parameters(alarms.get(f"ssm-agent-{i}", {}), i, topic) for i in ids}
        wrong = {i: d for i, d in wrong.items() if d}
        check(not wrong, "every alarm has the post's exact parameters", json.dumps(wrong, default=str)[:2000])

        rc, r = pingwatch(["sync-alarms", "--topic-arn", topic], env)
        writes = r["alarms_created"] + r["alarms_updated"] + r["alarms_deleted"]
        check(rc == 0 and writes == 0 and r["alarms_unchanged"] == NODES,
              "a second sync-alarms writes nothing (all unchanged)", json.dumps(r))

        gone = ids[:3]
        for i in gone:
            stack.post("/_local/fleet/faults", {"instance_id": i, "fault": "deregister"})
        rc, r = pingwatch(["cycle", "--topic-arn", topic], env)
        check(rc == 0 and r["errors"] == [], "cycle succeeds against moto", json.dumps(r))
        check(r["alarms_deleted"] == len(gone) and r["alarms_created"] == 0,
              f"cycle deleted the {len(gone)} alarms of deregistered nodes and created none", json.dumps(r))
        check(r["data_published"] == NODES - len(gone), "cycle published the remaining nodes", json.dumps(r))
        alarms = all_alarms(cw)
        check(sorted(alarms) == [f"ssm-agent-{i}" for i in ids[3:]], "moto keeps exactly the alarms of managed nodes",
              str(sorted(alarms)))

        rc, r = pingwatch(["cycle", "--topic-arn", topic], env)
        writes = r["alarms_created"] + r["alarms_updated"] + r["alarms_deleted"]
        check(rc == 0 and writes == 0, "a second cycle writes no alarm", json.dumps(r))
    pwtest.done()


if __name__ == "__main__":
    main()

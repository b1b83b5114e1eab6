#!/usr/bin/env python3
"""`pingwatch watch` against moto: state in SQLite and in moto's DynamoDB (--dynamodb-table, the Lambda's
backend), notices through moto's SNS into SQS queues (one topic and queue per backend), SSM and EC2 from
`pingwatch local` (moto has no DescribeInstanceInformation). Faults come from the local stack's
/_local/fleet/faults. Over one scenario - a node lost, one deregistered (vanished), the lost one recovered,
then a mass outage (one digest) - both backends deliver the same notices (the same transitions, single or
digest), each transition exactly once, and a last quiet cycle sends nothing.
Issue 11: the DynamoDB backend failed its first cycle on moto: "Invalid UpdateExpression: Attribute name is a
reserved keyword; reserved keyword: cycle"."""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import pwtest  # noqa: E402
from pwtest import check, skip  # noqa: E402

NODES = 24
OUTAGE = 12   # more than watch.digest_threshold (10): one digest


class Backend:
    def __init__(self, name, args, moto, env):
        self.name, self.args, self.env = name, args, env
        sns = pwtest.boto3_client("sns", moto.url)
        self.sqs = pwtest.boto3_client("sqs", moto.url)
        self.topic = sns.create_topic(Name=f"ssm-ping-{name}")["TopicArn"]
        self.queue = self.sqs.create_queue(QueueName=f"notices-{name}")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=self.topic, Protocol="sqs", Endpoint=arn)
        self.notices = []   # the JSON forms received, in order

    def watch(self):
        cmd = [pwtest.PINGWATCH, "watch", *self.args, "--topic-arn", self.topic, "--set", "watch.full_every=1"]
        p = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=300)
        lines = p.stdout.strip().splitlines()
        check(p.returncode == 0 and lines, f"{self.name}: watch cycle exits 0", f"exit {p.returncode}: {p.stderr[-3000:]}")
        result = json.loads(lines[-1])
        check(not result.get("errors"), f"{self.name}: the cycle reports no error", json.dumps(result.get("errors"))[:2000])
        return result

    def receive(self):
        """Every notice that reached the queue since the last call (the JSON form SNS sends to SQS)."""
        got = []
        while True:
            msgs = self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
            if not msgs:
                break
            for m in msgs:
                envelope = json.loads(m["Body"])
                got.append(json.loads(envelope["Message"]))
                self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=m["ReceiptHandle"])
        self.notices += got
        return got


def items(notice):
    """(transition, instance_id) pairs a notice reports, single or digest."""
    if notice.get("digest"):
        return [(kind, i) for kind, ids in notice["groups"].items() for i in ids]
    return [(t["transition"], t["instance_id"]) for t in notice["transitions"]]


def reported(notices):
    return sorted(p for n in notices for p in items(n))


def wait_status(stack, ids, status, sim_minutes=60):
    limit = stack.get("/_local/clock")["sim_now"] + sim_minutes * 60
    while stack.get("/_local/clock")["sim_now"] < limit:
        nodes = {n["instance_id"]: n for n in stack.get("/_local/fleet")["nodes"]}
        if all(nodes[i]["ping_status"] == status for i in ids):
            return True
        time.sleep(0.2)
    pwtest.fail(f"{ids} never became {status}")


def step(backends, what):
    """One cycle of each backend; the notices each received, which must be the same."""
    got = {}
    for b in backends:
        b.watch()
        got[b.name] = b.receive()
    # The same notices: the same transitions, grouped the same way (single or digest). Not byte for byte: the
    # backends run one after the other on the stack's accelerated clock (2 simulated minutes a second), so
    # times differ, and with them the id of a vanished node's notice (it hashes the last ping each backend saw).
    a, b = (sorted((n["digest"], tuple(sorted(items(n)))) for n in got[x.name]) for x in backends)
    check(a == b, f"{what}: SQLite and DynamoDB deliver the same notices", f"sqlite {a} vs dynamodb {b}")
    return got["sqlite"]


def fault(stack, instance_id, kind):
    stack.post("/_local/fleet/faults", {"instance_id": instance_id, "fault": kind})


def main():
    why = pwtest.moto_available(min_botocore=(1, 43))
    if why:
        skip(why)
    work = tempfile.mkdtemp(prefix="pw-moto-watch-")
    with pwtest.MotoServer() as moto, pwtest.LocalStack("--nodes", NODES, "--time-scale", 120, "--connection-lost-after", 10,
                                                        "--fleet-seed", 11) as stack:
        env = pwtest.aws_env(AWS_ENDPOINT_URL=moto.url, AWS_ENDPOINT_URL_SSM=stack.url, AWS_ENDPOINT_URL_EC2=stack.url)
        backends = [Backend("sqlite", ["--state", os.path.join(work, "watch.db")], moto, env),
                    Backend("dynamodb", ["--dynamodb-table", "pingwatch-state", "--set", "watch.create_table=true"], moto, env)]
        ids = [n["instance_id"] for n in stack.get("/_local/fleet")["nodes"]]
        lost, gone, outage = ids[0], ids[1], ids[2:2 + OUTAGE]

        got = step(backends, "first cycle (baseline)")
        check(got == [], "a healthy fleet's first cycle notifies nothing", str(reported(got)))
        table = pwtest.boto3_client("dynamodb", moto.url).describe_table(TableName="pingwatch-state")["Table"]
        check(table["TableStatus"] == "ACTIVE", "watch.create_table=true created the state table in moto")

        fault(stack, lost, "agent-stop")
        fault(stack, gone, "deregister")
        wait_status(stack, [lost], "ConnectionLost")
        got = step(backends, "lost and vanished")
        check(reported(got) == sorted([("lost", lost), ("vanished", gone)]), "one notice each: lost, vanished",
              str(reported(got)))

        fault(stack, lost, "recover")
        wait_status(stack, [lost], "Online")
        got = step(backends, "recovered")
        check(reported(got) == [("recovered", lost)], "the recovery is notified once", str(reported(got)))

        for i in outage:
            fault(stack, i, "network-block")
        wait_status(stack, outage, "ConnectionLost")
        got = step(backends, "mass outage")
        check(len(got) == 1 and got[0]["digest"], f"{OUTAGE} nodes lost at once: one digest", str(reported(got)))
        check(reported(got) == sorted(("lost", i) for i in outage), "the digest lists every lost node", str(reported(got)))

        got = step(backends, "quiet cycle")
        check(got == [], "a cycle with no change notifies nothing", str(reported(got)))

        for b in backends:
            pairs = reported(b.notices)
            check(len(pairs) == len(set(pairs)), f"{b.name}: every transition was notified exactly once", str(pairs))
            ids_seen = [n["notice_id"] for n in b.notices]
            check(len(ids_seen) == len(set(ids_seen)), f"{b.name}: no notice id delivered twice", str(ids_seen))
        check(reported(backends[0].notices) == reported(backends[1].notices),
              "both backends reported the same transitions over the whole scenario")
    pwtest.done()


if __name__ == "__main__":
    main()

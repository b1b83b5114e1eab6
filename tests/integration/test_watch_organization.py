#!/usr/bin/python3
"""watch over an AWS Organization on the local stack (`pingwatch local --accounts 20 --nodes 5`): `pingwatch watch
--accounts organization:PingwatchMember@us-east-1+ap-northeast-1` discovers the organization's ACTIVE accounts
(organizations:ListAccounts), assumes PingwatchMember in each member, watches every (account, region) pair, and a
fault in a member account's node is mailed naming that account (id and name). Prints "skipped: the local stack has
no --accounts" and exits 0 where the local stack does not simulate an organization yet."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import pwtest  # noqa: E402

BIN = pwtest.PINGWATCH or os.environ.get("PINGWATCH_BIN", "build/src/pingwatch")
pwtest.PINGWATCH = BIN
HOME = "123456789012"
REGIONS = ["us-east-1", "ap-northeast-1"]
ACCOUNTS_SPEC = "organization:PingwatchMember@" + "+".join(REGIONS)


def stack_has_accounts():
    p = subprocess.run([BIN, "local", "--help"], capture_output=True, text=True, timeout=30)
    text = p.stdout + p.stderr
    return "--accounts" in text and "--member-role" in text


def watch(stack, db, topic, *extra):
    cmd = [BIN, "watch", "--endpoint-url", stack.url, "--accounts", ACCOUNTS_SPEC, "--state", db, "--topic-arn", topic,
           "--set", "watch.full_every=1", *extra]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=pwtest.aws_env())
    pwtest.check(p.returncode in (0, 1), f"watch exits 0 or 1 (exited {p.returncode})", p.stderr[-2000:])
    return json.loads(p.stdout.strip().splitlines()[-1])


def scope_of(cycle):
    m = re.search(r"\((\d{12}/[a-z0-9-]+)\)", cycle["scope"])
    return m.group(1) if m else cycle["scope"]


def main():
    if not os.path.exists(BIN):
        pwtest.fail(f"{BIN} not built")
    if not stack_has_accounts():
        pwtest.skip("the local stack has no --accounts")
    work = tempfile.mkdtemp(prefix="pw-org-")
    stack = pwtest.LocalStack("--accounts", 20, "--nodes", 5, "--member-role", "PingwatchMember", "--regions", ",".join(REGIONS),
                              "--time-scale", 120, "--connection-lost-after", 10, "--auto-confirm",
                              "--mailbox", os.path.join(work, "mail"), work=work)
    with stack:
        import boto3
        kw = dict(endpoint_url=stack.url, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
        orgs = boto3.client("organizations", **kw)
        accounts = [a for page in orgs.get_paginator("list_accounts").paginate() for a in page["Accounts"]]
        active = {a["Id"]: a["Name"] for a in accounts if a.get("State", a.get("Status")) == "ACTIVE"}
        pwtest.check(HOME in active and len(active) >= 20, f"the stack's organization lists {len(active)} ACTIVE accounts")
        sns = boto3.client("sns", **kw)
        topic = sns.create_topic(Name="watch-org")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
        db = os.path.join(work, "watch.db")

        r = watch(stack, db, topic)
        scopes = {scope_of(c) for c in r["cycles"]}
        want = {f"{a}/{region}" for a in active for region in REGIONS}
        pwtest.check(scopes == want, f"every (account, region) pair is watched: {len(scopes)} of {len(want)}",
                     f"missing {sorted(want - scopes)[:5]}, extra {sorted(scopes - want)[:5]}, failures {r['failures'][:3]}")
        pwtest.check(not r["failures"], "no pair fails", str(r["failures"][:3]))
        pwtest.check(r["nodes_seen"] == 5 * len(want), f"5 nodes per account and region ({r['nodes_seen']} listed)")

        # A fault on a member's node in ap-northeast-1 is mailed naming the member account and its name.
        account = sorted(a for a in active if a != HOME)[0]
        member_nodes = stack.get(f"/_local/fleet?account={account}&region=ap-northeast-1")["nodes"]
        pwtest.check(member_nodes, f"the stack's fleet shows member {account}'s nodes in ap-northeast-1")
        node = member_nodes[0]
        stack.post("/_local/fleet/faults", {"instance_id": node["instance_id"], "fault": "agent-stop"})
        lost = False
        for _ in range(120):   # the agent's silence becomes ConnectionLost after --connection-lost-after sim minutes
            r = watch(stack, db, topic)
            lost = any(t["transition"] == "lost" and t["instance_id"] == node["instance_id"] and t["notify"]
                       for c in r["cycles"] for t in c["transitions"])
            if lost:
                break
            time.sleep(1)
        pwtest.check(lost, f"the member's lost node {node['instance_id']} is reported")
        mails = [m for m in stack.get("/_local/mailbox")["messages"] if node["instance_id"] in m.get("subject", "")]
        pwtest.check(mails, "a notice about it is mailed")
        subject, body = mails[-1]["subject"], mails[-1].get("body", "")
        pwtest.check(account in subject and account in body, f"the notice names the account {account}", subject)
        name = active.get(account, "")
        pwtest.check(not name or (name[:21] in subject and name in body), f"the notice names the account's name {name!r}",
                     subject)
    pwtest.done()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""watch.accounts = organization:ROLE@REGIONS against moto's Organizations and STS (an implementation nobody here
wrote): the organization's ACTIVE accounts are listed (a closed one and an excluded one are skipped), a role is
assumed in every member and every (account, region) pair is attempted. moto has no SSM DescribeInstanceInformation,
so every pair fails there: this checks discovery and the member-failure count and notice, not node watching
(tests/unit/monitor/watch_organization_test.cpp and test_watch_organization.py do that)."""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import pwtest  # noqa: E402
from pwtest import check  # noqa: E402

REGIONS = ["us-east-1", "ap-northeast-1"]


def main():
    if not pwtest.PINGWATCH or not os.path.exists(pwtest.PINGWATCH):
        pwtest.fail("PINGWATCH_BIN must point at the pingwatch binary")
    with pwtest.MotoServer() as moto:
        orgs = pwtest.boto3_client("organizations", moto.url)
        orgs.create_organization(FeatureSet="ALL")
        names = {}
        for i in range(5):
            status = orgs.create_account(Email=f"member{i}@example.com", AccountName=f"Member {i}")["CreateAccountStatus"]
            names[status["AccountId"]] = f"Member {i}"
        ids = list(names)
        closed, excluded = ids[3], ids[4]
        orgs.close_account(AccountId=closed)
        home = pwtest.boto3_client("sts", moto.url).get_caller_identity()["Account"]
        listed = {a["Id"]: a for a in orgs.list_accounts()["Accounts"]}
        check(listed[closed].get("State", listed[closed]["Status"]) != "ACTIVE", "moto reports the closed account as not ACTIVE")

        work = tempfile.mkdtemp(prefix="pw-moto-org-")
        topic = pwtest.boto3_client("sns", moto.url).create_topic(Name="ssm-ping")["TopicArn"]
        env = pwtest.aws_env(AWS_ENDPOINT_URL=moto.url, AWS_MAX_ATTEMPTS=1)
        cmd = [pwtest.PINGWATCH, "watch", "--accounts", "organization:PingwatchMember@" + "+".join(REGIONS),
               "--state", os.path.join(work, "watch.db"), "--topic-arn", topic,
               "--set", f"watch.exclude_accounts={excluded}", "--set", "watch.member_failure_cycles=2",
               "--set", "watch.use_ec2=false"]
        results = []
        for _ in range(2):
            p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
            check(p.returncode in (1, 2) and p.stdout.strip(), f"watch reports the failed pairs (exit {p.returncode}: 2 = no pair ran)", p.stderr[-2000:])
            results.append(json.loads(p.stdout.strip().splitlines()[-1]))
        first, second = results
        attempted = {m.group(1) for f in first["failures"] for m in [re.match(r"(\d{12}/[a-z0-9-]+): ", f)] if m}
        want = {f"{a}/{r}" for a in [home, *ids[:3]] for r in REGIONS}
        check(attempted == want, f"every ACTIVE, not excluded account is attempted in both regions ({len(attempted)} pairs)",
              f"missing {sorted(want - attempted)}, extra {sorted(attempted - want)}; failures {first['failures'][:2]}")
        members = {m["account_id"]: m for m in first["member_failures"]}
        check(set(members) == set(ids[:3]), "the members (not the home account) are counted as failing",
              str(first["member_failures"]))
        check(all(members[a]["account_name"] == names[a] for a in members), "member failures carry the accounts' names")
        check(all(m["consecutive_cycles"] == 1 and not m["notified"] for m in members.values()), "first cycle: count 1")
        second_members = {m["account_id"]: m for m in second["member_failures"]}
        check(all(m["consecutive_cycles"] == 2 and m["notified"] for m in second_members.values()),
              "second cycle: count 2, notified (watch.member_failure_cycles = 2)", str(second["member_failures"]))
        subjects = [n["subject"] for n in second["member_notices"]]
        check(len(subjects) == 3 and all(any(a in s and names[a] in s for s in subjects) for a in ids[:3]),
              "one notice per member, naming its id and name", str(subjects))
        check(not [e for e in second["errors"] if "member/" in e], "the notices were published to moto's SNS",
              str(second["errors"][:3]))
    pwtest.done()


if __name__ == "__main__":
    main()

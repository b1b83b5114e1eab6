#!/usr/bin/python3
"""watch end to end on the local stack: every transition kind reported once (lost, unhealthy-at-start,
vanished, recovered, stale), a 2,000-node outage as one digest, a steady-state cycle of <= 3 API calls
(from /_local/stats), exactly one notice per transition while `pingwatch watch` is SIGKILLed at random
points, and the DynamoDB state backend deciding exactly as the SQLite one."""
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3

BIN = os.environ.get("PINGWATCH_BIN", "build/src/pingwatch")
ENV = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION="us-east-1")
for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "PINGWATCH_CONFIG"):
    ENV.pop(k, None)
FAILURES = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILURES.append(what)


class Stack:
    def __init__(self, workdir, *args):
        os.makedirs(workdir, exist_ok=True)
        # The stack logs every fault to stdout: a file, so a full pipe can never block it.
        self.log_path = os.path.join(workdir, "stack.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([BIN, "local", "--port", "0", "--mailbox", os.path.join(workdir, "mail"), *args],
                                     stdout=self.log, stderr=subprocess.STDOUT, text=True, env=ENV)
        deadline = time.time() + 60
        self.endpoint = None
        while time.time() < deadline and self.endpoint is None:
            with open(self.log_path) as f:
                m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", f.read())
            if m:
                self.endpoint = m.group(1)
            else:
                time.sleep(0.05)
        assert self.endpoint, "the local stack did not start"
        for _ in range(200):
            try:
                if self.get("/_local/health").get("status") == "ready":
                    break
            except Exception:
                pass
            time.sleep(0.1)
        self.sns = boto3.client("sns", endpoint_url=self.endpoint, region_name="us-east-1",
                                aws_access_key_id="test", aws_secret_access_key="test")

    def request(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.endpoint + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            text = r.read()
        return json.loads(text) if text else {}

    def get(self, path):
        return self.request("GET", path)

    def fault(self, instance_id, fault):
        return self.request("POST", "/_local/fleet/faults", {"instance_id": instance_id, "fault": fault})

    def nodes(self):
        return self.get("/_local/fleet")["nodes"]

    def sim_now(self):
        return self.get("/_local/clock")["sim_now"]

    def wait_sim_minutes(self, minutes):
        target = self.sim_now() + minutes * 60
        while self.sim_now() < target:
            time.sleep(0.1)

    def wait_until(self, predicate, sim_minutes, what):
        limit = self.sim_now() + sim_minutes * 60
        while self.sim_now() < limit:
            by_id = {n["instance_id"]: n for n in self.nodes()}
            if predicate(by_id):
                return True
            time.sleep(0.3)
        print("timed out waiting for " + what)
        return False

    def total_requests(self):
        return self.get("/_local/stats")["total"]

    def mailbox(self):
        return self.get("/_local/mailbox")["messages"]

    def stop(self):
        self.log.close()
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def watch(stack, *args, kill_after=None):
    cmd = [BIN, "watch", "--endpoint-url", stack.endpoint, *args]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    if kill_after is not None:
        try:
            out, err = p.communicate(timeout=kill_after)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGKILL)
            p.communicate()
            return None
    else:
        out, err = p.communicate(timeout=300)
    if p.returncode not in (0, 1):
        raise RuntimeError(f"watch exited {p.returncode}: {err}")
    return json.loads(out.strip().splitlines()[-1])


def transitions(result, notified_only=True):
    out = []
    for c in result["cycles"]:
        for t in c["transitions"]:
            if t["notify"] or not notified_only:
                out.append((t["transition"], t["instance_id"]))
    return out


def notices_in_mail(messages):
    """{notice_id: set of (kind, instance_id)} parsed from the emails (single notices and digests)."""
    kinds = {"LOST": "lost", "UNHEALTHY AT START": "unhealthy-at-start", "VANISHED": "vanished", "STALE": "stale",
             "RECOVERED": "recovered", "APPEARED": "appeared"}
    out = {}
    for m in messages:
        body, subject = m.get("body", ""), m.get("subject", "")
        nid = re.search(r"Notice id ([0-9a-f]{16})", body)
        if not nid:
            continue
        items = set()
        single = re.match(r"\[pingwatch\] ([A-Z -]+): (\S+)", subject)
        if single and single.group(1) in kinds:
            items.add((kinds[single.group(1)], single.group(2)))
        else:
            current = None
            for line in body.splitlines():
                h = re.match(r"^([A-Z -]+) \(\d+\):$", line)
                if h:
                    current = kinds.get(h.group(1))
                elif current and line.startswith("  i-"):
                    items.add((current, line.split()[0]))
        out.setdefault(nid.group(1), set()).update(items)
    return out


def main():
    work = tempfile.mkdtemp(prefix="pingwatch-watch-it-")
    a = Stack(work, "--nodes", "2500", "--time-scale", "120", "--connection-lost-after", "10", "--fleet-seed", "7",
              "--auto-confirm")
    try:
        topic = a.sns.create_topic(Name="watch")["TopicArn"]
        a.sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
        db = os.path.join(work, "watch.db")
        base = ["--state", db, "--topic-arn", topic]
        ids = [n["instance_id"] for n in a.nodes()]
        pre, lost, van = ids[0], ids[1], ids[2]
        outage = ids[100:2100]

        # unhealthy-at-start: lost before watch ever ran.
        a.fault(pre, "agent-stop")
        a.wait_until(lambda n: n[pre]["ping_status"] == "ConnectionLost", 30, "pre-existing outage")
        r = watch(a, *base, "--set", "watch.full_every=1")
        check(("unhealthy-at-start", pre) in transitions(r), "a node already lost at start is reported unhealthy-at-start")

        # lost and vanished (deregistered while EC2 still runs it).
        a.fault(lost, "agent-stop")
        a.fault(van, "deregister")
        a.wait_until(lambda n: n[lost]["ping_status"] == "ConnectionLost", 30, "lost")
        r = watch(a, *base, "--set", "watch.full_every=1")
        t = transitions(r)
        check(("lost", lost) in t, "lost reported in the first cycle SSM shows it")
        check(("vanished", van) in t, "vanished (running-but-unmanaged) reported")
        check(("unhealthy-at-start", pre) not in t, "unhealthy-at-start not repeated")

        # recovered.
        a.fault(lost, "recover")
        a.wait_until(lambda n: n[lost]["ping_status"] == "Online", 90, "recovery")
        r = watch(a, *base, "--set", "watch.full_every=1")
        check(("recovered", lost) in transitions(r), "recovered reported after an alert")

        # Steady state: nothing changes; count every request the stack receives during one cycle.
        watch(a, *base)   # may be a full inventory (cadence)
        before = a.total_requests()
        r = watch(a, *base)
        calls = a.total_requests() - before
        steady = not r["cycles"][0]["full_inventory"]
        print(f"steady-state cycle: {calls} API calls (reads {r['cycles'][0]['api_calls']}), 2,500 nodes")
        check(steady and calls <= 3, f"a steady-state cycle makes <= 3 API calls (made {calls})")

        # A 2,000-node outage: one digest.
        for k, i in enumerate(outage):
            try:
                a.fault(i, "network-block")
            except Exception as e:
                print(f"fault {k} on {i} failed: {e}", flush=True)
                raise
        a.wait_until(lambda n: all(n[i]["ping_status"] == "ConnectionLost" for i in outage), 40, "mass outage")
        mail_before = len(a.mailbox())
        r = watch(a, *base)
        c = r["cycles"][0]
        digest_lost = [x for x in transitions(r) if x[0] == "lost"]
        check(len(c["notices"]) == 1 and c["notices"][0]["digest"], f"2,000-node outage -> one digest ({len(c['notices'])} notices)")
        check(len(digest_lost) == 2000, f"the digest covers the 2,000 lost nodes ({len(digest_lost)})")
        # A 2,000-line digest is a ~200 KB form body (SNS Publish is awsQuery): the stack must accept it as AWS does.
        check(len(a.mailbox()) - mail_before == 1, f"one email for the outage (delivery {c['delivery']}, errors {r['errors'][:1]})")

        # Recovery under SIGKILL at random points of cycles: every transition still reported exactly once.
        for i in outage:
            a.fault(i, "recover")
        # Recoveries as single notices (they trickle in over the agents' back-off), so every one is an email.
        base = base + ["--digest-threshold", "100000"]
        rng = random.Random(5)
        kills = 0
        # Bounded by wall time, not a cycle count: an optimised build runs cycles faster than the agents'
        # back-off brings nodes back, and kills must land inside cycles that may take well under a second.
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if rng.random() < 0.6:
                if watch(a, *base, kill_after=rng.uniform(0.01, 1.0)) is None:
                    kills += 1
            else:
                watch(a, *base)
            nodes = {n["instance_id"]: n for n in a.nodes()}
            if all(nodes[i]["ping_status"] == "Online" for i in outage) and kills >= 5:
                break
        # Settle: lease expiry (120 s of server time) and in-doubt resends, then cycles until every recovery
        # is reported. A steady cycle verifies at most watch.max_verify_ids (100) lost nodes; the rest are
        # found by the next full inventory (every 10th cycle): that is the product's promise, so at most
        # 3 + 11 cycles that run cleanly. A cycle that did not (a call that failed or timed out on a loaded
        # machine: not committed, or a publish refused or in doubt, resent only after the lease, two
        # 1-minute cycles later) is not the promise's: it extends the budget by itself and the lease.
        def clean(r):
            return not r.get("errors") and all(
                c.get("committed") and not c.get("errors") and not c["delivery"]["failed"] and not c["delivery"]["in_doubt"]
                for c in r["cycles"])

        budget, settle_cycles, unclean, settled = 14, 0, 0, False
        while settle_cycles < min(budget, 40):
            a.wait_sim_minutes(3 if settle_cycles < 3 else 1)
            if not clean(watch(a, *base)):
                unclean += 1
                budget += 3
            settle_cycles += 1
            if settle_cycles >= 3:
                seen = {item for items in notices_in_mail(a.mailbox()).values() for item in items}
                if all(("recovered", i) in seen for i in outage):
                    settled = True
                    break
        print(f"settled after {settle_cycles} cycles ({unclean} not clean): {settled}", flush=True)
        notices = notices_in_mail(a.mailbox())
        reported = {}
        for nid, items in notices.items():
            for item in items:
                reported.setdefault(item, set()).add(nid)
        dup = {k: v for k, v in reported.items() if len(v) > 1}
        recovered = [i for i in outage if ("recovered", i) in reported]
        raw = len(a.mailbox())
        print(f"{kills} cycles killed; {len(notices)} distinct notices in {raw} emails")
        check(not dup, f"no transition in two different notices ({len(dup)} duplicated)")
        check(len(recovered) == 2000, f"each of the 2,000 recoveries reported ({len(recovered)})")
        for kind, node in [("unhealthy-at-start", pre), ("lost", lost), ("vanished", van), ("recovered", lost)]:
            check(len(reported.get((kind, node), set())) == 1, f"{kind} {node} in exactly one notice")
    finally:
        a.stop()

    # Stale: SSM slower than the threshold (ConnectionLost after 40 min); SQLite and DynamoDB side by side.
    b = Stack(os.path.join(work, "b"), "--nodes", "20", "--time-scale", "120", "--connection-lost-after", "40")
    try:
        topic = b.sns.create_topic(Name="stale")["TopicArn"]
        quiet = b.sns.create_topic(Name="stale-ddb")["TopicArn"]
        sqlite_args = ["--state", os.path.join(work, "b.db"), "--topic-arn", topic]
        ddb_args = ["--dynamodb-table", "pingwatch-watch", "--set", "watch.create_table=true", "--topic-arn", quiet]
        node = b.nodes()[3]["instance_id"]

        # The two backends run one after the other, so a change can land between them: compare what each
        # reported over the whole scenario (transitions and deterministic notice ids), not cycle by cycle.
        seen = {"sqlite": [], "dynamodb": []}
        ids_seen = {"sqlite": set(), "dynamodb": set()}

        def both():
            results = {}
            for name, args in (("sqlite", sqlite_args), ("dynamodb", ddb_args)):
                res = watch(b, *args)
                seen[name] += transitions(res)
                ids_seen[name] |= {n["id"] for n in res["cycles"][0]["notices"]}
                results[name] = res
            return results["sqlite"]

        both()
        b.fault(node, "agent-stop")
        for _ in range(40):
            b.wait_sim_minutes(1)
            both()
            if b.nodes()[3]["ping_status"] == "ConnectionLost":
                break
        b.wait_sim_minutes(1)
        r = both()
        check(seen["sqlite"].count(("stale", node)) == 1,
              f"stale reported once before SSM says ConnectionLost ({seen['sqlite'].count(('stale', node))})")
        check(("lost", node) not in seen["sqlite"], "ConnectionLost after stale is the same episode: not notified again")
        check(sorted(seen["sqlite"]) == sorted(seen["dynamodb"]) and ids_seen["sqlite"] == ids_seen["dynamodb"],
              f"the DynamoDB backend (Lambda) reports exactly what SQLite (daemon, CLI) does: {seen}")
    finally:
        b.stop()

    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

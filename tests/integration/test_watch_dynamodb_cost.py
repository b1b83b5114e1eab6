#!/usr/bin/python3
"""The cost model's DynamoDB figures are what watch really asks of its state table. `pingwatch watch
--dynamodb-table` runs cycle after cycle (full inventories and steady cycles) against `pingwatch local
--nodes N`; after each cycle the table requests the stack counted (GET /_local/stats: GetItem, Query,
PutItem, UpdateItem, BatchWriteItem, TransactWriteItems) must equal what `pingwatch cost --dynamodb-cycle`
predicts for that cycle's shape (what it wrote, as the cycle reports it). Then the model's monthly
assumption (a cold record is rewritten only when its ping bucket moves) must match the rewrites observed,
and `pingwatch cost --nodes 10000` must put watch at $10 a month or less."""
import json
import os
import re
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
NODES = 1500
CYCLES = 12
FULL_EVERY = 3
BUCKET_SECONDS = 6 * 3600   # core::kPingBucketSeconds
ITEM_OPS = ("GetItem", "Query", "PutItem", "UpdateItem", "BatchWriteItem", "TransactWriteItems")
FAILURES = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILURES.append(what)


def get(endpoint, path):
    with urllib.request.urlopen(endpoint + path, timeout=60) as r:
        return json.loads(r.read())


def table_ops(endpoint):
    ops = get(endpoint, "/_local/stats")["services"].get("dynamodb", {}).get("operations", {})
    return {op: ops.get(op, {}).get("count", 0) for op in ITEM_OPS}


def predicted(shape):
    out = subprocess.run([BIN, "cost", "--nodes", "1", "--dynamodb-cycle", json.dumps(shape)], env=ENV,
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError("pingwatch cost --dynamodb-cycle failed: " + out.stderr.strip())
    p = json.loads(out.stdout)
    return {op: int(round(p.get(op, 0))) for op in ITEM_OPS}


def main():
    work = tempfile.mkdtemp(prefix="pingwatch-ddb-cost-")
    log_path = os.path.join(work, "stack.log")
    log = open(log_path, "w")
    stack = subprocess.Popen([BIN, "local", "--port", "0", "--nodes", str(NODES), "--time-scale", "600",
                              "--mailbox", os.path.join(work, "mail")], stdout=log, stderr=subprocess.STDOUT, env=ENV)
    try:
        endpoint = None
        deadline = time.time() + 60
        while endpoint is None and time.time() < deadline:
            m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", open(log_path).read())
            endpoint = m.group(1) if m else None
            time.sleep(0.05)
        assert endpoint, "the local stack did not start"
        for _ in range(200):
            try:
                if get(endpoint, "/_local/health").get("status") == "ready":
                    break
            except Exception:
                pass
            time.sleep(0.1)
        sns = boto3.client("sns", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test")
        topic = sns.create_topic(Name="cost")["TopicArn"]
        args = [BIN, "watch", "--endpoint-url", endpoint, "--region", "us-east-1", "--topic-arn", topic,
                "--dynamodb-table", "pingwatch-cost", "--set", "watch.create_table=true",
                "--set", f"watch.full_every={FULL_EVERY}"]
        rewritten, full_times = [], []   # rewritten[i]: records the full inventory at full_times[i + 1] wrote
        for cycle in range(CYCLES):
            before = table_ops(endpoint)
            out = subprocess.run(args, env=ENV, capture_output=True, text=True, timeout=300)
            check(out.returncode == 0, f"cycle {cycle}: watch exits 0 ({out.stderr.strip()[-300:]})")
            c = json.loads(out.stdout.strip().splitlines()[-1])["cycles"][0]
            counted = {op: n - before[op] for op, n in table_ops(endpoint).items()}
            writes = c.get("state_writes", {})
            shape = {"full": c["full_inventory"], "nodes": c["nodes_known"],
                     "records_written": writes.get("records", NODES), "records_removed": writes.get("removed", 0),
                     "records_moved": writes.get("moved", 0), "notices": len(c["notices"]),
                     "published": c["delivery"]["sent"]}
            expect = predicted(shape)
            check(counted == expect, f"cycle {cycle} ({'full' if shape['full'] else 'steady'}, "
                                     f"{shape['records_written']} records written): counted {counted} == model {expect}")
            if c["full_inventory"]:
                full_times.append(c["server_time"])
                if len(full_times) > 1:
                    rewritten.append(shape["records_written"])
        # A cold record is rewritten when its ping moves into its next bucket: of the fleet, (simulated time since
        # the previous full inventory) / bucket, capped at the whole fleet once that time reaches a bucket. The
        # simulated time is measured (server_time), not assumed: at 600x a loaded machine stretches it.
        check(len(full_times) >= 3, f"{len(full_times)} full inventories ran")
        intervals = [b - a for a, b in zip(full_times, full_times[1:])]
        expect_rewrites = sum(NODES * min(1.0, dt / BUCKET_SECONDS) for dt in intervals)
        got = sum(rewritten)
        check(abs(got - expect_rewrites) <= max(15, 0.4 * expect_rewrites),
              f"records rewritten by full inventories after the first: {got}, model {expect_rewrites:.0f} "
              f"({', '.join(f'{dt / 60:.0f}' for dt in intervals)} simulated minutes apart, "
              f"{BUCKET_SECONDS / 3600:.0f}-hour buckets)")
        # The saving the model counts on: a full inventory well within one bucket of the previous one rewrites only
        # the records whose bucket moved, not every record. (Normally the inventories are minutes apart.)
        within = [(dt, n) for dt, n in zip(intervals, rewritten) if dt < BUCKET_SECONDS / 2]
        check(within and all(n < NODES for _, n in within),
              f"full inventories within half a bucket of the previous one do not rewrite every record: "
              f"{[(round(dt / 60), n) for dt, n in within]} (simulated minutes apart, records written of {NODES})")
        cost = subprocess.run([BIN, "cost", "--nodes", "10000", "--json"], env=ENV, capture_output=True, text=True)
        watch = [d for d in json.loads(cost.stdout)["designs"] if d["design"] == "watch"][0]
        check(watch["monthly_usd"] <= 10.0, f"watch at 10,000 nodes: ${watch['monthly_usd']:.2f} a month (<= $10)")
    finally:
        stack.terminate()
        try:
            stack.wait(10)
        except subprocess.TimeoutExpired:
            stack.kill()
        log.close()
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()

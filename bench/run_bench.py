#!/usr/bin/env python3
"""`make bench`: pingwatch against the post's Python functions, side by side on the same local stack.

For each fleet size, one local stack (`pingwatch local --nodes N`) with an injected per-request latency
(default 20 ms, `--latency`) so that round trips cost what they cost on AWS. In every round, alternating:
  post      the post's two functions, unchanged, with Debian's boto3 (bench/post/run_post_function.py)
  pingwatch `pingwatch publish` + `pingwatch sync-alarms` (the post's two jobs, as two commands)
  cycle     `pingwatch cycle` (the same two jobs on one reading of the node list)
  watch     `pingwatch watch`
sync-alarms and cycle keep their memo in a --state file, as the daemon and a warm Lambda keep it in memory.
Per cycle: API calls (GET /_local/stats deltas), wall time, CPU time, peak RSS of the process (wait4 rusage).
The first cycle of each is reported apart from the steady state; steady-state figures are the median (and
min..max) over the rounds. Writes docs/benchmarks.md, docs/benchmarks.json and docs/benchmarks.png.
"""
import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

p = argparse.ArgumentParser()
p.add_argument("--build", default=os.path.join(ROOT, "build"))
p.add_argument("--sizes", default="100,1000,10000,100000")
p.add_argument("--rounds", type=int, default=3)
p.add_argument("--latency", type=float, default=20.0, help="ms added to every API request by the stack")
p.add_argument("--post-max-nodes", type=int, default=10000,
               help="largest fleet the post's functions are run on (one PutMetricData per node: 100,000 nodes "
                    "take over half an hour a cycle at 20 ms); beyond it the post's figures are projected")
p.add_argument("--out", default=os.path.join(ROOT, "docs"))
p.add_argument("--merge", action="store_true",
               help="keep the other fleet sizes (and, with --skip-extras, the cold-start and stack figures) of an "
                    "existing docs/benchmarks.json: re-measure one size without re-running the rest")
p.add_argument("--skip-extras", action="store_true", help="skip the cold-start and stack-throughput measurements")
p.add_argument("--cold-start-only", action="store_true",
               help="measure only the Lambda cold starts (and the zip's size); keep every other figure of an existing "
                    "docs/benchmarks.json")
p.add_argument("--organization", default="100x500",
               help="ACCOUNTSxNODES for the organization figures (issue 13): that many member accounts, each with NODES "
                    "nodes in each of two regions, watched as one organization; '' skips them")
p.add_argument("--organization-only", action="store_true",
               help="measure only the organization figures; keep every other figure of an existing docs/benchmarks.json")
p.add_argument("--inventory-only", metavar="SIZES",
               help="measure only the full-inventory figures (sequential pages against the partitioned listing) at these "
                    "comma-separated fleet sizes; keep every other figure of an existing docs/benchmarks.json")
args = p.parse_args()

BIN = os.path.join(args.build, "src", "pingwatch")
POST = os.path.join(ROOT, "bench", "post", "run_post_function.py")
ENV = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION="us-east-1",
           AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")
for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
    ENV.pop(k, None)
TOPIC = "arn:aws:sns:us-east-1:123456789012:SSM-Ping"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(url, data=None):
    req = urllib.request.Request(url, data=json.dumps(data).encode() if data is not None else None,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def run_measured(cmd, env):
    """Runs cmd; returns wall, CPU (user+sys) and peak RSS of that process alone.

    Peak RSS comes from GNU time (/usr/bin/time), not from this process's wait4: Linux records the high-water
    mark of the memory an exec replaces, so a child forked from this Python process would report at least
    this process's own RSS (tens of MB) however little it used itself."""
    # Output goes to files, not pipes: a job logging one line per alarm would fill a pipe nobody reads yet.
    with tempfile.TemporaryFile() as out_f, tempfile.TemporaryFile() as err_f, \
            tempfile.NamedTemporaryFile(mode="r", suffix=".rss") as rss_f:
        start = time.monotonic()
        proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_f.name, *cmd], env=env, stdout=out_f,
                                stderr=err_f)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        out_f.seek(0)
        err_f.seek(0)
        out, err = out_f.read().decode(errors="replace"), err_f.read().decode(errors="replace")
        rss_lines = [x for x in rss_f.read().split() if x.isdigit()]
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0,):
        print(f"  ! {' '.join(cmd[:3])} exited {proc.returncode}: {(err or out)[-400:]}", file=sys.stderr)
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_rss_mb": int(rss_lines[-1]) / 1024 if rss_lines else 0.0, "rc": proc.returncode}


class Stack:
    def __init__(self, nodes, extra=()):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="pingwatch-bench-stack-", suffix=".log", delete=False)
        # time scale 1: the jobs must not see the fleet change under them while they are measured.
        self.proc = subprocess.Popen([BIN, "local", "--port", str(self.port), "--nodes", str(nodes),
                                      "--time-scale", "1", "--latency", str(args.latency), *extra],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=ENV)
        for _ in range(1200):
            try:
                if get(self.url + "/_local/health").get("status") == "ready":
                    break
            except Exception:
                time.sleep(0.1)
        else:
            raise SystemExit(f"local stack did not start; see {self.log.name}")

    def calls(self):
        return get(self.url + "/_local/stats")["total"]

    def rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def cycle(stack, kind, state_file):
    before = stack.calls()
    if kind == "post":
        env = dict(ENV, CWAlarmSNSTopic=TOPIC)
        parts = [run_measured(["/usr/bin/python3", POST, f, "--endpoint-url", stack.url], env)
                 for f in ("check-status", "create-alarm")]
    elif kind in ("pingwatch", "cycle"):
        common = ["--endpoint-url", stack.url, "--region", "us-east-1"]
        # The local stack enforces no quota unless asked; a first cycle of 100,000 alarms at AWS's 3 TPS would
        # take 9 hours, so alarm writes go at up to 1,000/s on 8 connections (steady cycles write nothing).
        alarms = ["--topic-arn", TOPIC, "--state", state_file + "." + kind, "--set", "alarm.put_tps=1000",
                  "--set", "alarm.write_concurrency=8"]
        if kind == "pingwatch":
            parts = [run_measured([BIN, "publish", *common], ENV),
                     run_measured([BIN, "sync-alarms", *common, *alarms], ENV)]
        else:
            parts = [run_measured([BIN, "cycle", *common, *alarms], ENV)]
    else:
        parts = [run_measured([BIN, "watch", "--endpoint-url", stack.url, "--region", "us-east-1",
                               "--state", state_file, "--topic-arn", TOPIC], ENV)]
    return {"calls": stack.calls() - before,
            "wall_s": sum(x["wall_s"] for x in parts),
            "cpu_s": sum(x["cpu_s"] for x in parts),
            "peak_rss_mb": max(x["peak_rss_mb"] for x in parts),
            "ok": all(x["rc"] == 0 for x in parts)}


INVENTORY_TOOL = os.path.join(args.build, "tests", "inventory_tool")


def inventory(stack):
    """The full inventory in one process: the sequential NextToken chain, then the partitioned listing (a cold
    census, then warm rounds: docs/architecture.md, "Partitioned inventory"). Seconds, pages, nodes."""
    if not os.access(INVENTORY_TOOL, os.X_OK):
        return None
    run = subprocess.run([INVENTORY_TOOL, stack.url, "--rounds", "4"], capture_output=True, text=True, env=ENV)
    if run.returncode != 0:
        print(f"  inventory_tool failed: {run.stderr.strip()}", flush=True)
        return None
    out = json.loads(run.stdout)
    warm = out["partitioned"][1:]
    print(f"  inventory sequential={out['sequential']['seconds']:.2f}s warm={[round(w['seconds'], 2) for w in warm]} "
          f"best={out.get('warm_over_sequential', 0):.2f}x", flush=True)
    return out


ORG_REGIONS = ("us-east-1", "ap-northeast-1")
ORG_FULL_EVERY = 5


def organization_figures(spec):
    """watch over a whole organization (docs/local-stack.md, "An AWS Organization"): ACCOUNTS members x 2 regions x
    NODES nodes, plus the management account's own. One-shot `pingwatch watch` runs on one state file, as a cold
    Lambda would run them: the first is the baseline (a full inventory of every pair), then steady cycles, then
    the full inventory that every watch.full_every-th cycle makes."""
    accounts, nodes = (int(x) for x in spec.split("x"))
    stack = Stack(nodes, ["--accounts", str(accounts), "--regions", ",".join(ORG_REGIONS)])
    state = tempfile.mktemp(prefix="pingwatch-bench-org-", suffix=".db")
    cmd = [BIN, "watch", "--endpoint-url", stack.url, "--region", "us-east-1", "--state", state, "--topic-arn", TOPIC,
           "--accounts", "organization:PingwatchMember@" + "+".join(ORG_REGIONS),
           "--set", f"watch.full_every={ORG_FULL_EVERY}"]
    runs = []
    try:
        total = get(stack.url + "/_local/health").get("nodes")
        for i in range(2 * ORG_FULL_EVERY + 1):
            before = stack.calls()
            m = run_measured(cmd, ENV)
            m["calls"] = stack.calls() - before
            m["full_inventory"] = i % ORG_FULL_EVERY == 0
            runs.append(m)
            print(f"  org cycle {i}: {'full' if m['full_inventory'] else 'steady'} {m['wall_s']:.2f} s, "
                  f"{m['calls']} calls, {m['peak_rss_mb']:.0f} MB, rc {m['rc']}", flush=True)
        stack_rss = stack.rss_mb()
    finally:
        stack.close()
    steady = [r for r in runs if not r["full_inventory"]]
    full = [r for r in runs[1:] if r["full_inventory"]]

    def pick(xs, key):
        return {"median": statistics.median(x[key] for x in xs), "min": min(x[key] for x in xs),
                "max": max(x[key] for x in xs)}
    return {"accounts": accounts + 1, "regions": len(ORG_REGIONS), "nodes_per_pair": nodes, "nodes": total,
            "pairs": (accounts + 1) * len(ORG_REGIONS), "full_every": ORG_FULL_EVERY, "stack_peak_rss_mb": stack_rss,
            "baseline": runs[0], "ok": all(r["rc"] == 0 for r in runs),
            "steady": {k: pick(steady, k) for k in ("wall_s", "cpu_s", "peak_rss_mb", "calls")},
            "full": {k: pick(full, k) for k in ("wall_s", "cpu_s", "peak_rss_mb", "calls")}}


def summarise(samples):
    out = {}
    for key in ("calls", "wall_s", "cpu_s", "peak_rss_mb"):
        vals = [s[key] for s in samples]
        out[key] = {"median": statistics.median(vals), "min": min(vals), "max": max(vals)}
    out["ok"] = all(s["ok"] for s in samples)
    return out


results = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
           "latency_ms": args.latency, "rounds": args.rounds, "sizes": {}}
JSON_PATH = os.path.join(args.out, "benchmarks.json")
previous = {}
inventory_sizes = [x.strip() for x in (args.inventory_only or "").split(",") if x.strip()]
if args.cold_start_only or args.organization_only or inventory_sizes:
    args.merge, args.sizes = True, ""
    args.organization = args.organization if args.organization_only else ""
    args.skip_extras = args.skip_extras or args.organization_only or bool(inventory_sizes)
if args.merge and os.path.exists(JSON_PATH):
    previous = json.load(open(JSON_PATH))
    results["sizes"] = previous.get("sizes", {})
for n in [int(x) for x in args.sizes.split(",") if x.strip()]:   # --sizes "": only the cold-start and stack figures
    print(f"== {n} nodes", flush=True)
    stack = Stack(n)
    state = tempfile.mktemp(prefix="pingwatch-bench-watch-", suffix=".db")
    kinds = (["post"] if n <= args.post_max_nodes else []) + ["pingwatch", "cycle", "watch"]
    first, steady = {}, {k: [] for k in kinds}
    try:
        for r in range(args.rounds + 1):
            for kind in kinds:
                c = cycle(stack, kind, state)
                print(f"  round {r} {kind:<9} calls={c['calls']:<7} wall={c['wall_s']:.2f}s cpu={c['cpu_s']:.2f}s "
                      f"rss={c['peak_rss_mb']:.1f}MB ok={c['ok']}", flush=True)
                (steady[kind].append(c) if r else first.__setitem__(kind, c))
        entry = {"first": first, "steady": {k: summarise(v) for k, v in steady.items()},
                 "stack_peak_rss_mb": stack.rss_mb(), "inventory": inventory(stack)}
    finally:
        stack.close()
    results["sizes"][str(n)] = entry


# --- Lambda-shaped figures: exec to first Runtime API request, and to the end of the first invocation -------------
import http.server
import threading


def cold_start(cmd, env_extra, invocations=1):
    """Serves a fake Runtime API; returns seconds from exec to the first /next and to the first response."""
    marks = {}
    done = threading.Event()

    class Api(http.server.BaseHTTPRequestHandler):
        served = 0

        def log_message(self, *a):
            pass

        def do_GET(self):
            marks.setdefault("first_next", time.monotonic())
            if Api.served >= invocations:
                done.wait(5)
                self.send_response(500)
                self.end_headers()
                return
            Api.served += 1
            body = json.dumps({"version": "0", "detail-type": "Scheduled Event", "source": "aws.events"}).encode()
            self.send_response(200)
            for k, v in (("Lambda-Runtime-Aws-Request-Id", f"req-{Api.served}"),
                         ("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 60000)),
                         ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:f"),
                         ("Lambda-Runtime-Trace-Id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700"),
                         ("Content-Length", str(len(body)))):
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            marks.setdefault("first_done", time.monotonic())
            marks["status"] = "error" if self.path.endswith("/error") else "ok"
            self.send_response(202)
            self.end_headers()
            done.set()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(ENV, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_address[1]}", **env_extra)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done.wait(60)
    proc.kill()
    proc.wait()
    server.shutdown()
    return {"first_next_ms": (marks.get("first_next", start) - start) * 1000,
            "first_invocation_ms": (marks.get("first_done", start) - start) * 1000, "status": marks.get("status")}


COLD_RUNS = 11   # exec-to-first-request is a few milliseconds: more runs than the cycles for a stable median


def cold_starts(stack_url):
    # The zip `make package` builds, from this build's slim executable (pingwatch-lambda).
    task = tempfile.mkdtemp(prefix="pingwatch-bench-task-")
    zip_path = os.path.join(task, "pingwatch-lambda.zip")
    subprocess.run([os.path.join(ROOT, "scripts", "package-lambda.sh"), os.path.join(args.build, "src", "pingwatch-lambda"),
                    zip_path], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["unzip", "-q", "-o", zip_path, "-d", task], check=True)
    cpp = [cold_start([os.path.join(task, "bootstrap")],
                      {"_HANDLER": "publish", "LAMBDA_TASK_ROOT": task, "AWS_ENDPOINT_URL": stack_url})
           for _ in range(COLD_RUNS)]
    py = [cold_start(["/usr/bin/python3", os.path.join(ROOT, "bench", "post", "python_bootstrap.py")],
                     {"_HANDLER": "check_ssm_agent_status.lambda_handler", "LAMBDA_TASK_ROOT": os.path.join(ROOT, "bench", "post"),
                      "PINGWATCH_BENCH_ENDPOINT": stack_url})
          for _ in range(COLD_RUNS)]
    med = lambda xs, k: statistics.median(x[k] for x in xs)  # noqa: E731
    def summary(xs):
        return {"first_next_ms": med(xs, "first_next_ms"), "first_invocation_ms": med(xs, "first_invocation_ms"),
                "first_next_ms_range": [min(x["first_next_ms"] for x in xs), max(x["first_next_ms"] for x in xs)],
                "runs": len(xs)}
    out = {"pingwatch": summary(cpp), "python": summary(py), "zip_bytes": os.path.getsize(zip_path)}
    print(f"cold start, median of {COLD_RUNS}: exec to first next: pingwatch {out['pingwatch']['first_next_ms']:.1f} ms, "
          f"python + boto3 {out['python']['first_next_ms']:.1f} ms: "
          f"{out['python']['first_next_ms'] / max(out['pingwatch']['first_next_ms'], 1e-9):.1f}x sooner; first invocation "
          f"done: {out['pingwatch']['first_invocation_ms']:.1f} ms against {out['python']['first_invocation_ms']:.1f} ms; "
          f"zip {out['zip_bytes'] / 1e6:.2f} MB", flush=True)
    return out


# --- the local stack itself: requests per second on this machine ---------------------------------------------------
def stack_throughput():
    load = os.path.join(args.build, "bench", "stack_load")
    out = {}
    saved_latency, args.latency = args.latency, 0
    stack = Stack(10000)
    args.latency = saved_latency
    try:
        for op in ("describe", "put"):
            r = subprocess.run([load, "--endpoint-url", stack.url, "--op", op, "--threads", "4", "--seconds", "5"],
                               env=ENV, capture_output=True, text=True)
            out[op] = json.loads(r.stdout.strip().splitlines()[-1]) if r.stdout.strip() else {"error": r.stderr[-300:]}
        out["stack_peak_rss_mb_10000_nodes"] = stack.rss_mb()
    finally:
        stack.close()
    big = Stack(100000)
    try:
        out["stack_rss_mb_100000_nodes"] = big.rss_mb()
    finally:
        big.close()
    return out


if args.skip_extras:
    for key in ("cold_start", "stack_throughput"):
        if key in previous:
            results[key] = previous[key]
else:
    small = Stack(100)
    try:
        results["cold_start"] = cold_starts(small.url)
    finally:
        small.close()
    if args.cold_start_only:
        if "stack_throughput" in previous:
            results["stack_throughput"] = previous["stack_throughput"]
    else:
        results["stack_throughput"] = stack_throughput()

for n in inventory_sizes:
    print(f"== full inventory, {n} nodes", flush=True)
    stack = Stack(int(n))
    try:
        results["sizes"].setdefault(n, {})["inventory"] = inventory(stack)
    finally:
        stack.close()

if args.organization and (not args.cold_start_only or args.organization_only):
    print(f"== organization {args.organization}", flush=True)
    results["organization"] = organization_figures(args.organization)
elif "organization" in previous:
    results["organization"] = previous["organization"]

os.makedirs(args.out, exist_ok=True)
with open(JSON_PATH, "w") as f:
    json.dump(results, f, indent=1)
subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "report.py"), os.path.join(args.out, "benchmarks.json"),
                args.out], check=True)

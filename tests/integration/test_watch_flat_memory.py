#!/usr/bin/python3
"""Flat memory (issue 14 §7): a full inventory must not hold the listing and every record (twice), nor every
record it writes. Against `pingwatch local --nodes 40000`, watch runs a full inventory (every record new), a
steady cycle, then a second full inventory over 40,000 stored records, on SQLite and on DynamoDB; each full
inventory's peak RSS (GNU time's %M) may exceed the steady cycle's by at most 1,000 bytes a node (40 MB here).
Before the streamed inventory a later full inventory took ~2 KB a node (80 MB here) and a first one ~1.5 KB
(SQLite) to ~4 KB (DynamoDB); streamed, both take ~350 B (SQLite) to ~650 B (DynamoDB)."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import pwtest  # noqa: E402

NODES = 40000
TIME = "/usr/bin/time"
BYTES_PER_NODE = 1000


def run_watch(stack, backend_args, work):
    """One watch cycle; its peak RSS in MB (GNU time's %M: the child's ru_maxrss)."""
    rss_file = os.path.join(work, "rss")
    cmd = [TIME, "-o", rss_file, "-f", "%M", pwtest.PINGWATCH, "watch", "--endpoint-url", stack.url,
           "--region", "us-east-1", "--set", "watch.full_every=2", *backend_args]
    run = subprocess.run(cmd, capture_output=True, text=True, env=pwtest.aws_env(), timeout=180)
    pwtest.check(run.returncode == 0, f"watch {' '.join(backend_args[:2])} ran", run.stderr[-500:])
    cycle = json.loads(run.stdout)
    with open(rss_file) as f:
        return int(f.read().split()[-1]) / 1024, cycle


def main():
    if not os.access(TIME, os.X_OK):
        pwtest.skip("GNU time (/usr/bin/time) is not installed")
    work = tempfile.mkdtemp(prefix="pw-flatmem-")
    with pwtest.LocalStack("--nodes", NODES, "--time-scale", "1", work=work) as stack:
        backends = {"SQLite": ["--state", os.path.join(work, "watch.db")],
                    "DynamoDB": ["--dynamodb-table", "pwflat", "--set", "watch.create_table=true"]}
        for name, args in backends.items():
            peaks = []
            for _ in range(3):
                peaks.append(run_watch(stack, args, work)[0])
            first, steady, later = peaks
            print(f"{name}: first full {first:.0f} MB, steady {steady:.0f} MB, later full {later:.0f} MB", flush=True)
            bound = steady + NODES * BYTES_PER_NODE / 2**20
            for what, peak in (("the first full inventory (every record new)", first),
                               (f"a full inventory over {NODES} stored records", later)):
                pwtest.check(peak <= bound, f"{name}: {what} peaks at {peak:.0f} MB <= steady {steady:.0f} MB "
                             f"+ {BYTES_PER_NODE} B a node ({bound:.0f} MB)")
    pwtest.done()


if __name__ == "__main__":
    main()

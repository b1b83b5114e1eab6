#!/usr/bin/python3
"""The dashboard in a real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core from
tests/browser/): `pingwatch run --jobs watch --interval 5 --listen` against the local stack; the page lists the
lost nodes (also with JavaScript off, and it fits a phone), then shows them recovered and other nodes lost
without a reload, and asks nothing of any other server. The screenshot goes to $PINGWATCH_DASHBOARD_SCREENSHOT
(docs/dashboard.png when refreshing the README's picture), else the build folder."""
import os
import shutil
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import pwtest  # noqa: E402
import status_daemon  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BROWSER_DIR = os.path.join(HERE, "..", "browser")


def fault(stack, instance_id, kind):
    stack.post("/_local/fleet/faults", {"instance_id": instance_id, "fault": kind})


def main():
    if not os.path.exists("/usr/bin/chromium"):
        pwtest.skip("/usr/bin/chromium is not installed (Debian package chromium; scripts/setup.sh installs it)")
    if not os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "playwright-core")) or not shutil.which("node"):
        pwtest.skip("playwright-core is not installed in tests/browser (scripts/setup.sh runs npm ci there)")
    work = tempfile.mkdtemp(prefix="pw-dash-")
    shot = os.environ.get("PINGWATCH_DASHBOARD_SCREENSHOT") or os.path.join(
        os.environ.get("PINGWATCH_BUILD_DIR", work), "dashboard.png")
    with pwtest.LocalStack("--nodes", "40", "--time-scale", "120", "--fleet-seed", "5", work=work) as stack:
        ids = sorted(n["instance_id"] for n in stack.get("/_local/fleet")["nodes"])
        first, second = ids[:3], ids[10:14]
        for i in first:
            fault(stack, i, "agent-stop")
        with status_daemon.Daemon(stack.url, work) as d:
            d.wait_for(lambda: d.lost_ids() == first, 90, "the first lost nodes in /api/v1/nodes")
            browser = subprocess.Popen(["node", os.path.join(BROWSER_DIR, "dashboard.mjs"), d.url, shot, *first],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                       text=True, cwd=BROWSER_DIR)
            timer = threading.Timer(400, browser.kill)   # bounded: a hung browser fails the test, never blocks it
            timer.start()
            try:
                for line in browser.stdout:
                    line = line.rstrip("\n")
                    if line.startswith("ok "):
                        pwtest.ok(line[3:])
                    elif line == "lost-seen":
                        for i in first:
                            fault(stack, i, "recover")
                        for i in second:
                            fault(stack, i, "network-block")
                        browser.stdin.write(f"changed {','.join(first)} {','.join(second)}\n")
                        browser.stdin.flush()
                    elif line == "done":
                        break
                    else:
                        print(line, flush=True)
                        if line.startswith("FAIL"):
                            pwtest.fail("the browser check failed: " + line + "; daemon log tail: " + d.log_text()[-1000:])
                browser.wait(timeout=60)
            finally:
                timer.cancel()
            pwtest.check(browser.returncode == 0, f"the browser script exited 0 ({browser.returncode})")
            pwtest.check(os.path.getsize(shot) > 10000, f"screenshot written: {shot}")
    pwtest.done()


if __name__ == "__main__":
    main()

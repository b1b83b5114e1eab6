"""`pingwatch run --jobs watch --listen 127.0.0.1:0` against a local stack, for the status server's tests.

    with status_daemon.Daemon(stack.url, work) as d:
        d.get_json("/api/v1/nodes")
"""
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pwtest


class Daemon:
    def __init__(self, endpoint, work, *extra, interval=5):
        self.log_path = os.path.join(work, "daemon.log")
        self.log = open(self.log_path, "w")
        self.state = os.path.join(work, "watch.db")
        cmd = [pwtest.PINGWATCH, "run", "--jobs", "watch", "--interval", str(interval), "--listen", "127.0.0.1:0",
               "--endpoint-url", endpoint, "--set", f"watch.state={self.state}", "--set", "watch.full_every=1", *extra]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=pwtest.aws_env())
        self.url = self._wait_for_url()

    def _wait_for_url(self):
        for _ in range(300):
            m = re.search(r'"url":"(http://127\.0\.0\.1:\d+)"', self.log_text())
            if m:
                return m.group(1)
            if self.proc.poll() is not None:
                pwtest.fail("pingwatch run exited: " + self.log_text())
            time.sleep(0.1)
        pwtest.fail("pingwatch run did not log its status server URL")

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()

    def log_lines(self):
        out = []
        for line in self.log_text().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out

    def cycles_finished(self):
        return sum(1 for l in self.log_lines() if l.get("job") == "watch" and "duration_seconds" in l)

    def request(self, path, method="GET", timeout=10):
        """(status, headers, body bytes) for any status."""
        req = urllib.request.Request(self.url + path, method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def get_json(self, path):
        status, _, body = self.request(path)
        if status != 200:
            pwtest.fail(f"GET {path}: HTTP {status}: {body[:300]!r}")
        return json.loads(body)

    def wait_for(self, predicate, seconds, what):
        deadline = time.time() + seconds
        last = None
        while time.time() < deadline:
            try:
                last = predicate()
                if last:
                    return last
            except (OSError, ValueError) as e:
                last = e
            time.sleep(0.5)
        pwtest.fail(f"timed out after {seconds} s waiting for {what} (last: {last!r}); daemon log tail: "
                    + self.log_text()[-1500:])

    def lost_ids(self):
        return sorted(n["instance_id"] for n in self.get_json("/api/v1/nodes?condition=lost"))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

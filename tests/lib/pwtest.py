"""Shared by the Python integration and conformance tests: reporting, a `pingwatch local` process,
a `moto_server` process (an AWS implementation nobody here wrote) and a clean AWS environment.

Import it from a test script with:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
    import pwtest
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

PINGWATCH = os.environ.get("PINGWATCH_BIN", "")
# The pyenv interpreter this machine kind ships (boto3/botocore 1.43, moto 5.2.1); Debian's is /usr/bin/python3.
PYENV_PYTHON = os.path.expanduser("~/.pyenv/versions/3.11.7/bin/python3")

_passed = 0


def ok(what):
    global _passed
    _passed += 1
    print(f"ok - {what}", flush=True)


def fail(what):
    print(f"FAIL: {what}", file=sys.stderr, flush=True)
    sys.exit(1)


def check(condition, what, detail=""):
    """ok(what) when condition holds, else fail with what and the detail that shows why."""
    if condition:
        ok(what)
    else:
        fail(f"{what}: {detail}" if detail else what)


def skip(why):
    """The whole script cannot run here: say why and exit 0 (ctest shows the line)."""
    print(f"skipped: {why}", flush=True)
    sys.exit(0)


def done():
    print(f"{_passed} checks passed", flush=True)


def aws_env(**extra):
    """The environment for a child that talks to a test endpoint: key pair test/test, no profile or config leaking in."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION="us-east-1",
               AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "PINGWATCH_CONFIG", "CWAlarmSNSTopic", "AWS_ENDPOINT_URL",
              "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        env.pop(k, None)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get_json(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.load(r)


class LocalStack:
    """`pingwatch local --port 0 ARGS...` as a child process; stop() (or the with-block) ends it."""

    def __init__(self, *args, work=None, env=None):
        if not PINGWATCH:
            fail("PINGWATCH_BIN must point at the pingwatch binary")
        self.work = work or tempfile.mkdtemp(prefix="pw-stack-")
        self.out = open(os.path.join(self.work, "stack.out"), "w+")
        self.err = open(os.path.join(self.work, "stack.err"), "w+")
        self.proc = subprocess.Popen([PINGWATCH, "local", "--port", "0", *map(str, args)],
                                     stdout=self.out, stderr=self.err, env=env or aws_env())
        self.url = self._wait_for_url()
        self._wait_ready()

    def _wait_for_url(self):
        for _ in range(300):
            self.out.seek(0)
            m = re.search(r"^pingwatch local listening on (http:\S+)$", self.out.read(), re.M)
            if m:
                return m.group(1)
            if self.proc.poll() is not None:
                self.err.seek(0)
                fail("local stack exited: " + self.err.read())
            time.sleep(0.1)
        fail("local stack did not print its URL")

    def _wait_ready(self):
        for _ in range(100):
            try:
                if self.get("/_local/health")["status"] == "ready":
                    return
            except Exception:
                pass
            time.sleep(0.1)
        fail("local stack never became ready")

    def get(self, path):
        return _get_json(self.url + path)

    def post(self, path, body):
        req = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.load(r)

    def count(self, service, op):
        """How many requests of service.op the stack has answered."""
        ops = self.get("/_local/stats").get("services", {}).get(service, {}).get("operations", {})
        return ops.get(op, {}).get("count", 0)

    def stderr_text(self):
        self.err.seek(0)
        return self.err.read()

    def stop(self):
        _stop(self.proc)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def reference_tool(name):
    """The path of a console script (moto_server, cfn-lint, aws) of this interpreter or on PATH, else None.
    Next to sys.executable first: ctest may run the pyenv interpreter with a PATH that lacks its bin folder."""
    beside = os.path.join(os.path.dirname(sys.executable), name)
    if os.access(beside, os.X_OK):
        return beside
    return shutil.which(name)


def _stop(proc):
    """SIGTERM, then SIGKILL after 10 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def moto_available(module=False, min_botocore=None):
    """None when moto_server can run here (with module=True: and this interpreter imports moto itself; with
    min_botocore=(1, 43): and its botocore is at least that), else the reason it cannot."""
    if not reference_tool("moto_server"):
        return "moto_server is not on PATH (this machine kind's pyenv Python 3.11.7 ships moto 5.2.1)"
    for name in ("boto3", "moto") if module else ("boto3",):
        try:
            __import__(name)
        except ImportError:
            return f"{name} is not importable by {sys.executable} (run with the pyenv python3)"
    import botocore
    version = tuple(int(x) for x in botocore.__version__.split(".")[:2])
    if min_botocore and version < tuple(min_botocore):
        return f"botocore {botocore.__version__} of {sys.executable} is older than {'.'.join(map(str, min_botocore))}"
    return None


class MotoServer:
    """`moto_server -p PORT` on loopback, a free port; reset() empties it between cases."""

    def __init__(self):
        why = moto_available()
        if why:
            skip(why)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="moto-", suffix=".log", delete=False)
        self.proc = subprocess.Popen([reference_tool("moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=2).read()
                return
            except Exception:
                if self.proc.poll() is not None:
                    fail(f"moto_server exited; see {self.log.name}")
                time.sleep(0.1)
        fail(f"moto_server did not answer on {self.url}")

    def reset(self):
        urllib.request.urlopen(urllib.request.Request(self.url + "/moto-api/reset", method="POST"), timeout=10).read()

    def stop(self):
        _stop(self.proc)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def boto3_client(service, endpoint_url, region="us-east-1", **config):
    """A boto3 client with test credentials for an endpoint, never reading the user's profile."""
    import boto3
    import botocore.config
    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=region)
    return session.client(service, endpoint_url=endpoint_url,
                          config=botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"}, **config))


def load_cfn_template(path):
    """A CloudFormation template as data: the short forms (!Ref, !Sub, !If, ...) become their long forms
    ({"Ref": ..}, {"Condition": ..}, {"Fn::Sub": ..}), GetAtt as [resource, attribute]. PyYAML where the interpreter
    has it, else ruamel.yaml (a dependency of Debian's awscli)."""
    def long_form(value, suffix):
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {suffix if suffix in ("Ref", "Condition") else "Fn::" + suffix: value}

    text = open(path, encoding="utf-8").read()
    try:
        import yaml
    except ImportError:
        from ruamel.yaml import YAML
        y = YAML(typ="safe")
        y.constructor.add_multi_constructor("!", lambda c, suffix, node: long_form(
            c.construct_scalar(node) if node.id == "scalar" else c.construct_sequence(node, deep=True)
            if node.id == "sequence" else c.construct_mapping(node, deep=True), suffix))
        return y.load(text)

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: long_form(
        loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else
        loader.construct_sequence(node, deep=True) if isinstance(node, yaml.SequenceNode) else
        loader.construct_mapping(node, deep=True), suffix))
    return yaml.load(text, Loader=Loader)

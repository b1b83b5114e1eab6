#!/usr/bin/python3
"""Secrets never appear in output or logs: status, publish, sync-alarms (also --dry-run), watch and a local
stack are run with unique marker strings as AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (accepted by the
stack through --credentials), plus failing runs (wrong secret -> SignatureDoesNotMatch, dead endpoint).
Everything they print (stdout, stderr) and the stack's own output is searched for the markers.

Lambda: the packaged functions (publish, sync-alarms, watch, and one with an unknown handler) run on the stack's
Lambda as child processes whose output is the function log ("[FunctionName] ..." lines in the stack's output).
Their own role credentials (AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, minted by the stack) are read from the
running function processes' environment and searched for in every function log line, with the markers."""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid

PINGWATCH = os.environ["PINGWATCH_BIN"]
# What the Lambda zip holds: the slim executable built beside pingwatch.
PINGWATCH_LAMBDA = os.environ.get("PINGWATCH_LAMBDA_BIN", os.path.join(os.path.dirname(PINGWATCH), "pingwatch-lambda"))
SECRET = "SECRETMARKER" + uuid.uuid4().hex
TOKEN = "TOKENMARKER" + uuid.uuid4().hex
WRONG = "WRONGSECRETMARKER" + uuid.uuid4().hex
passed = 0


def fail(what):
    print(f"FAIL: {what}", file=sys.stderr, flush=True)
    sys.exit(1)


def env_with(secret):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIAMARKERTEST000001", AWS_SECRET_ACCESS_KEY=secret,
               AWS_SESSION_TOKEN=TOKEN, AWS_REGION="us-east-1")
    for k in ("AWS_PROFILE", "PINGWATCH_CONFIG"):
        env.pop(k, None)
    return env


def descendants(pid):
    """Process ids below pid (the stack's function instances and what their bootstrap started)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def function_credentials(stack_pid):
    """{(secret, token)} from the environment of the stack's running function processes."""
    found = set()
    for pid in descendants(stack_pid):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
        except OSError:
            continue
        if b"AWS_LAMBDA_FUNCTION_NAME" in env and b"AWS_SECRET_ACCESS_KEY" in env:
            found.add((env[b"AWS_SECRET_ACCESS_KEY"].decode(), env.get(b"AWS_SESSION_TOKEN", b"").decode()))
    return found


def run_functions(url, env, work, topic, stack_pid):
    """Deploys the packaged zip as four functions, invokes each; returns (function creds, invocation outputs)."""
    source = os.environ.get("PINGWATCH_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))
    zip_path = os.path.join(work, "pingwatch-lambda.zip")
    subprocess.run([os.path.join(source, "scripts/package-lambda.sh"), PINGWATCH_LAMBDA, zip_path], check=True,
                   capture_output=True, timeout=300)
    aws = ["/usr/bin/aws", "--endpoint-url", url]
    functions = [("Publish", "publish", {}), ("SyncAlarms", "sync-alarms", {"CWAlarmSNSTopic": topic}),
                 ("Watch", "watch", {"PINGWATCH_WATCH_DYNAMODB_TABLE": "pingwatch-watch",
                                     "PINGWATCH_WATCH_CREATE_TABLE": "true", "PINGWATCH_WATCH_TOPIC_ARN": topic}),
                 ("BadHandler", "no-such-job", {})]
    outputs = []
    for name, handler, variables in functions:
        p = subprocess.run(aws + ["lambda", "create-function", "--function-name", name, "--runtime", "provided.al2023",
                                  "--handler", handler, "--role", f"arn:aws:iam::123456789012:role/{name}Role",
                                  "--zip-file", "fileb://" + zip_path, "--timeout", "60",
                                  "--environment", json.dumps({"Variables": variables})],
                           env=env, capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            fail(f"create-function {name}: {p.stderr}")
        outputs.append((f"create-function {name}", p.stdout + p.stderr))
    for name, _, _ in functions:   # Pending until Lambda has set the function up, as on AWS
        subprocess.run(aws + ["lambda", "wait", "function-active-v2", "--function-name", name], env=env,
                       capture_output=True, text=True, timeout=120, check=True)
    creds = set()
    for name, _, _ in functions:
        result = os.path.join(work, name + ".json")
        p = subprocess.run(aws + ["lambda", "invoke", "--function-name", name, "--log-type", "Tail", result],
                           env=env, capture_output=True, text=True, timeout=180)
        outputs.append((f"invoke {name}", p.stdout + p.stderr))
        if os.path.exists(result):
            with open(result, errors="replace") as f:
                outputs.append((f"invoke {name} result", f.read()))
        creds |= function_credentials(stack_pid)   # the instance stays warm after the invocation
    # The functions called the stack with their role credentials although --credentials replaced test/test.
    with open(os.path.join(work, "Publish.json")) as f:
        published = json.load(f)
    if published.get("data_published") != 30:
        fail(f"the Publish function did not publish the 30 nodes: {published}")
    return creds, outputs


def main():
    global passed
    outputs = []
    with tempfile.TemporaryDirectory() as work:
        creds = os.path.join(work, "keys.txt")
        with open(creds, "w") as f:
            f.write(f"AKIAMARKERTEST000001 {SECRET} 123456789012\n")
        out = open(os.path.join(work, "stack.out"), "w+")
        err = open(os.path.join(work, "stack.err"), "w+")
        stack = subprocess.Popen([PINGWATCH, "local", "--port", "0", "--nodes", "30", "--time-scale", "60",
                                  "--credentials", creds, "--mailbox", os.path.join(work, "mail")],
                                 stdout=out, stderr=err, env=env_with(SECRET))
        fn_creds, fn_outputs = set(), []
        try:
            url = None
            for _ in range(300):
                out.seek(0)
                m = re.search(r"^pingwatch local listening on (http:\S+)$", out.read(), re.M)
                if m:
                    url = m.group(1)
                    break
                time.sleep(0.1)
            if not url:
                fail("stack did not start")
            env = env_with(SECRET)
            topic = subprocess.run(["/usr/bin/aws", "--endpoint-url", url, "sns", "create-topic", "--name", "SSM-Ping",
                                    "--query", "TopicArn", "--output", "text"], env=env, capture_output=True,
                                   text=True, timeout=60).stdout.strip()
            env["CWAlarmSNSTopic"] = topic
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                dead = f"http://127.0.0.1:{s.getsockname()[1]}"
            runs = [
                (["status"], url, env),
                (["publish"], url, env),
                (["sync-alarms", "--dry-run"], url, env),
                (["sync-alarms"], url, env),
                (["watch"], url, env),
                (["watch", "--text"], url, env),
                (["publish"], url, env_with(WRONG)),          # refused: SignatureDoesNotMatch
                (["sync-alarms"], url, env_with(WRONG)),
                (["status"], url, env_with(WRONG)),
                (["publish"], dead, env),                      # connection refused
            ]
            codes = []
            for args, endpoint, e in runs:
                p = subprocess.run([PINGWATCH, *args, "--endpoint-url", endpoint, "--region", "us-east-1"], env=e,
                                   capture_output=True, text=True, timeout=120)
                codes.append((" ".join(args), p.returncode))
                outputs.append((" ".join(args) + " stdout", p.stdout))
                outputs.append((" ".join(args) + " stderr", p.stderr))
            if codes[1][1] != 0 or codes[6][1] == 0:
                fail(f"exit codes {codes}: publish must succeed with the right secret and fail with the wrong one")
            fn_creds, fn_outputs = run_functions(url, env, work, topic, stack.pid)
            outputs.extend(fn_outputs)
        finally:
            stack.terminate()
            stack.wait(timeout=20)
        out.seek(0)
        err.seek(0)
        outputs.append(("stack stdout", out.read()))
        outputs.append(("stack stderr", err.read()))
        for root, _, files in os.walk(os.path.join(work, "mail")):
            for name in files:
                with open(os.path.join(root, name), errors="replace") as f:
                    outputs.append(("mailbox " + name, f.read()))
    # The function logs: every "[FunctionName] ..." line the stack wrote for its function instances.
    stack_text = "".join(text for where, text in outputs if where.startswith("stack "))
    fn_log = [line for line in stack_text.splitlines()
              if re.search(r"\[(Publish|SyncAlarms|Watch|BadHandler)\] ", line)]
    if not fn_creds or any(s_ in ("", "test") or not t for s_, t in fn_creds):
        fail(f"could not read the functions' own credentials from their processes ({len(fn_creds)} found)")
    if len(fn_log) < 12 or not any("REPORT RequestId" in line for line in fn_log) \
            or not any("no-such-job" in line for line in fn_log):
        fail(f"only {len(fn_log)} function log lines (expected START/END/REPORT and the job's own lines for 4 functions)")
    for fn_secret, fn_token in fn_creds:
        for marker in (fn_secret, fn_token, fn_token[-40:]):
            for where, text in [("function log", "\n".join(fn_log))] + outputs:
                if marker in text:
                    fail(f"a function's role credential appears in {where}")
    outputs.append(("function log", "\n".join(fn_log)))
    passed += 1
    print(f"ok - the functions' own secret and session token ({len(fn_creds)} set(s), read from their processes) "
          f"appear in none of {len(fn_log)} function log lines nor any other output")
    total = sum(len(text) for _, text in outputs)
    if total < 500:
        fail(f"only {total} characters of output to search; the commands did not run")
    for where, text in outputs:
        for marker in (SECRET, TOKEN, WRONG, SECRET[:24], TOKEN[:24]):
            if marker in text:
                fail(f"a secret marker appears in {where}: ...{text[max(0, text.find(marker) - 80):text.find(marker) + 40]}...")
    passed += 1
    print(f"ok - no secret or session token in {len(outputs)} outputs ({total} characters) of {codes}")
    print(f"{passed} checks passed")


main()

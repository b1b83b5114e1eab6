#!/usr/bin/python3
"""Secrets never appear in output or logs: status, publish, sync-alarms (also --dry-run), watch and a local
stack are run with unique marker strings as AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (accepted by the
stack through --credentials), plus failing runs (wrong secret -> SignatureDoesNotMatch, dead endpoint).
Everything they print (stdout, stderr) and the stack's own output is searched for the markers."""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid

PINGWATCH = os.environ["PINGWATCH_BIN"]
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

#!/usr/bin/python3
"""The local stack's SigV4 check at the HTTP level, with botocore as the signer: a wrong secret (boto3 ->
SignatureDoesNotMatch / InvalidSignatureException), a scope naming another region or service, a replayed
request signed 20 minutes ago, and a body changed after signing are all refused; the untouched request passes."""
import datetime
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions

PINGWATCH = os.environ["PINGWATCH_BIN"]
passed = 0


def ok(what):
    global passed
    passed += 1
    print(f"ok - {what}", flush=True)


def fail(what):
    print(f"FAIL: {what}", file=sys.stderr, flush=True)
    sys.exit(1)


def send(url, body, secret="test", region="us-east-1", service="ssm", when=None, tamper=None, scope=None):
    req = botocore.awsrequest.AWSRequest(method="POST", url=url + "/", data=body, headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AmazonSSM.DescribeInstanceInformation"})
    signer = botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", secret), service, region)
    if when is not None:
        real = datetime.datetime

        class Fixed(datetime.datetime):
            @classmethod
            def utcnow(cls):
                return when
        botocore.auth.datetime.datetime = Fixed
        try:
            signer.add_auth(req)
        finally:
            botocore.auth.datetime.datetime = real
    else:
        signer.add_auth(req)
    prepared = req.prepare()
    data = prepared.body if tamper is None else tamper
    headers = dict(prepared.headers)
    if scope is not None:   # the signature stays, the scope it claims changes (e.g. signed for eu-west-1, says us-east-1)
        headers["Authorization"] = headers["Authorization"].replace(f"/{region}/{service}/", scope)
    r = urllib.request.Request(url + "/", data=data.encode() if isinstance(data, str) else data, method="POST",
                               headers=headers)
    try:
        with urllib.request.urlopen(r, timeout=10) as resp:
            return resp.status, resp.headers.get("x-amzn-ErrorType", ""), resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("x-amzn-ErrorType", ""), e.read().decode()


def main():
    with tempfile.TemporaryDirectory() as work:
        out = open(os.path.join(work, "out"), "w+")
        stack = subprocess.Popen([PINGWATCH, "local", "--port", "0", "--nodes", "3", "--time-scale", "1"],
                                 stdout=out, stderr=subprocess.DEVNULL)
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
            body = '{"MaxResults": 5}'
            status, code, _ = send(url, body)
            if status != 200:
                fail(f"a correctly signed request was refused: {status} {code}")
            ok("correctly signed DescribeInstanceInformation: 200")

            cases = {
                "wrong secret": dict(secret="not-the-secret"),
                "signed for eu-west-1, scope says us-east-1": dict(region="eu-west-1", scope="/us-east-1/ssm/"),
                "signed for monitoring, scope says ssm": dict(service="monitoring", scope="/us-east-1/ssm/"),
                "replayed, signed 20 minutes ago": dict(when=datetime.datetime.utcnow() - datetime.timedelta(minutes=20)),
                "body changed after signing": dict(tamper='{"MaxResults": 50}'),
            }
            for what, kw in cases.items():
                status, code, text = send(url, body, **kw)
                if status not in (400, 403) or "Signature" not in code + text and "Expired" not in code + text:
                    fail(f"{what}: {status} {code} {text[:200]}")
                if "replayed" in what and "expired" not in text.lower():
                    fail(f"replay refused for another reason than its date: {text[:200]}")
                ok(f"{what}: HTTP {status} {code or text[:60]}")

            for name, want in (("cloudwatch", "SignatureDoesNotMatch"), ("sns", "SignatureDoesNotMatch"),
                               ("ssm", "InvalidSignatureException")):
                client = boto3.client(name, endpoint_url=url, region_name="us-east-1", aws_access_key_id="test",
                                      aws_secret_access_key="wrong-secret",
                                      config=botocore.config.Config(retries={"max_attempts": 1}))
                call = {"cloudwatch": client.list_metrics if name == "cloudwatch" else None,
                        "sns": getattr(client, "list_topics", None),
                        "ssm": getattr(client, "describe_instance_information", None)}[name]
                try:
                    call()
                    fail(f"boto3 {name} with a wrong secret succeeded")
                except botocore.exceptions.ClientError as e:
                    if e.response["Error"]["Code"] != want:
                        fail(f"boto3 {name} wrong secret: {e.response['Error']}")
                ok(f"boto3 {name} with a wrong secret -> {want}")
        finally:
            stack.terminate()
            stack.wait(timeout=20)
    print(f"{passed} checks passed")


import botocore.config  # noqa: E402  (after the helpers, used in main)
main()

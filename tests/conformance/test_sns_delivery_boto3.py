"""boto3 (Debian's 1.26) against `pingwatch local`: SNS deliveries to an http endpoint (the SNS envelope and
headers) and to a Lambda function (the aws:sns event, through a real bootstrap process), and an SNS topic as an
EventBridge target."""
import http.server
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

import boto3
import botocore.exceptions

print(f"client: boto3 {boto3.__version__} / botocore {botocore.__version__} ({sys.executable})", flush=True)

BIN = os.environ["PINGWATCH_BIN"]
passed = 0


def ok(name):
    global passed
    passed += 1
    print(f"ok - {name}")


def wait_for(predicate, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return predicate()


received = []


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        received.append((dict(self.headers), body.decode()))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


work = tempfile.mkdtemp(prefix="pingwatch-boto3-")
stack = subprocess.Popen([BIN, "local", "--port", "0", "--nodes", "1", "--time-scale", "30", "--auto-confirm", "--mailbox",
                          os.path.join(work, "mail")], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
hook = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
threading.Thread(target=hook.serve_forever, daemon=True).start()
try:
    url = None
    deadline = time.monotonic() + 30
    while url is None and time.monotonic() < deadline:
        line = stack.stdout.readline()
        if not line:
            break
        m = re.match(r"^pingwatch local listening on (http:\S+)$", line.strip())
        if m:
            url = m.group(1)
    assert url, "the stack did not print its URL"
    threading.Thread(target=lambda: [None for _ in stack.stdout], daemon=True).start()   # keep the pipe drained

    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    sns = session.client("sns", endpoint_url=url)
    lam = session.client("lambda", endpoint_url=url)
    events = session.client("events", endpoint_url=url)

    topic = sns.create_topic(Name="Hooks", Attributes={"DisplayName": "Ops"})["TopicArn"]
    endpoint = f"http://127.0.0.1:{hook.server_address[1]}/sns"
    sub = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint, ReturnSubscriptionArn=True)["SubscriptionArn"]
    mid = sns.publish(TopicArn=topic, Message="hello", Subject="subj",
                      MessageAttributes={"n": {"DataType": "Number", "StringValue": "42"}})["MessageId"]
    assert wait_for(lambda: received), "no http delivery"
    headers, body = received[0]
    lower = {k.lower(): v for k, v in headers.items()}
    assert lower["x-amz-sns-message-type"] == "Notification", headers
    assert lower["x-amz-sns-message-id"] == mid and lower["x-amz-sns-topic-arn"] == topic, headers
    assert lower["x-amz-sns-subscription-arn"] == sub, headers
    envelope = json.loads(body)
    assert list(envelope)[:3] == ["Type", "MessageId", "TopicArn"], envelope
    assert envelope["Message"] == "hello" and envelope["Subject"] == "subj" and envelope["MessageId"] == mid, envelope
    assert envelope["MessageAttributes"] == {"n": {"Type": "Number", "Value": "42"}}, envelope
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", envelope["Timestamp"]), envelope
    for key in ("SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL"):
        assert envelope[key], key
    ok("http subscriber gets the SNS envelope and x-amz-sns-* headers")

    try:
        sns.publish(TopicArn=topic, Message="m", MessageAttributes={"n": {"DataType": "Number", "StringValue": "ten"}})
        raise AssertionError("non-numeric Number attribute accepted")
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == "ParameterValueInvalid", e.response
    ok("a Number attribute that is not a number -> ParameterValueInvalid")

    # A Lambda subscriber: the function records its event to a file.
    marker = os.path.join(work, "lambda-events.log")
    bootstrap = """#!/bin/sh
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
HDRS=$(mktemp)
while true; do
  EVENT=$(curl -sS -D "$HDRS" "$API/invocation/next") || exit 2
  ID=$(grep -i '^lambda-runtime-aws-request-id:' "$HDRS" | tr -d '\\r' | awk '{print $2}')
  echo "$EVENT" >> "$MARKER"
  curl -sS -o /dev/null -X POST -d '{}' "$API/invocation/$ID/response"
done
"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        z.writestr(info, bootstrap)
    fn = lam.create_function(FunctionName="on-alarm", Runtime="provided.al2023", Handler="bootstrap",
                             Role="arn:aws:iam::123456789012:role/r", Code={"ZipFile": buffer.getvalue()},
                             Environment={"Variables": {"MARKER": marker}})
    lam.get_waiter("function_active_v2").wait(FunctionName="on-alarm", WaiterConfig={"Delay": 1})
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn["FunctionArn"])
    mid2 = sns.publish(TopicArn=topic, Message="to lambda")["MessageId"]
    lines = wait_for(lambda: os.path.exists(marker) and open(marker).read().splitlines())
    assert lines, "the function was not invoked"
    record = json.loads(lines[0])["Records"][0]
    assert record["EventSource"] == "aws:sns" and record["EventVersion"] == "1.0", record
    assert record["Sns"]["Message"] == "to lambda" and record["Sns"]["MessageId"] == mid2, record
    assert record["Sns"]["TopicArn"] == topic and record["Sns"]["Subject"] is None, record
    ok("lambda subscriber is invoked with the aws:sns event")

    # EventBridge -> SNS: a schedule rule whose target is the topic.
    events.put_rule(Name="to-topic", ScheduleExpression="rate(1 minute)")
    result = events.put_targets(Rule="to-topic", Targets=[{"Id": "t", "Arn": topic}])
    assert result["FailedEntryCount"] == 0, result
    scheduled = wait_for(lambda: [b for _, b in received if "Scheduled Event" in b], seconds=15)
    assert scheduled, "the rule did not publish to the topic"
    event = json.loads(json.loads(scheduled[0])["Message"])
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events", event
    ok("a schedule rule with an SNS target publishes the Scheduled Event")

    try:
        events.put_rule(Name="bad", ScheduleExpression="cron(0 12 * * * *)")
        raise AssertionError("cron with both day fields accepted")
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == "ValidationException", e.response
        assert e.response["Error"]["Message"] == "Parameter ScheduleExpression is not valid.", e.response
    ok("cron() with both day fields set -> ValidationException")
finally:
    hook.shutdown()
    stack.terminate()
    try:
        stack.wait(timeout=15)
    except subprocess.TimeoutExpired:
        stack.kill()
    shutil.rmtree(work, ignore_errors=True)

print(f"{passed} passed, 0 failed")
sys.exit(0)

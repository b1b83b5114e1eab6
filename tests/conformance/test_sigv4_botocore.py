#!/usr/bin/python3
"""pingwatch's SigV4 signer against botocore's SigV4Auth (Debian python3-botocore, an independent reference).

Every request below is signed twice: by $PINGWATCH_TOOLS_DIR/sign_tool and by botocore.auth.SigV4Auth with its
clock frozen at the same instant. The Authorization headers (and the X-Amz-Date / X-Amz-Security-Token that
go with them) must be identical. Cases: JSON 1.0 (CloudWatch), JSON 1.1 (SSM, EventBridge) and query
(SNS, CloudWatch, STS) bodies, with and without a session token, with non-ASCII tag values, on AWS and on a
loopback endpoint with a port. Exits non-zero on any mismatch.
"""
import datetime
import json
import os
import subprocess
import sys
from unittest import mock
from urllib.parse import quote

import botocore
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AK = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = ("IQoJb3JpZ2luX2VjEHMaCXVzLWVhc3QtMSJHMEUCIQD+example/token+with/slashes=="
         "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmx")
TIMES = ["20240412T082826Z", "20251231T235959Z"]


def form(params):
    """awsQuery body as botocore's serializer writes it (quote with safe '-_.~')."""
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in params)


def cases():
    tokyo = "東京"
    out = []
    out.append(("json1.1 ssm DescribeInstanceInformation", {
        "url": "https://ssm.ap-northeast-1.amazonaws.com/", "region": "ap-northeast-1", "service": "ssm",
        "headers": [["X-Amz-Target", "AmazonSSM.DescribeInstanceInformation"],
                    ["Content-Type", "application/x-amz-json-1.1"], ["User-Agent", "pingwatch/0.1"]],
        "body": json.dumps({"MaxResults": 50, "Filters": [{"Key": "tag:Env", "Values": ["prod"]}]},
                           separators=(",", ":"))}))
    out.append(("json1.1 ssm tag filter with non-ASCII value (raw UTF-8)", {
        "url": "https://ssm.ap-northeast-1.amazonaws.com/", "region": "ap-northeast-1", "service": "ssm",
        "headers": [["X-Amz-Target", "AmazonSSM.DescribeInstanceInformation"],
                    ["Content-Type", "application/x-amz-json-1.1"]],
        "body": json.dumps({"Filters": [{"Key": "tag:Site", "Values": [tokyo, "Zürich"]}]},
                           separators=(",", ":"), ensure_ascii=False)}))
    out.append(("json1.0 cloudwatch PutMetricData with query-mode header", {
        "url": "https://monitoring.us-east-1.amazonaws.com/", "region": "us-east-1", "service": "monitoring",
        "headers": [["X-Amz-Target", "GraniteServiceVersion20100801.PutMetricData"],
                    ["Content-Type", "application/x-amz-json-1.0"], ["x-amzn-query-mode", "true"]],
        "body": json.dumps({"Namespace": "SSM Agent", "MetricData": [
            {"MetricName": "Status", "Value": 1.0,
             "Dimensions": [{"Name": "Per-Instance Metrics", "Value": "i-0572676272d863124"}]}]},
            separators=(",", ":"))}))
    out.append(("json1.0 cloudwatch TagResource non-ASCII (escaped)", {
        "url": "https://monitoring.eu-west-1.amazonaws.com/", "region": "eu-west-1", "service": "monitoring",
        "headers": [["X-Amz-Target", "GraniteServiceVersion20100801.TagResource"],
                    ["Content-Type", "application/x-amz-json-1.0"]],
        "body": json.dumps({"ResourceARN": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:ssm-agent-i-1",
                            "Tags": [{"Key": "Site", "Value": tokyo}]}, separators=(",", ":"))}))
    out.append(("json1.1 eventbridge PutRule with non-ASCII tag", {
        "url": "https://events.us-west-2.amazonaws.com/", "region": "us-west-2", "service": "events",
        "headers": [["X-Amz-Target", "AWSEvents.PutRule"], ["Content-Type", "application/x-amz-json-1.1"]],
        "body": json.dumps({"Name": "pingwatch", "ScheduleExpression": "rate(1 minute)",
                            "Tags": [{"Key": "Owner", "Value": "Åsa Ñúñez 東京"}]},
                           separators=(",", ":"), ensure_ascii=False)}))
    out.append(("query sns CreateTopic with non-ASCII tag", {
        "url": "https://sns.ap-northeast-1.amazonaws.com/", "region": "ap-northeast-1", "service": "sns",
        "headers": [["Content-Type", "application/x-www-form-urlencoded; charset=utf-8"]],
        "body": form([("Action", "CreateTopic"), ("Version", "2010-03-31"), ("Name", "SSM-Ping"),
                      ("Tags.member.1.Key", "Site"), ("Tags.member.1.Value", tokyo)])}))
    out.append(("query sns Publish with message attributes", {
        "url": "https://sns.us-east-1.amazonaws.com/", "region": "us-east-1", "service": "sns",
        "headers": [["Content-Type", "application/x-www-form-urlencoded; charset=utf-8"]],
        "body": form([("Action", "Publish"), ("Version", "2010-03-31"),
                      ("TopicArn", "arn:aws:sns:us-east-1:123456789012:SSM-Ping"),
                      ("Subject", 'ALARM: "ssm-agent-i-1" in US East (N. Virginia)'),
                      ("Message", "ノード i-1 が応答しません\nline 2 ~*'()!"),
                      ("MessageAttributes.entry.1.Name", "severity"),
                      ("MessageAttributes.entry.1.Value.DataType", "String"),
                      ("MessageAttributes.entry.1.Value.StringValue", "高")])}))
    out.append(("query cloudwatch PutMetricAlarm on a loopback endpoint", {
        "url": "http://127.0.0.1:4566/", "region": "us-east-1", "service": "monitoring",
        "headers": [["Content-Type", "application/x-www-form-urlencoded; charset=utf-8"]],
        "body": form([("Action", "PutMetricAlarm"), ("Version", "2010-08-01"), ("AlarmName", "ssm-agent-i-1"),
                      ("MetricName", "Status"), ("Namespace", "SSM Agent"), ("Statistic", "Maximum"),
                      ("Period", "60"), ("EvaluationPeriods", "1"), ("Threshold", "1.0"),
                      ("ComparisonOperator", "GreaterThanOrEqualToThreshold"),
                      ("Dimensions.member.1.Name", "Per-Instance Metrics"),
                      ("Dimensions.member.1.Value", "i-1")])}))
    out.append(("query sts GetCallerIdentity in aws-cn", {
        "url": "https://sts.cn-north-1.amazonaws.com.cn/", "region": "cn-north-1", "service": "sts",
        "headers": [["Content-Type", "application/x-www-form-urlencoded; charset=utf-8"]],
        "body": "Action=GetCallerIdentity&Version=2011-06-15"}))
    out.append(("empty body, header with inner runs of spaces", {
        "url": "https://ssm.us-east-1.amazonaws.com/", "region": "us-east-1", "service": "ssm",
        "headers": [["X-Amz-Target", "AmazonSSM.DescribeInstanceInformation"],
                    ["X-Custom", "  a   b    c  "]],
        "body": ""}))
    return out


def botocore_sign(spec, token, amz_date):
    frozen = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")

    class FrozenDatetime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return frozen

        @classmethod
        def now(cls, tz=None):
            return frozen if tz is None else frozen.replace(tzinfo=tz)

    request = AWSRequest(method="POST", url=spec["url"], headers=dict(spec["headers"]),
                         data=spec["body"].encode("utf-8"))
    creds = Credentials(AK, SECRET, token)
    with mock.patch.object(botocore.auth.datetime, "datetime", FrozenDatetime):
        botocore.auth.SigV4Auth(creds, spec["service"], spec["region"]).add_auth(request)
    return {k.lower(): v for k, v in request.headers.items()}


def main():
    import botocore
    print(f"client: botocore {botocore.__version__} ({sys.executable})", flush=True)
    tools = os.environ.get("PINGWATCH_TOOLS_DIR")
    if not tools:
        print("PINGWATCH_TOOLS_DIR is not set: run through ctest, or point it at build/tests", file=sys.stderr)
        return 2
    tool = os.path.join(tools, "sign_tool")
    if not os.access(tool, os.X_OK):
        print(f"{tool} is missing: build the sign_tool target", file=sys.stderr)
        return 2

    inputs, expectations = [], []
    for name, spec in cases():
        for token in (None, TOKEN):
            for amz_date in TIMES:
                creds = {"access_key_id": AK, "secret_access_key": SECRET}
                if token:
                    creds["session_token"] = token
                inputs.append(dict(spec, method="POST", creds=creds, time=amz_date))
                label = f"{name} [{'session token' if token else 'long-term keys'}, {amz_date}]"
                expectations.append((label, botocore_sign(spec, token, amz_date)))

    result = subprocess.run([tool], input=json.dumps(inputs).encode("utf-8"), capture_output=True, check=False)
    if result.returncode != 0:
        print(f"sign_tool failed ({result.returncode}): {result.stderr.decode(errors='replace')}", file=sys.stderr)
        return 1
    outputs = json.loads(result.stdout)

    failures = 0
    for (label, expected), output in zip(expectations, outputs):
        ours = {}
        for k, v in output["headers"]:
            ours.setdefault(k.lower(), v)
        problems = []
        for header in ("authorization", "x-amz-date", "x-amz-security-token"):
            if ours.get(header) != expected.get(header):
                problems.append(f"  {header}:\n    pingwatch: {ours.get(header)}\n    botocore:  {expected.get(header)}")
        if problems:
            failures += 1
            print(f"MISMATCH {label}\n" + "\n".join(problems))
        else:
            print(f"ok  {label}")
    total = len(expectations)
    print(f"{total - failures}/{total} signatures identical to botocore {botocore.__version__} SigV4Auth")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

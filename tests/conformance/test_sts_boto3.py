#!/usr/bin/python3
"""STS and gzip request bodies against `pingwatch local`, with clients nobody here wrote.

Debian's boto3 1.26 (this interpreter): GetCallerIdentity, AssumeRole, the returned credentials used against
CloudWatch (query protocol) and STS, AWS's ValidationError texts for bad input (sent with client-side validation
off, so the stack's own checks answer), ExpiredToken once the session ends on the simulated clock.
pyenv's boto3 1.43 (re-run of this file with --client-143): PutMetricData of 199, 200 and 1,000 data, which
botocore 1.43 gzips from 10 KB on, over CloudWatch's JSON 1.0 protocol and over the query protocol; STS and
the assumed credentials against SSM; ExpiredTokenException over JSON.
The AWS CLI 1.45: `aws sts get-caller-identity`, `aws sts assume-role`, then the credentials it printed."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import pwtest  # noqa: E402
from pwtest import check, ok  # noqa: E402

ROLE = "arn:aws:iam::210987654321:role/ops/Deployer"
TIME_SCALE = 60   # a 900 s session lasts 15 wall seconds


def client(service, url, creds=None, **config):
    import boto3
    import botocore.config
    creds = creds or {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
    session = boto3.session.Session(region_name="us-east-1", **creds)
    return session.client(service, endpoint_url=url,
                          config=botocore.config.Config(retries={"max_attempts": 1}, **config))


def as_creds(c):
    return {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"],
            "aws_session_token": c["SessionToken"]}


def error_of(call):
    import botocore.exceptions
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"], e.response["Error"]["Message"]
    return None


def check_identity_and_assume(url):
    sts = client("sts", url)
    who = sts.get_caller_identity()
    check(who["Account"] == "123456789012" and who["Arn"] == "arn:aws:iam::123456789012:root"
          and who["UserId"] == "123456789012", "GetCallerIdentity with the stack's key pair is the account root", who)
    got = sts.assume_role(RoleArn=ROLE, RoleSessionName="conformance", DurationSeconds=43200)
    c = got["Credentials"]
    check(c["AccessKeyId"].startswith("ASIA") and len(c["AccessKeyId"]) == 20 and c["SessionToken"],
          "AssumeRole returns ASIA temporary credentials with a session token", c["AccessKeyId"])
    check(got["AssumedRoleUser"]["Arn"] == "arn:aws:sts::210987654321:assumed-role/Deployer/conformance",
          "AssumedRoleUser.Arn is the assumed-role ARN (role path dropped)", got["AssumedRoleUser"])
    assumed = client("sts", url, as_creds(c)).get_caller_identity()
    check(assumed["Account"] == "210987654321" and assumed["Arn"] == got["AssumedRoleUser"]["Arn"]
          and assumed["UserId"] == got["AssumedRoleUser"]["AssumedRoleId"],
          "GetCallerIdentity with the assumed credentials reports the role session", assumed)
    return c


def check_bad_input(url):
    sts = client("sts", url, parameter_validation=False)
    cases = [
        ({"RoleArn": "arn:aws:iam::123456789012:user/not-a-role", "RoleSessionName": "s1"},
         "Request ARN is invalid"),
        ({"RoleArn": ROLE, "RoleSessionName": "a"},
         "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: "
         "Member must have length greater than or equal to 2"),
        ({"RoleArn": ROLE, "RoleSessionName": "s1", "DurationSeconds": 899},
         "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: "
         "Member must have value greater than or equal to 900"),
        ({"RoleArn": ROLE, "RoleSessionName": "s1", "DurationSeconds": 43201},
         "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: "
         "Member must have value less than or equal to 43200"),
        ({"RoleArn": ROLE},
         "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: "
         "Member must not be null"),
        ({}, "2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not "
             "be null; Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null"),
    ]
    for params, message in cases:
        err = error_of(lambda: sts.assume_role(**params))
        check(err == (400, "ValidationError", message), f"AssumeRole {params} is ValidationError: {message[:60]}", err)


def check_expiry(url, cloudwatch_code):
    """A 900 s session expires after 15 wall seconds at TIME_SCALE 60; then every protocol says so."""
    c = client("sts", url).assume_role(RoleArn=ROLE, RoleSessionName="short", DurationSeconds=900)["Credentials"]
    client("sts", url, as_creds(c)).get_caller_identity()
    time.sleep(900 / TIME_SCALE + 1)
    err = error_of(lambda: client("sts", url, as_creds(c)).get_caller_identity())
    check(err == (403, "ExpiredToken", "The security token included in the request is expired"),
          "an expired session is ExpiredToken (403) on STS", err)
    err = error_of(lambda: client("cloudwatch", url, as_creds(c)).list_metrics())
    check(err is not None and err[:2] == (403, cloudwatch_code), f"and {cloudwatch_code} on CloudWatch", err)


def put_and_read_back(cw, name, count):
    """PutMetricData of `count` data under one metric name with distinct dimensions; all of them must list."""
    sent = {}

    def record(request, **_):
        encoding = request.headers.get("Content-Encoding")
        sent["encoding"] = encoding.decode() if isinstance(encoding, bytes) else encoding
        sent["size"] = len(request.body or b"")
    cw.meta.events.register("before-send.cloudwatch.PutMetricData", record)
    data = [{"MetricName": name, "Value": float(i), "Unit": "Count",
             "Dimensions": [{"Name": "InstanceId", "Value": f"i-{i:017x}"}]} for i in range(count)]
    cw.put_metric_data(Namespace="Conformance/Gzip", MetricData=data)
    cw.meta.events.unregister("before-send.cloudwatch.PutMetricData", record)
    listed = [m for page in cw.get_paginator("list_metrics").paginate(Namespace="Conformance/Gzip", MetricName=name)
              for m in page["Metrics"]]
    now = time.time()
    queries = [{"Id": "m0", "MetricStat": {"Metric": {"Namespace": "Conformance/Gzip", "MetricName": name,
                                                      "Dimensions": [{"Name": "InstanceId", "Value": f"i-{count - 1:017x}"}]},
                                           "Period": 60, "Stat": "Sum"}}]
    got = cw.get_metric_data(MetricDataQueries=queries, StartTime=now - 7200, EndTime=now + 7200 * 24)
    values = got["MetricDataResults"][0]["Values"]
    return sent, len(listed), values


def check_gzip_put_metric_data(url, protocol_name, cw):
    for count in (199, 200, 1000):
        sent, listed, values = put_and_read_back(cw, f"{protocol_name}-{count}", count)
        check(listed == count and values == [float(count - 1)],
              f"{protocol_name}: PutMetricData of {count} data (sent {sent.get('size')} bytes, "
              f"Content-Encoding {sent.get('encoding')}) is all stored", (listed, values))
    return sent


def query_protocol_cloudwatch(url):
    """botocore 1.43 speaks JSON 1.0 to CloudWatch; this client loads the same model restricted to query."""
    import boto3
    import botocore.config
    import botocore.loaders
    base = botocore.loaders.create_loader().load_service_model("cloudwatch", "service-2", "2010-08-01")
    base["metadata"]["protocol"] = "query"
    base["metadata"]["protocols"] = ["query"]
    data_dir = tempfile.mkdtemp(prefix="cw-query-model-")
    os.makedirs(os.path.join(data_dir, "cloudwatch", "2010-08-01"))
    with open(os.path.join(data_dir, "cloudwatch", "2010-08-01", "service-2.json"), "w") as f:
        json.dump(base, f)
    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    session._session.get_component("data_loader").search_paths.insert(0, data_dir)
    cw = session.client("cloudwatch", endpoint_url=url, config=botocore.config.Config(retries={"max_attempts": 1}))
    assert cw.meta.service_model.resolved_protocol == "query"
    return cw, data_dir


def run_143(url):
    """The part that needs botocore 1.43 (request compression, JSON CloudWatch); runs under pyenv's Python."""
    import botocore
    check(botocore.__version__.startswith("1.43"), f"botocore {botocore.__version__} is 1.43")
    sent = check_gzip_put_metric_data(url, "json", client("cloudwatch", url))
    check(sent.get("encoding") == "gzip", "botocore 1.43 gzipped the 1,000-datum JSON PutMetricData", sent)
    cw, data_dir = query_protocol_cloudwatch(url)
    sent = check_gzip_put_metric_data(url, "query", cw)
    check(sent.get("encoding") == "gzip", "botocore 1.43 gzipped the 1,000-datum query PutMetricData", sent)
    shutil.rmtree(data_dir, ignore_errors=True)
    c = check_identity_and_assume(url)
    nodes = client("ssm", url, as_creds(c)).describe_instance_information()["InstanceInformationList"]
    check(len(nodes) > 0, "the assumed credentials work against SSM", len(nodes))
    check_expiry(url, "ExpiredTokenException")
    pwtest.done()


def run_cli(url):
    if not shutil.which("aws"):
        print("skipped: AWS CLI part: `aws` is not on PATH")
        return
    env = pwtest.aws_env()

    def aws(*args, extra_env=None):
        return subprocess.run(["aws", *args, "--endpoint-url", url, "--output", "json"], capture_output=True, text=True,
                              env=dict(env, **(extra_env or {})), timeout=60)
    version = subprocess.run(["aws", "--version"], capture_output=True, text=True).stdout
    r = aws("sts", "get-caller-identity")
    check(r.returncode == 0 and json.loads(r.stdout)["Arn"] == "arn:aws:iam::123456789012:root",
          f"aws sts get-caller-identity ({version.split()[0] if version else 'aws'})", r.stderr)
    r = aws("sts", "assume-role", "--role-arn", ROLE, "--role-session-name", "cli-session")
    check(r.returncode == 0, "aws sts assume-role", r.stderr)
    c = json.loads(r.stdout)["Credentials"]
    temp = {"AWS_ACCESS_KEY_ID": c["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": c["SecretAccessKey"],
            "AWS_SESSION_TOKEN": c["SessionToken"]}
    r = aws("sts", "get-caller-identity", extra_env=temp)
    check(r.returncode == 0 and json.loads(r.stdout)["Arn"] == "arn:aws:sts::210987654321:assumed-role/Deployer/cli-session",
          "aws sts get-caller-identity with the assumed credentials", r.stdout + r.stderr)
    r = aws("ssm", "describe-instance-information", extra_env=temp)
    check(r.returncode == 0 and json.loads(r.stdout)["InstanceInformationList"],
          "aws ssm describe-instance-information with the assumed credentials", r.stderr)
    r = aws("sts", "assume-role", "--role-arn", "arn:aws:iam::123456789012:user/alice", "--role-session-name", "s1")
    check(r.returncode != 0 and "(ValidationError)" in r.stderr and "Request ARN is invalid" in r.stderr,
          "aws sts assume-role with a user ARN is ValidationError: Request ARN is invalid", r.stderr)


def main():
    if "--client-143" in sys.argv:
        run_143(sys.argv[-1])
        return
    with pwtest.LocalStack("--nodes", "5", "--time-scale", TIME_SCALE) as stack:
        url = stack.url
        c = check_identity_and_assume(url)
        cw = client("cloudwatch", url, as_creds(c))
        cw.put_metric_data(Namespace="Conformance/Assumed", MetricData=[{"MetricName": "M", "Value": 1.0}])
        check([m["MetricName"] for m in cw.list_metrics(Namespace="Conformance/Assumed")["Metrics"]] == ["M"],
              "the assumed credentials work against CloudWatch (query protocol, boto3 1.26)")
        _, listed, _ = put_and_read_back(client("cloudwatch", url), "debian-1000", 1000)
        check(listed == 1000, "boto3 1.26 PutMetricData of 1,000 data (it does not compress) is all stored", listed)
        check_bad_input(url)
        if os.path.exists(pwtest.PYENV_PYTHON):
            r = subprocess.run([pwtest.PYENV_PYTHON, os.path.abspath(__file__), "--client-143", url],
                               capture_output=True, text=True, timeout=300)
            print(r.stdout, end="")
            check(r.returncode == 0, "the boto3 1.43 part passed", r.stderr[-3000:])
        else:
            print(f"skipped: boto3 1.43 part: {pwtest.PYENV_PYTHON} is absent")
        run_cli(url)
        # The code follows the protocol this botocore speaks to CloudWatch: query (1.26) or JSON 1.0 (1.43).
        protocol = client("cloudwatch", url).meta.service_model.protocol
        check_expiry(url, "ExpiredToken" if protocol == "query" else "ExpiredTokenException")
    pwtest.done()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""SNS and EC2 shapes of the local stack as boto3 1.43 (and Debian's AWS CLI) see them, against botocore's models
and AWS's documented behaviour:
1. a malformed TopicArn is 400 InvalidParameter on every action taking one; a well-formed ARN of a missing topic
   stays 404 NotFound "Topic does not exist";
2. EC2 DescribeInstances: a malformed id is InvalidInstanceID.Malformed 'Invalid id: "i-xyz"', an unknown
   well-formed one InvalidInstanceID.NotFound;
3. instances carry the Instance shape's fields (only members of botocore's shape, enum values from its model),
   consistent with SSM DescribeInstanceInformation for the same node and the same for the same fleet;
4. email and http subscriptions wait for confirmation as on AWS (no --auto-confirm): pending, no delivery, the
   confirmation mail's SubscribeURL followed with urllib (unsigned) confirms and delivery starts; an http
   endpoint's SubscriptionConfirmation POST, confirmed with the ConfirmSubscription API; --auto-confirm still
   confirms at once.
Needs botocore 1.43 (re-runs itself under pyenv's Python 3.11.7 when started by Debian's)."""
import email
import glob
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import pwtest  # noqa: E402
from pwtest import check, ok  # noqa: E402


def ensure_botocore_143():
    try:
        import botocore
        version = tuple(int(x) for x in botocore.__version__.split(".")[:2])
    except ImportError:
        version = (0, 0)
    if version >= (1, 43):
        return
    if os.path.exists(pwtest.PYENV_PYTHON) and os.path.realpath(sys.executable) != os.path.realpath(pwtest.PYENV_PYTHON):
        os.execv(pwtest.PYENV_PYTHON, [pwtest.PYENV_PYTHON, os.path.abspath(__file__)])
    pwtest.skip("needs boto3/botocore 1.43 (pyenv Python 3.11.7 at %s)" % pwtest.PYENV_PYTHON)


ensure_botocore_143()
import botocore.exceptions  # noqa: E402
import botocore.session  # noqa: E402


def error_of(call):
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"], e.response["Error"]["Message"]
    return None


def wait_for(predicate, what, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pwtest.fail("timed out waiting for " + what)


# ---- 1. malformed TopicArn --------------------------------------------------------------------------------------
def check_topic_arns(sns):
    topic = sns.create_topic(Name="Shapes")["TopicArn"]
    missing = topic + "-gone"
    calls = {
        "Publish": lambda arn: sns.publish(TopicArn=arn, Message="m"),
        "Subscribe": lambda arn: sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="ops@example.com"),
        "GetTopicAttributes": lambda arn: sns.get_topic_attributes(TopicArn=arn),
        "SetTopicAttributes": lambda arn: sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName",
                                                                   AttributeValue="x"),
        "ListSubscriptionsByTopic": lambda arn: sns.list_subscriptions_by_topic(TopicArn=arn),
        "ConfirmSubscription": lambda arn: sns.confirm_subscription(TopicArn=arn, Token="abc"),
        "PublishBatch": lambda arn: sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[
            {"Id": "a", "Message": "m"}]),
        "DeleteTopic": lambda arn: sns.delete_topic(TopicArn=arn),
    }
    for action, call in calls.items():
        short = error_of(lambda: call("not-an-arn"))
        check(short == (400, "InvalidParameter",
                        "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1"),
              f"{action} with TopicArn 'not-an-arn' is 400 InvalidParameter", short)
        other_service = error_of(lambda: call(topic.replace(":sns:", ":sqs:")))
        check(other_service == (400, "InvalidParameter", "Invalid parameter: TopicArn"),
              f"{action} with an SQS ARN is 400 InvalidParameter 'Invalid parameter: TopicArn'", other_service)
        if action != "DeleteTopic":   # deleting a missing topic succeeds on AWS
            gone = error_of(lambda: call(missing))
            check(gone == (404, "NotFound", "Topic does not exist"),
                  f"{action} with a well-formed ARN of a missing topic stays 404 NotFound", gone)
    target = error_of(lambda: sns.publish(TargetArn="nope", Message="m"))
    check(target and target[1] == "InvalidParameter" and target[2].startswith("Invalid parameter: TargetArn"),
          "Publish with a malformed TargetArn names TargetArn", target)
    modeled = error_of(lambda: sns.get_topic_attributes(TopicArn="x"))
    try:
        sns.get_topic_attributes(TopicArn="x")
    except sns.exceptions.InvalidParameterException:
        ok("boto3 raises its modeled InvalidParameterException for it")
    except Exception as e:  # noqa: BLE001
        pwtest.fail(f"expected InvalidParameterException, got {type(e).__name__} {modeled}")


# ---- 2 and 3. EC2 ---------------------------------------------------------------------------------------------------
def check_instance_ids(ec2):
    malformed = error_of(lambda: ec2.describe_instances(InstanceIds=["i-xyz"]))
    check(malformed == (400, "InvalidInstanceID.Malformed", 'Invalid id: "i-xyz"'),
          "DescribeInstances i-xyz is InvalidInstanceID.Malformed 'Invalid id: \"i-xyz\"'", malformed)
    unknown = error_of(lambda: ec2.describe_instances(InstanceIds=["i-0123456789abcdef0"]))
    check(unknown == (400, "InvalidInstanceID.NotFound", "The instance ID 'i-0123456789abcdef0' does not exist"),
          "a well-formed unknown id stays InvalidInstanceID.NotFound", unknown)


def all_instances(ec2):
    out = []
    for page in ec2.get_paginator("describe_instances").paginate(PaginationConfig={"PageSize": 50}):
        for reservation in page["Reservations"]:
            out.extend(reservation["Instances"])
    return out


# botocore's PlatformValues enum says "Windows", but EC2 returns "windows": "The platform. This value is windows for
# Windows instances; otherwise, it is empty." (boto3's EC2.Instance.platform reference); the documentation wins.
DOCUMENTED_BEYOND_MODEL = {("PlatformValues", "windows")}


def shape_problems(value, shape, path):
    """Keys that are not members of botocore's shape, and enum values outside its model."""
    problems = []
    if shape.type_name == "structure":
        for key, item in value.items():
            if key not in shape.members:
                problems.append(f"{path}.{key} is not a member of {shape.name}")
            else:
                problems += shape_problems(item, shape.members[key], f"{path}.{key}")
    elif shape.type_name == "list":
        for n, item in enumerate(value):
            problems += shape_problems(item, shape.member, f"{path}[{n}]")
    elif shape.type_name == "string" and shape.enum and value not in shape.enum and \
            (shape.name, value) not in DOCUMENTED_BEYOND_MODEL:
        problems.append(f"{path}={value!r} not in {shape.name} {shape.enum}")
    return problems


REQUIRED = ["InstanceId", "ImageId", "InstanceType", "LaunchTime", "VpcId", "SubnetId", "Architecture",
            "PrivateDnsName", "PrivateIpAddress", "State", "Tags", "PlatformDetails", "Hypervisor", "RootDeviceType",
            "RootDeviceName", "NetworkInterfaces", "BlockDeviceMappings", "SecurityGroups", "VirtualizationType",
            "UsageOperation", "CpuOptions", "MetadataOptions", "IamInstanceProfile", "Placement"]


def check_instances(ec2, ssm):
    model = botocore.session.get_session().get_service_model("ec2").shape_for("Instance")
    instances = all_instances(ec2)
    infos = {i["InstanceId"]: i for p in ssm.get_paginator("describe_instance_information").paginate(
        PaginationConfig={"PageSize": 50}) for i in p["InstanceInformationList"]}
    check(len(instances) == len(infos) > 0, "every SSM node is an EC2 instance", (len(instances), len(infos)))
    problems = [p for i in instances for p in shape_problems(i, model, i["InstanceId"])]
    check(not problems, "every field is a member of botocore's Instance shape with a modeled enum value", problems[:5])
    missing = [(i["InstanceId"], k) for i in instances for k in REQUIRED if k not in i]
    check(not missing, "instances carry " + ", ".join(REQUIRED), missing[:5])
    mismatched = []
    for i in instances:
        info = infos[i["InstanceId"]]
        if i["PrivateIpAddress"] != info["IPAddress"] or i["NetworkInterfaces"][0]["PrivateIpAddress"] != info["IPAddress"]:
            mismatched.append((i["InstanceId"], "ip"))
        if (i.get("Platform") == "windows") != (info["PlatformType"] == "Windows"):
            mismatched.append((i["InstanceId"], "platform"))
        if info["PlatformType"] == "Linux" and i["PrivateDnsName"] != info["ComputerName"]:
            mismatched.append((i["InstanceId"], "dns name"))
        if not i["Placement"]["AvailabilityZone"].startswith("us-east-1"):
            mismatched.append((i["InstanceId"], "zone"))
        if i["NetworkInterfaces"][0]["SubnetId"] != i["SubnetId"] or i["State"]["Name"] != "running":
            mismatched.append((i["InstanceId"], "interface/state"))
    check(not mismatched, "EC2 agrees with SSM DescribeInstanceInformation (IP, platform, DNS name) per node",
          mismatched[:5])
    return instances


def comparable(instances):
    return json.dumps(instances, default=str, sort_keys=True)


def first_difference(first, second):
    """The first instance field that differs, for the failure message."""
    if len(first) != len(second):
        return f"{len(first)} instances, then {len(second)}"
    for a, b in zip(first, second):
        for key in sorted(set(a) | set(b)):
            if comparable(a.get(key)) != comparable(b.get(key)):
                return f"{a.get('InstanceId')} {key}: {comparable(a.get(key))} then {comparable(b.get(key))}"
    return "none"


# ---- 4. subscriptions waiting for confirmation ----------------------------------------------------------------------
def emls(mail_dir):
    out = []
    for path in sorted(glob.glob(os.path.join(mail_dir, "*.eml"))):
        with open(path, "rb") as f:
            out.append(email.message_from_bytes(f.read()))
    return out


def check_email_confirmation(sns, stack, mail_dir):
    topic = sns.create_topic(Name="SSM-Ping")["TopicArn"]
    pending = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")["SubscriptionArn"]
    check(pending == "pending confirmation", "Subscribe email answers 'pending confirmation'", pending)
    sub = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com",
                        ReturnSubscriptionArn=True)["SubscriptionArn"]
    check(sub.startswith(topic + ":"), "with ReturnSubscriptionArn=true it answers the ARN", sub)
    listed = sns.list_subscriptions()["Subscriptions"]
    check([s["SubscriptionArn"] for s in listed if s["TopicArn"] == topic] == ["PendingConfirmation"],
          "ListSubscriptions shows PendingConfirmation", listed)
    by_topic = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    check(by_topic[0]["SubscriptionArn"] == "PendingConfirmation", "ListSubscriptionsByTopic too", by_topic)
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    check(attrs["PendingConfirmation"] == "true", "GetSubscriptionAttributes PendingConfirmation=true", attrs)
    sns.publish(TopicArn=topic, Subject="before", Message="not for an unconfirmed address")
    mails = wait_for(lambda: len(emls(mail_dir)) >= 2 and emls(mail_dir), "the confirmation mails")
    time.sleep(0.5)   # a wrongly delivered notification would have arrived by now
    subjects = [m["Subject"] for m in emls(mail_dir)]
    check(subjects == ["AWS Notification - Subscription Confirmation"] * 2,
          "only confirmation mails (Subscribe twice sends two), no notification to the pending address", subjects)
    body = mails[-1].get_payload(decode=True).decode().replace("\r\n", "\n")
    check(body.startswith("You have chosen to subscribe to the topic: \n" + topic), "the mail reads as AWS's", body)
    m = re.search(r"(http://127\.0\.0\.1:\d+/\?Action=ConfirmSubscription&TopicArn=(\S+)&Token=(\w+))", body)
    check(m and m.group(1).startswith(stack.url) and m.group(2) == topic,
          "the mail carries the stack's SubscribeURL", body)
    with urllib.request.urlopen(m.group(1), timeout=10) as reply:   # no signature, as a mail reader follows it
        xml = reply.read().decode()
        status = reply.status
    check(status == 200 and "<ConfirmSubscriptionResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">" in xml
          and f"<SubscriptionArn>{sub}</SubscriptionArn>" in xml,
          "following the SubscribeURL with urllib confirms and answers ConfirmSubscriptionResponse", xml)
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    check(attrs["PendingConfirmation"] == "false" and attrs["ConfirmationWasAuthenticated"] == "false",
          "confirmed, unauthenticated (the URL carries no signature)", attrs)
    sns.publish(TopicArn=topic, Subject="after", Message="now delivered")
    wait_for(lambda: "after" in [x["Subject"] for x in emls(mail_dir)], "the notification mail")
    ok("after confirmation Publish delivers to the address")


class Hook(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        Hook.received.append((dict(self.headers), json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def check_http_confirmation(sns):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        topic = sns.create_topic(Name="Hooks")["TopicArn"]
        endpoint = f"http://127.0.0.1:{server.server_port}/hook"
        pending = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint)["SubscriptionArn"]
        check(pending == "pending confirmation", "Subscribe http answers 'pending confirmation'", pending)
        wait_for(lambda: Hook.received, "the SubscriptionConfirmation POST")
        headers, envelope = Hook.received[0]
        lower = {k.lower(): v for k, v in headers.items()}
        check(lower.get("x-amz-sns-message-type") == "SubscriptionConfirmation" and envelope["Type"] ==
              "SubscriptionConfirmation" and envelope["SubscribeURL"].endswith("&Token=" + envelope["Token"]),
              "the endpoint gets AWS's SubscriptionConfirmation POST", envelope)
        sns.publish(TopicArn=topic, Message="early")
        time.sleep(0.5)
        check(len(Hook.received) == 1, "nothing is delivered before confirmation", len(Hook.received))
        sub = sns.confirm_subscription(TopicArn=topic, Token=envelope["Token"])["SubscriptionArn"]
        check(sub.startswith(topic + ":"), "the ConfirmSubscription action takes the token", sub)
        sns.publish(TopicArn=topic, Message="late")
        wait_for(lambda: len(Hook.received) >= 2, "the notification POST")
        check(Hook.received[1][1]["Type"] == "Notification" and Hook.received[1][1]["Message"] == "late",
              "after confirmation the endpoint gets the notification", Hook.received[1][1])
    finally:
        server.shutdown()


# ---- Debian's AWS CLI (botocore 1.29) sees the same errors ------------------------------------------------------------
def check_debian_cli(url):
    if not os.path.exists("/usr/bin/aws"):
        print("skipped: Debian's /usr/bin/aws is not installed", flush=True)
        return
    env = pwtest.aws_env()
    env["PYTHONPATH"] = ""
    for args, expected in [(["sns", "publish", "--topic-arn", "not-an-arn", "--message", "m"],
                            "(InvalidParameter) when calling the Publish operation: Invalid parameter: TopicArn"),
                           (["ec2", "describe-instances", "--instance-ids", "i-xyz"],
                            '(InvalidInstanceID.Malformed) when calling the DescribeInstances operation: Invalid id: "i-xyz"')]:
        r = subprocess.run(["/usr/bin/aws", "--endpoint-url", url, *args], env=env, capture_output=True, text=True,
                           timeout=60)
        check(r.returncode != 0 and expected in r.stderr, "Debian's aws " + " ".join(args[:2]) + ": " + expected,
              r.stderr)


def main():
    work = __import__("tempfile").mkdtemp(prefix="pw-shapes-")
    mail_dir = os.path.join(work, "mail")
    try:
        with pwtest.LocalStack("--nodes", "40", "--fleet-seed", "9", "--sim-start", "2024-04-12T08:00:00Z",
                               "--mailbox", mail_dir, work=work) as stack:
            sns = pwtest.boto3_client("sns", stack.url)
            ec2 = pwtest.boto3_client("ec2", stack.url)
            ssm = pwtest.boto3_client("ssm", stack.url)
            check_topic_arns(sns)
            check_instance_ids(ec2)
            first = check_instances(ec2, ssm)
            check_email_confirmation(sns, stack, mail_dir)
            check_http_confirmation(sns)
            check_debian_cli(stack.url)
        again_dir = os.path.join(work, "again")
        os.makedirs(again_dir)
        with pwtest.LocalStack("--nodes", "40", "--fleet-seed", "9", "--sim-start", "2024-04-12T08:00:00Z",
                               "--auto-confirm", work=again_dir) as again:
            second = all_instances(pwtest.boto3_client("ec2", again.url))
            check(comparable(second) == comparable(first), "the same fleet gives the same instances, field for field",
                  first_difference(first, second))
            sns = pwtest.boto3_client("sns", again.url)
            topic = sns.create_topic(Name="Auto")["TopicArn"]
            sub = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")["SubscriptionArn"]
            check(sub.startswith(topic + ":"), "--auto-confirm confirms at once (tests, demo)", sub)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    pwtest.done()


if __name__ == "__main__":
    main()

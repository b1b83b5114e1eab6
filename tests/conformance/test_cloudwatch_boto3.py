"""boto3 (Debian's 1.26, CloudWatch over the query protocol) against `pingwatch local`: metrics, alarms,
history, tags and errors parse as botocore expects, and an alarm on the simulated clock sends the post's
notification through SNS to an email subscriber. Run with /usr/bin/python3."""
import email
import glob
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
import warnings

import boto3
import botocore.config
import botocore.exceptions
import botocore.parsers

FAILED = []
PASSED = []


def check(name, condition, detail=""):
    (PASSED if condition else FAILED).append(name)
    print(("ok - " if condition else "not ok - ") + name + ("" if condition else f": {detail}"))


class Complaints(logging.Handler):
    """botocore logs parse problems as warnings; any of them fails the test."""
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(self.format(record))


def start_stack(extra):
    binary = os.environ["PINGWATCH_BIN"]
    out = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen([binary, "local", "--port", "0", *extra], stdout=out, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        out.seek(0)
        m = re.search(r"^pingwatch local listening on (http://\S+)$", out.read(), re.M)
        if m:
            return proc, m.group(1)
        if proc.poll() is not None:
            raise RuntimeError("stack exited: " + proc.stderr.read())
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("stack did not print its URL")


def client(service, url, **config):
    return boto3.session.Session().client(
        service, endpoint_url=url, region_name="ap-northeast-1", aws_access_key_id="test",
        aws_secret_access_key="test", config=botocore.config.Config(retries={"max_attempts": 1}, **config))


def compresses_requests():
    """botocore 1.31+ gzips PutMetricData bodies over 10 KB (the model's requestcompression trait)."""
    try:
        botocore.config.Config(disable_request_compression=True)
        return True
    except TypeError:
        return False


def error_of(call):
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    except botocore.parsers.ResponseParserError as e:   # e.g. an empty 413 from the HTTP layer
        return "ResponseParserError", str(e)[:200]
    return None, None


def dims(instance):
    return [{"Name": "Per-Instance Metrics", "Value": instance}]


def main():
    import botocore
    print(f"client: botocore {botocore.__version__} ({sys.executable})", flush=True)
    complaints = Complaints()
    logging.getLogger("botocore").addHandler(complaints)
    warnings.simplefilter("error")
    mailbox = tempfile.mkdtemp()
    proc, url = start_stack(["--nodes", "0", "--time-scale", "60", "--region", "ap-northeast-1", "--mailbox", mailbox,
                              "--auto-confirm"])
    try:
        # Where botocore compresses, the main client does not: the gzip path is its own check below.
        cw = client("cloudwatch", url, **({"disable_request_compression": True} if compresses_requests() else {}))
        sns = client("sns", url)

        # Metrics: 1,200 nodes in batches of 30 datums (form bodies of about 6.6 KB). The post's node, whose alarm
        # is below, is not among them: it never has a 0.0 datum, so nothing but its 1.0s can move the alarm, and it
        # goes from INSUFFICIENT_DATA straight to ALARM whenever the first evaluation after its creation falls.
        watched = "i-%017x" % 0x572676272d863124
        ids = ["i-%017x" % (0x572676272d863124 + n) for n in range(1, 1201)]
        for start in range(0, len(ids), 30):
            cw.put_metric_data(Namespace="SSM Agent", MetricData=[
                {"MetricName": "Status", "Dimensions": dims(i), "Value": 0.0, "Unit": "Count"} for i in ids[start:start + 30]])
        # AWS takes 1,000 datums (up to 1 MB) in one call: a form body of about 130 KB.
        code, message = error_of(lambda: cw.put_metric_data(Namespace="SSM Agent", MetricData=[
            {"MetricName": "Status", "Dimensions": dims(i), "Value": 0.0, "Unit": "Count"} for i in ids[:1000]]))
        check("one PutMetricData of 1,000 datums is accepted", code is None, (code, message))
        if compresses_requests():
            # botocore >= 1.31 gzips bodies of 10 KB or more and signs the compressed bytes without an
            # x-amz-content-sha256 header: the stack must verify the bytes as sent, then inflate them.
            code, message = error_of(lambda: client("cloudwatch", url).put_metric_data(Namespace="SSM Agent", MetricData=[
                {"MetricName": "Status", "Dimensions": dims(i), "Value": 0.0, "Unit": "Count"} for i in ids[:1000]]))
            check("a gzip-compressed PutMetricData (botocore request compression) is accepted", code is None,
                  (code, message))
        pages = list(cw.get_paginator("list_metrics").paginate(Namespace="SSM Agent", MetricName="Status"))
        listed = [m["Dimensions"][0]["Value"] for p in pages for m in p["Metrics"]]
        check("list_metrics paginator sees 1,200 metrics in pages of 500",
              sorted(listed) == sorted(ids) and [len(p["Metrics"]) for p in pages] == [500, 500, 200],
              [len(p["Metrics"]) for p in pages])

        # Errors as AWS names them.
        code, message = error_of(lambda: cw.put_metric_data(Namespace="SSM Agent", MetricData=[
            {"MetricName": "Status", "Value": 1.0, "Values": [1.0, 2.0]}]))
        check("Value with Values is InvalidParameterCombination",
              code == "InvalidParameterCombination" and message ==
              "The parameters MetricData.member.1.Value and MetricData.member.1.Values are mutually exclusive and you have specified both.",
              (code, message))
        code, _ = error_of(lambda: cw.put_metric_alarm(
            AlarmName="bad", MetricName="m", Namespace="n", Statistic="Maximum", Period=45, EvaluationPeriods=1,
            Threshold=1.0, ComparisonOperator="GreaterThanThreshold"))
        check("Period 45 is refused", code == "ValidationError", code)
        code, _ = error_of(lambda: cw.set_alarm_state(AlarmName="nope", StateValue="OK", StateReason="x"))
        check("SetAlarmState on an unknown alarm is ResourceNotFound", code == "ResourceNotFound", code)

        # The post's SNS topic with an email subscriber, and its alarm.
        topic = sns.create_topic(Name="SSM-Ping")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
        name = "ssm-agent-" + watched
        cw.put_metric_alarm(AlarmName=name, AlarmActions=[topic], MetricName="Status", Namespace="SSM Agent",
                            Statistic="Maximum", Dimensions=dims(watched), Period=60, EvaluationPeriods=1,
                            DatapointsToAlarm=1, Threshold=1.0, ComparisonOperator="GreaterThanOrEqualToThreshold",
                            TreatMissingData="missing", Tags=[{"Key": "app", "Value": "pingwatch"}])
        alarm = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
        check("describe_alarms parses the alarm (datetimes, floats, lists)",
              hasattr(alarm["StateUpdatedTimestamp"], "year") and alarm["Threshold"] == 1.0
              and alarm["Dimensions"] == dims(watched) and alarm["ActionsEnabled"] is True, alarm)
        check("a new alarm starts unchecked", alarm["StateValue"] == "INSUFFICIENT_DATA"
              and alarm["StateReason"] == "Unchecked: Initial alarm creation", alarm)
        tags = cw.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
        check("tags given at creation are listed", tags == [{"Key": "app", "Value": "pingwatch"}], tags)

        # ConnectionLost: the Lambda's datum every (simulated) minute until the alarm fires.
        deadline = time.time() + 30
        state = None
        while time.time() < deadline:
            cw.put_metric_data(Namespace="SSM Agent", MetricData=[
                {"MetricName": "Status", "Dimensions": dims(watched), "Value": 1.0, "Unit": "Count"}])
            state = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
            if state["StateValue"] == "ALARM":
                break
            time.sleep(0.3)
        check("the alarm fires on the simulated clock", state and state["StateValue"] == "ALARM", state)
        reason = state["StateReason"]
        check("the reason is written as AWS writes it", re.fullmatch(
            r"Threshold Crossed: 1 out of the last 1 datapoints \[1\.0 \(\d\d/\d\d/\d\d \d\d:\d\d:00\)\] was greater than "
            r"or equal to the threshold \(1\.0\) \(minimum 1 datapoint for OK -> ALARM transition\)\.", reason), reason)
        data = json.loads(state["StateReasonData"])
        check("StateReasonData is CloudWatch's JSON", data["version"] == "1.0" and data["statistic"] == "Maximum"
              and data["recentDatapoints"] == [1.0] and data["threshold"] == 1.0, data)

        # The email the subscriber receives.
        mail = None
        deadline = time.time() + 30
        while time.time() < deadline and mail is None:
            for path in glob.glob(os.path.join(mailbox, "*.eml")):
                with open(path, "rb") as f:
                    msg = email.message_from_bytes(f.read())
                if msg["Subject"] and msg["Subject"].startswith("ALARM"):
                    mail = msg
            time.sleep(0.2)
        check("an email was delivered", mail is not None, os.listdir(mailbox))
        if mail is not None:
            body = mail.get_payload(decode=True).decode("utf-8")
            check("subject as AWS writes it", mail["Subject"] == f'ALARM: "{name}" in Asia Pacific (Tokyo)', mail["Subject"])
            check("body opens with AWS's sentence", body.startswith(
                f'You are receiving this email because your Amazon CloudWatch Alarm "{name}" in the Asia Pacific (Tokyo) '
                f'region has entered the ALARM state, because "{reason}" at "'), body[:300])
            # The alarm went straight from its initial INSUFFICIENT_DATA to ALARM.
            sections = ("View this alarm in the AWS Management Console:", "Alarm Details:",
                        "- State Change:               INSUFFICIENT_DATA -> ALARM", "Threshold:", "Monitored Metric:",
                        f"- Dimensions:                          [Per-Instance Metrics = {watched}]",
                        "State Change Actions:", f"- ALARM: [{topic}]", "If you wish to stop receiving notifications")
            missing = [section for section in sections if section not in body]
            check("body has the sections of the post", not missing, missing)

        # The stack publishes to SNS first and records the "Action" item after: the email can be seen before it.
        deadline = time.time() + 20
        while True:
            history = cw.describe_alarm_history(AlarmName=name)["AlarmHistoryItems"]
            kinds = [h["HistoryItemType"] for h in history]
            if "Action" in kinds or time.time() >= deadline:
                break
            time.sleep(0.2)
        check("history has the action, the transition and the creation",
              "Action" in kinds and "StateUpdate" in kinds and kinds[-1] == "ConfigurationUpdate"
              and all(hasattr(h["Timestamp"], "year") for h in history), kinds)

        # The last 3 wall hours: at 60x the 1.0s put above are a simulated minute per wall second old by now, and
        # the waits for the email and the history can take tens of wall seconds on a loaded machine. The watched
        # node has no other data, so every value is one of its 1.0s.
        import datetime
        wall_now = datetime.datetime.now(datetime.timezone.utc)
        result = cw.get_metric_data(
            MetricDataQueries=[{"Id": "status", "MetricStat": {"Metric": {"Namespace": "SSM Agent", "MetricName": "Status",
                                                                         "Dimensions": dims(watched)},
                                                              "Period": 60, "Stat": "Maximum"}}],
            StartTime=wall_now - datetime.timedelta(hours=3),
            EndTime=wall_now + datetime.timedelta(minutes=1))["MetricDataResults"][0]
        check("get_metric_data returns timestamps and values", result["StatusCode"] == "Complete"
              and result["Values"] and all(v == 1.0 for v in result["Values"])
              and len(result["Timestamps"]) == len(result["Values"])
              and all(hasattr(t, "year") for t in result["Timestamps"]), result)

        cw.disable_alarm_actions(AlarmNames=[name])
        cw.delete_alarms(AlarmNames=[name])
        check("delete_alarms removes the alarm", cw.describe_alarms(AlarmNames=[name])["MetricAlarms"] == [])
        check("botocore logged no warnings", not complaints.records, complaints.records)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"{len(PASSED)} passed, {len(FAILED)} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())

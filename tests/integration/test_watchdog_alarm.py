#!/usr/bin/python3
"""The template's watchdog alarm (PingwatchStoppedReportingAlarm) does its job on a CloudWatch that evaluates alarms:
the alarm is created with the template's own properties on `pingwatch local` (60x clock), `pingwatch watch` runs once
a simulated minute and the alarm is OK; watch stops (a disabled rule, a deleted function) and within the alarm's
5 minutes plus one it is ALARM, and the topic's subscriber gets the mail; watch runs again and it is OK.
moto's CloudFormation skips AWS::CloudWatch::Alarm (test_moto_cloudformation.py), so this is where the alarm's
definition meets an evaluator."""
import glob
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import pwtest  # noqa: E402
from pwtest import check  # noqa: E402

SOURCE = os.environ.get("PINGWATCH_SOURCE_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def template_alarm():
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: {suffix: loader.construct_scalar(node)}
                                 if isinstance(node, yaml.ScalarNode) else None)
    with open(os.path.join(SOURCE, "deploy", "template.yaml")) as f:
        template = yaml.load(f, Loader=Loader)
    props = template["Resources"]["PingwatchStoppedReportingAlarm"]["Properties"]
    namespace = template["Parameters"][props["Namespace"]["Ref"]]["Default"]
    return props, namespace


def state(cw, name):
    return cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"]


def wait_for(cw, name, want, wall_seconds):
    deadline = time.time() + wall_seconds
    while time.time() < deadline:
        if state(cw, name) == want:
            return True
        time.sleep(0.2)
    return False


def main():
    props, namespace = template_alarm()
    mailbox = tempfile.mkdtemp(prefix="pw-watchdog-mail-")
    with pwtest.LocalStack("--nodes", "5", "--time-scale", "60", "--auto-confirm", "--mailbox", mailbox) as stack:
        cw = pwtest.boto3_client("cloudwatch", stack.url)
        sns = pwtest.boto3_client("sns", stack.url)
        topic = sns.create_topic(Name="SSM-Ping")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
        name = "pingwatch-stopped-reporting"
        cw.put_metric_alarm(
            AlarmName=name, AlarmDescription=props["AlarmDescription"], Namespace=namespace,
            MetricName=props["MetricName"], Dimensions=props["Dimensions"], Statistic=props["Statistic"],
            Period=props["Period"], EvaluationPeriods=props["EvaluationPeriods"],
            DatapointsToAlarm=props["DatapointsToAlarm"], Threshold=float(props["Threshold"]),
            ComparisonOperator=props["ComparisonOperator"], TreatMissingData=props["TreatMissingData"],
            AlarmActions=[topic], OKActions=[topic])
        state_file = os.path.join(tempfile.mkdtemp(prefix="pw-watchdog-"), "watch.db")
        watch = [pwtest.PINGWATCH, "watch", "--endpoint-url", stack.url, "--region", "us-east-1", "--state", state_file,
                 "--topic-arn", topic]

        def run_watch_for(wall_seconds):
            end = time.time() + wall_seconds
            while time.time() < end:
                r = subprocess.run(watch, capture_output=True, text=True, env=pwtest.aws_env(), timeout=60)
                if r.returncode not in (0, 1):   # 1: a partial failure (e.g. no EC2 answer) still publishes counts
                    pwtest.fail(f"pingwatch watch exited {r.returncode}: {r.stderr[-2000:]}")
                time.sleep(1.0)   # about once a simulated minute at 60x

        run_watch_for(8)
        check(wait_for(cw, name, "OK", 5), "while watch reports every minute the watchdog is OK", state(cw, name))
        # watch stops: 5 missing minutes are breaching; 5 of 5 -> ALARM (allow the stack's evaluation a few seconds)
        check(wait_for(cw, name, "ALARM", 12), "5 simulated minutes without watch's node count: ALARM", state(cw, name))
        mails = [open(p, encoding="utf-8", errors="replace").read() for p in glob.glob(os.path.join(mailbox, "**", "*.eml"),
                                                                                          recursive=True)]
        check(any(name in m and "ALARM" in m for m in mails), "the topic's subscriber is mailed that pingwatch stopped",
              f"{len(mails)} mails")
        run_watch_for(4)
        check(wait_for(cw, name, "OK", 8), "watch reports again: OK", state(cw, name))
    pwtest.done()


if __name__ == "__main__":
    main()

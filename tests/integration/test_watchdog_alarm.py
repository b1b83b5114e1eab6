#!/usr/bin/python3
"""The template's watchdog alarm (PingwatchStoppedReportingAlarm) does its job on a CloudWatch that evaluates alarms:
the alarm is created with the template's own properties on `pingwatch local` (60x clock), `pingwatch watch` runs once
a simulated minute and the alarm is OK; watch stops (a disabled rule, a deleted function) and once the last count
has left the evaluation range (6 to 8 simulated minutes, never before 5) it is ALARM, and the topic's subscriber
gets the mail; watch runs again and it is OK. Timings are checked on the stack's simulated clock.
moto's CloudFormation skips AWS::CloudWatch::Alarm (test_moto_cloudformation.py), so this is where the alarm's
definition meets an evaluator."""
import glob
import os
import re
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


def alarm(cw, name):
    return cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]


def state(cw, name):
    return alarm(cw, name)["StateValue"]


def wait_for(cw, name, want, wall_seconds):
    deadline = time.time() + wall_seconds
    while time.time() < deadline:
        if state(cw, name) == want:
            return True
        time.sleep(0.2)
    return False


def alarm_mail(mailbox, name, transition):
    """The .eml of the alarm's `transition` (e.g. "OK -> ALARM"); SNS writes it asynchronously, so it is polled for."""
    deadline = time.time() + 30
    while True:
        for path in glob.glob(os.path.join(mailbox, "**", "*.eml"), recursive=True):
            with open(path, encoding="utf-8", errors="replace") as f:
                m = f.read()
            new_state = transition.split()[-1]
            if (f'Subject: {new_state}: "{name}"' in m and re.search(r"State Change:\s+" + re.escape(transition), m)):
                return m
        if time.time() >= deadline:
            return None
        time.sleep(0.2)


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

        def sim_now():
            return stack.get("/_local/clock")["sim_now"]

        def run_watch(until_state, min_wall_seconds, max_wall_seconds=90):
            """Runs watch about once a simulated minute for at least min_wall_seconds, then on until the alarm is in
            until_state (or max_wall_seconds pass). Returns the simulated times at which the first run ended and the
            last one started: the node counts they published are stamped on receipt, between those."""
            start, first_end = time.time(), None
            while True:
                last_start = sim_now()
                r = subprocess.run(watch, capture_output=True, text=True, env=pwtest.aws_env(), timeout=60)
                if r.returncode not in (0, 1):   # 1: a partial failure (e.g. no EC2 answer) still publishes counts
                    pwtest.fail(f"pingwatch watch exited {r.returncode}: {r.stderr[-2000:]}")
                first_end = first_end if first_end is not None else sim_now()
                elapsed = time.time() - start
                if elapsed >= max_wall_seconds or (elapsed >= min_wall_seconds and state(cw, name) == until_state):
                    return first_end, last_start
                time.sleep(1.0)   # about once a simulated minute at 60x

        def transitioned(a):
            return a["StateUpdatedTimestamp"].timestamp()   # moved only by a state change here

        # The alarm's timing is judged on the stack's simulated clock (what the alarm itself sees), not on the
        # wall clock, which a loaded machine stretches: the waits below are only generous upper bounds.
        first_end, last_start = run_watch("OK", 8)
        a = alarm(cw, name)
        check(a["StateValue"] == "OK" and transitioned(a) - first_end <= 12 * 60,
              "while watch reports every minute the watchdog is OK, within minutes of the first count",
              f"{a['StateValue']} at {transitioned(a) - first_end:+.0f} simulated s")
        # watch stops: missing minutes are breaching; once the last count has left the evaluation range (5 + 2
        # periods), 5 of 5 -> ALARM, 6 to 8 simulated minutes after it: never before 5 missing minutes, and at most
        # 12 minutes after watch stopped (the rest allows for the stack's ticks on a loaded machine)
        stopped = sim_now()
        reached = wait_for(cw, name, "ALARM", 90)
        a = alarm(cw, name)
        check(reached and 5 * 60 <= transitioned(a) - last_start and transitioned(a) - stopped <= 12 * 60,
              "5 simulated minutes without watch's node count: ALARM",
              f"{a['StateValue']} at {transitioned(a) - last_start:+.0f} simulated s after the last run started, "
              f"{transitioned(a) - stopped:+.0f} after watch stopped")
        mail = alarm_mail(mailbox, name, "OK -> ALARM")
        check(mail is not None, "the topic's subscriber is mailed that pingwatch stopped",
              f"{len(glob.glob(os.path.join(mailbox, '**', '*.eml'), recursive=True))} mails, none of OK -> ALARM")
        first_end, _ = run_watch("OK", 4)
        a = alarm(cw, name)
        check(a["StateValue"] == "OK" and transitioned(a) - first_end <= 12 * 60, "watch reports again: OK",
              f"{a['StateValue']} at {transitioned(a) - first_end:+.0f} simulated s after its first count")
    pwtest.done()


if __name__ == "__main__":
    main()

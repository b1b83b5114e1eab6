"""Client timestamps at --time-scale 60 (docs/local-stack.md "Time"): boto3 and the AWS CLI stamp the wall
clock, and a wall timestamp keeps its distance from now on the simulated clock. The last hour at Period 60 is
accepted and holds the hour's data; a datum 6 wall hours old is accepted and comes back 6 hours before the
simulated now; 15 days back is refused as AWS refuses it; an alarm evaluates wall-stamped data at the
simulated now. With the demo's clock (--sim-start 2024-04-12T08:05:00Z), times typed as the stack printed them
and a client stamping the stack's own clock are read as they are.

Runs the boto3 checks with this interpreter (ctest: Debian's boto3 1.26) and again with the pyenv one
(boto3 1.43) when it is here, then the CLI checks with every AWS CLI found (aws 1.45 on PATH, /usr/bin/aws 2.9)."""
import datetime
import email.utils
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import pwtest  # noqa: E402

HOUR = 3600
DAY = 86400
AWS_TWO_WEEKS = "The parameter MetricData.member.1.Timestamp must specify a time within the past two weeks."


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def server_time(response):
    """The simulated now the stack stated in the response's Date header (epoch seconds)."""
    return email.utils.parsedate_to_datetime(response["ResponseMetadata"]["HTTPHeaders"]["date"]).timestamp()


def near(actual, expected, slack):
    return abs(actual - expected) <= slack


def epoch(value):
    """A timestamp as the AWS CLI prints it: ISO 8601 text (query protocol) or epoch seconds (JSON protocol)."""
    if isinstance(value, (int, float)):
        return float(value)
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def sim(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc)


def error_of(call):
    import botocore.exceptions
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    return None, None


def boto3_checks(url, ns):
    import boto3
    who = f"boto3 {boto3.__version__}"
    cw = pwtest.boto3_client("cloudwatch", url)
    put = lambda name, value, **ts: cw.put_metric_data(Namespace=ns, MetricData=[  # noqa: E731
        {"MetricName": name, "Value": value, "Unit": "Count", **ts}])

    put("hour", 1.0)
    put_at = server_time(put("hour", 2.0, Timestamp=utcnow() - datetime.timedelta(minutes=30)))
    put("hour", 3.0, Timestamp=utcnow() - datetime.timedelta(hours=2))
    out = cw.get_metric_statistics(Namespace=ns, MetricName="hour", StartTime=utcnow() - datetime.timedelta(hours=1),
                                   EndTime=utcnow(), Period=60, Statistics=["Maximum"])
    got = sorted((p["Timestamp"].timestamp(), p["Maximum"]) for p in out["Datapoints"])
    sim_now = server_time(out)
    pwtest.check([v for _, v in got] == [2.0, 1.0] and near(got[0][0], put_at - 30 * 60, 120 + sim_now - put_at),
                 f"{who}: the last wall hour at Period 60 is accepted and holds the hour's two datapoints", (got, sim_now))

    data = cw.get_metric_data(StartTime=utcnow() - datetime.timedelta(hours=1), EndTime=utcnow(),
                              MetricDataQueries=[{"Id": "q", "MetricStat": {"Metric": {"Namespace": ns, "MetricName": "hour"},
                                                                            "Period": 60, "Stat": "Maximum"}}])
    pwtest.check(sorted(data["MetricDataResults"][0]["Values"]) == [1.0, 2.0],
                 f"{who}: get_metric_data reads the last wall hour the same way", data["MetricDataResults"])

    put_at = server_time(put("old", 6.0, Timestamp=utcnow() - datetime.timedelta(hours=6)))
    out = cw.get_metric_statistics(Namespace=ns, MetricName="old", StartTime=utcnow() - datetime.timedelta(hours=7),
                                   EndTime=utcnow(), Period=300, Statistics=["Maximum"])
    points = out["Datapoints"]
    pwtest.check(len(points) == 1 and near(points[0]["Timestamp"].timestamp(), put_at - 6 * HOUR, 300 + 120 + server_time(out) - put_at),
                 f"{who}: a datum 6 wall hours old is accepted and returned 6 hours before the simulated now",
                 (points, put_at))

    code, message = error_of(lambda: put("old", 1.0, Timestamp=utcnow() - datetime.timedelta(days=15)))
    pwtest.check((code, message) == ("InvalidParameterValue", AWS_TWO_WEEKS),
                 f"{who}: a datum 15 wall days old is refused as AWS refuses it", (code, message))
    code, message = error_of(lambda: put("old", 1.0, Timestamp=utcnow() - datetime.timedelta(days=13)))
    pwtest.check(code is None, f"{who}: 13 wall days old is accepted", (code, message))

    # Alarms evaluate wall-stamped data at the simulated now.
    alarm = ns + "-alarm"
    cw.put_metric_alarm(AlarmName=alarm, MetricName="live", Namespace=ns, Statistic="Maximum", Period=60,
                        EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanOrEqualToThreshold")
    state = None
    for _ in range(50):
        put("live", 1.0, Timestamp=utcnow())
        state = cw.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]["StateValue"]
        if state == "ALARM":
            break
        time.sleep(0.2)
    pwtest.check(state == "ALARM", f"{who}: an alarm fires on data stamped with the wall now", state)
    history = cw.describe_alarm_history(AlarmName=alarm, StartDate=utcnow() - datetime.timedelta(minutes=30),
                                        EndDate=utcnow() + datetime.timedelta(minutes=1))["AlarmHistoryItems"]
    pwtest.check(any(h["HistoryItemType"] == "StateUpdate" for h in history),
                 f"{who}: describe_alarm_history over the last wall half hour has the transition",
                 [h["HistorySummary"] for h in history])


def cli_checks(url, aws, ns):
    env = pwtest.aws_env(AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_PAGER="")
    version = subprocess.run([aws, "--version"], capture_output=True, text=True, env=env).stdout.split(" ")[0] or aws

    def cw(*args):
        return subprocess.run([aws, "--endpoint-url", url, "--output", "json", "cloudwatch", *args],
                              capture_output=True, text=True, env=env)

    def iso(delta):
        return (utcnow() + delta).strftime("%Y-%m-%dT%H:%M:%SZ")

    # Each datum is read back by the very next CLI run. At 60x a stored datum ages a simulated minute per wall
    # second, while a wall window keeps its distance from the simulated now: the datum 10 minutes old stays in the
    # last wall hour for 50 wall seconds, the one 6 hours old between 7 and 5 hours ago for 60, i.e. while one CLI
    # run starts up, however slowly on a loaded machine.
    def put(name, ago):
        r = cw("put-metric-data", "--namespace", ns, "--metric-name", name, "--value", "6", "--timestamp", iso(-ago))
        pwtest.check(r.returncode == 0, f"{version}: put-metric-data stamped {ago} ago on the wall clock is accepted", r.stderr)

    put("hour", datetime.timedelta(minutes=10))
    r = cw("get-metric-statistics", "--namespace", ns, "--metric-name", "hour", "--start-time", iso(-datetime.timedelta(hours=1)),
           "--end-time", iso(datetime.timedelta()), "--period", "60", "--statistics", "Maximum")
    pwtest.check(r.returncode == 0 and [p["Maximum"] for p in json.loads(r.stdout)["Datapoints"]] == [6.0],
                 f"{version}: get-metric-statistics over the last wall hour at period 60", r.stdout + r.stderr)
    put("old", datetime.timedelta(hours=6))
    r = cw("get-metric-statistics", "--namespace", ns, "--metric-name", "old", "--start-time", iso(-datetime.timedelta(hours=7)),
           "--end-time", iso(-datetime.timedelta(hours=5)), "--period", "60", "--statistics", "Maximum")
    pwtest.check(r.returncode == 0 and [p["Maximum"] for p in json.loads(r.stdout)["Datapoints"]] == [6.0],
                 f"{version}: the datum 6 wall hours old is between 7 and 5 wall hours ago", r.stdout + r.stderr)
    r = cw("put-metric-data", "--namespace", ns, "--metric-name", "old", "--value", "1", "--timestamp", iso(-datetime.timedelta(days=15)))
    pwtest.check(r.returncode != 0 and "InvalidParameterValue" in r.stderr and AWS_TWO_WEEKS in r.stderr,
                 f"{version}: 15 wall days old is refused as AWS refuses it", r.stderr)


def simulated_stamp_checks(cw, who, ns):
    """A client stamping the stack's own clock (its Date header) is read as it is: the request's newest timestamp
    is at the simulated now, so its datum two simulated hours back is taken as it is too."""
    sim_then = server_time(cw.list_metrics(Namespace=ns))
    cw.put_metric_data(Namespace=ns, MetricData=[{"MetricName": "sim", "Value": 4.0, "Timestamp": sim(sim_then - 2 * HOUR)},
                                                 {"MetricName": "sim", "Value": 5.0, "Timestamp": sim(sim_then)}])
    out = cw.get_metric_statistics(Namespace=ns, MetricName="sim", StartTime=sim(sim_then - 3 * HOUR),
                                   EndTime=sim(sim_then + 60), Period=60, Statistics=["Maximum"])
    got = sorted((p["Timestamp"].timestamp(), p["Maximum"]) for p in out["Datapoints"])
    pwtest.check([v for _, v in got] == [4.0, 5.0] and near(got[0][0], sim_then - 2 * HOUR, 60)
                 and near(got[1][0], sim_then, 60),
                 f"{who}: timestamps on the simulated clock are taken as they are", (got, sim_then))


def demo_clock_checks(clis):
    """`make demo`'s clock (--sim-start 2024-04-12T08:05:00Z): times typed from what the stack printed are
    simulated, the wall clock's "last hour" is the last simulated hour."""
    import boto3
    with pwtest.LocalStack("--nodes", "0", "--time-scale", "60", "--sim-start", "2024-04-12T08:05:00Z") as stack:
        cw = pwtest.boto3_client("cloudwatch", stack.url)
        put_at = server_time(cw.put_metric_data(Namespace="demo", MetricData=[{"MetricName": "Status", "Value": 1.0}]))
        out = cw.get_metric_statistics(Namespace="demo", MetricName="Status", StartTime=utcnow() - datetime.timedelta(hours=1),
                                       EndTime=utcnow(), Period=60, Statistics=["Maximum"])
        pwtest.check([p["Maximum"] for p in out["Datapoints"]] == [1.0],
                     f"boto3 {boto3.__version__}: with the demo's clock, the last wall hour is the last simulated hour", out["Datapoints"])
        simulated_stamp_checks(cw, f"boto3 {boto3.__version__}", "demo")
        env = pwtest.aws_env(AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_PAGER="")
        for aws in clis:
            r = subprocess.run([aws, "--endpoint-url", stack.url, "--output", "json", "cloudwatch", "get-metric-statistics",
                                "--namespace", "demo", "--metric-name", "Status", "--start-time", "2024-04-12T08:00:00Z",
                                "--end-time", "2024-04-12T09:00:00Z", "--period", "60", "--statistics", "Maximum"],
                               capture_output=True, text=True, env=env)
            points = json.loads(r.stdout)["Datapoints"] if r.returncode == 0 else r.stderr
            pwtest.check(r.returncode == 0 and len(points) == 1 and near(epoch(points[0]["Timestamp"]), put_at - 30, 30),
                         f"{aws}: the demo's simulated 08:00-09:00, typed as printed, holds the datum put at {sim(put_at)}",
                         points)


def aws_clis():
    """Every AWS CLI here: the one on PATH (pyenv's 1.45) and Debian's /usr/bin/aws (2.9)."""
    clis = []
    for aws in (shutil.which("aws"), "/usr/bin/aws"):
        if aws and os.path.exists(aws) and os.path.realpath(aws) not in [os.path.realpath(c) for c in clis]:
            clis.append(aws)
    if not clis:
        print("skipped: no AWS CLI here", flush=True)
    return clis


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--boto3-only":
        boto3_checks(sys.argv[2], "pyenv")
        pwtest.done()
        return
    with pwtest.LocalStack("--nodes", "0", "--time-scale", "60") as stack:
        boto3_checks(stack.url, "this")
        # The other boto3 of this machine: pyenv's 1.43 when this is Debian's 1.26, and the other way round.
        others = [p for p in (pwtest.PYENV_PYTHON, "/usr/bin/python3")
                  if os.path.exists(p) and os.path.realpath(p) != os.path.realpath(sys.executable)]
        for other in others:
            r = subprocess.run([other, __file__, "--boto3-only", stack.url], capture_output=True, text=True)
            print(r.stdout, end="")
            pwtest.check(r.returncode == 0, f"the same checks with {other}'s boto3", r.stderr)
        if not others:
            print("skipped: no second boto3 (pyenv Python 3.11.7 or Debian's) here", flush=True)
        clis = aws_clis()
        for n, aws in enumerate(clis):
            cli_checks(stack.url, aws, f"cli{n}")
    demo_clock_checks(clis)
    pwtest.done()


if __name__ == "__main__":
    main()

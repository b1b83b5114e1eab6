#!/usr/bin/env python3
"""The post's two functions deployed as the post deploys them — python3.12 zips, Handler
lambda_function.lambda_handler, env CWAlarmSNSTopic, rate(1 minute) rules — with boto3 against `pingwatch local`:
Pending right after CreateFunction (Invoke refused with Lambda's ResourceConflictException), Active after boto3's
function_active_v2 waiter and `aws lambda wait function-active-v2`; the rules fire, the functions' own boto3 calls
reach the stack, and the post's metrics and alarms appear. Then errors as Lambda reports them: a handler that raises
(errorType/errorMessage/stackTrace, FunctionError Unhandled), an import error, a timeout."""
import io
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import pwtest  # noqa: E402
from pwtest import check  # noqa: E402

SRC = os.environ.get("PINGWATCH_SOURCE_DIR") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
REGION = "ap-northeast-1"
ROLE = "arn:aws:iam::123456789012:role/{}Role"
POST_FUNCTIONS = [  # (function, the post's code in bench/post, rule)
    ("LambdaFunctionCheckSSMAgentStatus", "check_ssm_agent_status.py", "LambdaCheckSSMAgentStatusRule"),
    ("LambdaCreateCWAlarm", "create_cw_alarm.py", "LambdaCreateCWAlarmRule")]
ERRORS_PY = '''import time

import helper


def raises(event, context):
    helper.explode(event["node"])


def prints(event, context):
    print("checking", event["node"])
    return {"checked": event["node"]}


def sleeps(event, context):
    time.sleep(event["seconds"])
'''
HELPER_PY = '''def explode(node):
    raise KeyError("PingStatus of " + node)
'''


def zip_of(files):
    """A deployment package as the Lambda console makes it: the files at the root of the zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buffer.getvalue()


def create(lam, name, code, handler, **extra):
    return lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE.format(name), Handler=handler,
                               Code={"ZipFile": code}, **extra)


def pending_then_active(lam, name, code, topic):
    created_at = time.monotonic()
    fn = create(lam, name, code, "lambda_function.lambda_handler", Timeout=60,
                Environment={"Variables": {"CWAlarmSNSTopic": topic}})
    try:
        lam.invoke(FunctionName=name, Payload=b"{}")
        refused = None
    except lam.exceptions.ResourceConflictException as e:
        refused = e.response["Error"]["Message"]
    check(fn["State"] == "Pending" and fn["StateReasonCode"] == "Creating" and
          fn["StateReason"] == "The function is being created." and fn["LastUpdateStatus"] == "InProgress",
          f"{name}: Pending right after CreateFunction", str(fn))
    if refused is not None or time.monotonic() - created_at < 0.4:
        check(refused == "The operation cannot be performed at this time. The function is currently in the following "
              "state: Pending", f"{name}: Invoke while Pending is Lambda's ResourceConflictException", str(refused))
    return fn


def deploy_the_post(stack, lam, events, topic):
    for name, source, rule in POST_FUNCTIONS:
        with open(os.path.join(SRC, "bench", "post", source)) as f:
            fn = pending_then_active(lam, name, zip_of({"lambda_function.py": f.read()}), topic)
        rule_arn = events.put_rule(Name=rule, ScheduleExpression="rate(1 minute)", State="ENABLED")["RuleArn"]
        events.put_targets(Rule=rule, Targets=[{"Id": "1", "Arn": fn["FunctionArn"]}])
        lam.add_permission(FunctionName=name, StatementId=f"{rule}-invoke", Action="lambda:InvokeFunction",
                           Principal="events.amazonaws.com", SourceArn=rule_arn)
    # boto3's waiter for the first, the AWS CLI's for the second: both poll GetFunction until State is Active.
    lam.get_waiter("function_active_v2").wait(FunctionName=POST_FUNCTIONS[0][0], WaiterConfig={"Delay": 1})
    aws = "/usr/bin/aws" if os.path.exists("/usr/bin/aws") else shutil.which("aws")   # Debian's CLI first
    if aws:
        cli = subprocess.run([aws, "--endpoint-url", stack.url, "--region", REGION, "lambda", "wait",
                              "function-active-v2", "--function-name", POST_FUNCTIONS[1][0]],
                             env=pwtest.aws_env(), capture_output=True, text=True, timeout=120)
        check(cli.returncode == 0, "boto3's function_active_v2 waiter and `aws lambda wait function-active-v2` return",
              cli.stderr)
    else:
        print("note: no AWS CLI here; boto3's waiter only")
        lam.get_waiter("function_active_v2").wait(FunctionName=POST_FUNCTIONS[1][0], WaiterConfig={"Delay": 1})
    states = [lam.get_function(FunctionName=n)["Configuration"] for n, _, _ in POST_FUNCTIONS]
    check(all(c["State"] == "Active" and c["LastUpdateStatus"] == "Successful" and c["Runtime"] == "python3.12"
              for c in states), "both functions Active, python3.12", str(states))


def the_rules_leave_the_posts_metrics_and_alarms(stack, cw, topic):
    nodes = sorted(n["instance_id"] for n in stack.get("/_local/fleet")["nodes"])
    deadline = time.monotonic() + 60
    metrics, alarms = set(), {}
    while time.monotonic() < deadline and (len(metrics) < len(nodes) or len(alarms) < len(nodes)):
        time.sleep(0.5)
        metrics = {m["Dimensions"][0]["Value"] for m in
                   cw.list_metrics(Namespace="SSM Agent", MetricName="Status")["Metrics"]}
        alarms = {a["AlarmName"]: a for a in cw.describe_alarms(AlarmNamePrefix="ssm-agent-")["MetricAlarms"]}
    check(sorted(metrics) == nodes, "the status function's PutMetricData: SSM Agent/Status per node",
          f"{sorted(metrics)} != {nodes}")
    check(sorted(alarms) == [f"ssm-agent-{n}" for n in nodes], "the alarm function's PutMetricAlarm: ssm-agent-<id>",
          str(sorted(alarms)))
    a = alarms[f"ssm-agent-{nodes[0]}"]
    check((a["Statistic"], a["Period"], a["Threshold"], a["ComparisonOperator"], a["TreatMissingData"],
           a["AlarmActions"]) == ("Maximum", 60, 1.0, "GreaterThanOrEqualToThreshold", "missing", [topic]),
          "the alarm is the post's, with CWAlarmSNSTopic from the function's environment", str(a))


def errors_are_reported_as_lambda_reports_them(lam):
    code = zip_of({"errors.py": ERRORS_PY, "helper.py": HELPER_PY})
    create(lam, "Raises", code, "errors.raises")
    create(lam, "ImportFails", code, "missing_module.lambda_handler")
    create(lam, "Sleeps", code, "errors.sleeps", Timeout=1)
    create(lam, "Prints", code, "errors.prints")
    for name in ("Raises", "ImportFails", "Sleeps", "Prints"):
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})

    r = lam.invoke(FunctionName="Raises", Payload=b'{"node": "i-0572676272d863124"}')
    error = json.loads(r["Payload"].read())
    check(r.get("FunctionError") == "Unhandled" and error["errorType"] == "KeyError" and
          error["errorMessage"] == "'PingStatus of i-0572676272d863124'", "a raising handler: errorType, errorMessage",
          str(error))
    trace = error["stackTrace"]
    check(len(trace) == 2 and 'errors.py", line 7, in raises' in trace[0] and 'helper.py", line 2, in explode' in trace[1],
          "stackTrace: the user's frames only", str(trace))
    r = lam.invoke(FunctionName="ImportFails", Payload=b"{}")
    error = json.loads(r["Payload"].read())
    check(r.get("FunctionError") == "Unhandled" and error["errorType"] == "Runtime.ImportModuleError" and
          error["errorMessage"] == "Unable to import module 'missing_module': No module named 'missing_module'",
          "an import error is Runtime.ImportModuleError", str(error))
    r = lam.invoke(FunctionName="Prints", Payload=b'{"node": "i-0572676272d863124"}')
    check(json.loads(r["Payload"].read()) == {"checked": "i-0572676272d863124"}, "a handler's result is the payload")
    lam.invoke(FunctionName="Sleeps", Payload=b'{"seconds": 0}')   # warm: the timed call measures the deadline only
    started = time.monotonic()
    r = lam.invoke(FunctionName="Sleeps", Payload=b'{"seconds": 10}')
    error = json.loads(r["Payload"].read())
    check(r.get("FunctionError") == "Unhandled" and error["errorType"] == "Sandbox.Timedout" and
          "Task timed out after 1.00 seconds" in error["errorMessage"] and time.monotonic() - started < 5,
          "Timeout 1 s ends a 10 s handler", str(error))


def main():
    fleet = os.path.join(SRC, "scripts", "demo-fleet.json")
    with pwtest.LocalStack("--time-scale", "60", "--region", REGION, "--fleet", fleet,
                           env=pwtest.aws_env(AWS_REGION=REGION, AWS_DEFAULT_REGION=REGION)) as stack:
        client = lambda name: pwtest.boto3_client(name, stack.url, region=REGION)  # noqa: E731
        lam, events, cw, sns = client("lambda"), client("events"), client("cloudwatch"), client("sns")
        topic = sns.create_topic(Name="SSM-Ping")["TopicArn"]
        deploy_the_post(stack, lam, events, topic)
        the_rules_leave_the_posts_metrics_and_alarms(stack, cw, topic)
        errors_are_reported_as_lambda_reports_them(lam)
        logs = stack.stderr_text() + open(os.path.join(stack.work, "stack.out")).read()
        check("[LambdaCreateCWAlarm]" in logs and "python3.12" in logs, "the functions' runs are in the stack's log")
        printed, ended = logs.find("[Prints] checking i-0572676272d863124"), logs.find("[Prints] END RequestId")
        check(0 <= printed < ended, "a handler's print() is in the log as it runs, before the invocation's END",
              logs[-3000:])
    pwtest.done()


if __name__ == "__main__":
    main()

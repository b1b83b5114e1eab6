#!/usr/bin/env python3
"""`make demo`: the post's experiment, replayed on pingwatch's local AWS stack in about a minute and a half.

It deploys into a running stack with ordinary AWS API calls (boto3 from Debian), side by side:
- the post's setup exactly as published: the SNS topic SSM-Ping with an email subscription, its two Python
  functions (bench/post, unchanged, python3.12, env CWAlarmSNSTopic) and the two rate(1 minute) EventBridge rules
  LambdaCheckSSMAgentStatusRule and LambdaCreateCWAlarmRule;
- pingwatch's functions from the `make package` zip (publish, sync-alarms and, with --with-watch, watch) on their
  own rules. By default pingwatch writes the post's metric and alarm names (it replaces the post); here it writes
  PINGWATCH_NAMESPACE and PINGWATCH_PREFIX<id> so that the two sets do not overwrite each other.
The functions are created, then waited for (Pending -> Active, as on AWS) before the rules target them.
The fleet (scripts/demo-fleet.json) has the post's four nodes; at 08:20 (simulated) each gets the post's fault.
The script then shows, as they happen, what SSM reports, each alarm state change of both sets and each email,
and ends with a summary next to what the post saw.
"""
import argparse
import datetime as dt
import io
import json
import os
import sys
import time
import urllib.request
import zipfile

import boto3
from botocore.config import Config

POST_DETECTED = {  # what the post observed on 2024-04-12 (alarm times, UTC; the faults went in together shortly before)
    "Agent-Stop": "alarm 08:28", "Security-group": "alarm 08:28", "Metadata": "alarm 09:15 (~47 min later)",
    "Roll": "alarm 09:15 (~47 min later)"}
POST_PREFIX = "ssm-agent-"               # the post's alarm names: ssm-agent-<instance id>
PINGWATCH_PREFIX = "pingwatch-ssm-agent-"  # pingwatch's, in this demo only (its default is the post's)
PINGWATCH_NAMESPACE = "pingwatch/SSM Agent"
POST_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench", "post")
FAULTS = {"Agent-Stop": "agent-stop", "Security-group": "network-block",
          "Metadata": "imds-disabled", "Roll": "role-detached"}

parser = argparse.ArgumentParser()
parser.add_argument("--endpoint-url", required=True)
parser.add_argument("--zip", required=True, help="dist/pingwatch-lambda-x86_64.zip")
parser.add_argument("--fault-at", default="08:20", help="simulated HH:MM of the faults (later if the deployment is not "
                    "running by then: monitoring must be up first, as in the post)")
parser.add_argument("--observe-minutes", type=float, default=60, help="simulated minutes watched after the faults")
parser.add_argument("--wall-limit", type=float, default=115.0, help="seconds; the demo never runs longer")
parser.add_argument("--with-watch", action="store_true", help="also deploy pingwatch watch as a third function")
args = parser.parse_args()

region = "ap-northeast-1"
session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=region)
cfg = Config(retries={"mode": "standard", "max_attempts": 3})
client = lambda name: session.client(name, endpoint_url=args.endpoint_url, config=cfg)  # noqa: E731
sns, lam, events, cw = client("sns"), client("lambda"), client("events"), client("cloudwatch")


def local(path):
    with urllib.request.urlopen(args.endpoint_url + path, timeout=5) as r:
        return json.load(r)


def hhmm(epoch):
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%H:%M:%S")


def say(sim_now, what, text):
    print(f"[{hhmm(sim_now)}] {what:<7} {text}", flush=True)


# --- deploy the post's setup and pingwatch's next to it ---------------------------------------------------
def post_zip(source):
    """The post's code as the Lambda console packages it: lambda_function.py at the root of the zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z, open(os.path.join(POST_DIR, source)) as f:
        z.writestr("lambda_function.py", f.read())
    return buffer.getvalue()


topic_arn = sns.create_topic(Name="SSM-Ping")["TopicArn"]
sns.subscribe(TopicArn=topic_arn, Protocol="email", Endpoint="ops@example.com")
pingwatch_zip = open(args.zip, "rb").read()
pingwatch_env = {"CWAlarmSNSTopic": topic_arn, "PINGWATCH_ALARM_PREFIX": PINGWATCH_PREFIX,
                 "PINGWATCH_METRIC_NAMESPACE": PINGWATCH_NAMESPACE}
functions = [  # (function, rule, CreateFunction arguments)
    ("LambdaFunctionCheckSSMAgentStatus", "LambdaCheckSSMAgentStatusRule",
     dict(Runtime="python3.12", Handler="lambda_function.lambda_handler", Code={"ZipFile": post_zip("check_ssm_agent_status.py")})),
    ("LambdaCreateCWAlarm", "LambdaCreateCWAlarmRule",
     dict(Runtime="python3.12", Handler="lambda_function.lambda_handler", Code={"ZipFile": post_zip("create_cw_alarm.py")},
          Environment={"Variables": {"CWAlarmSNSTopic": topic_arn}})),
    ("PingwatchPublish", "PingwatchPublishRule", dict(Runtime="provided.al2023", Handler="publish",
                                                      Environment={"Variables": pingwatch_env})),
    ("PingwatchSyncAlarms", "PingwatchSyncAlarmsRule", dict(Runtime="provided.al2023", Handler="sync-alarms",
                                                            Environment={"Variables": pingwatch_env}))]
if args.with_watch:
    functions.append(("PingwatchWatch", "PingwatchWatchRule", dict(
        Runtime="provided.al2023", Handler="watch", Environment={"Variables": dict(
            pingwatch_env, PINGWATCH_STATE_TABLE="pingwatch-watch-state", PINGWATCH_WATCH_CREATE_TABLE="true")})))
arns = {}
for name, _, spec in functions:
    spec.setdefault("Code", {"ZipFile": pingwatch_zip})
    # Timeout: the post's author had to raise the 3 s default; 60 s for every function here.
    arns[name] = lam.create_function(FunctionName=name, Role=f"arn:aws:iam::123456789012:role/{name}Role",
                                     Timeout=60, MemorySize=128, **spec)["FunctionArn"]
for name, _, _ in functions:  # a new function is Pending until Lambda has set it up: wait as AWS clients do
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
for name, rule, _ in functions:
    rule_arn = events.put_rule(Name=rule, ScheduleExpression="rate(1 minute)", State="ENABLED")["RuleArn"]
    events.put_targets(Rule=rule, Targets=[{"Id": "1", "Arn": arns[name]}])
    lam.add_permission(FunctionName=name, StatementId=f"{rule}-invoke", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rule_arn)
clock = local("/_local/clock")
say(clock["sim_now"], "deploy", f"topic SSM-Ping + email, {len(functions)} functions, {len(functions)} rate(1 minute) rules "
    f"(time scale {clock['time_scale']:g}: one simulated minute per {60 / clock['time_scale']:.2g} s)")
say(clock["sim_now"], "deploy", "the post's (python3.12, its code unchanged): LambdaFunctionCheckSSMAgentStatus, "
    f"LambdaCreateCWAlarm -> metric SSM Agent/Status, alarms {POST_PREFIX}<id>")
say(clock["sim_now"], "deploy", f"pingwatch's (provided.al2023): {', '.join(n for n, _, _ in functions[2:])} -> metric "
    f"{PINGWATCH_NAMESPACE}/Status, alarms {PINGWATCH_PREFIX}<id>")
say(clock["sim_now"], "deploy", "pingwatch writes the post's names by default (it replaces the post); here its names "
    "differ so that both sets of alarms run side by side without overwriting each other")

# --- watch it happen -------------------------------------------------------------------------------------------
ALARM_SETS = (("post", POST_PREFIX), ("pingwatch", PINGWATCH_PREFIX))
names, faulted_at, ssm_lost, watched, emails = {}, {}, {}, {}, []
alarmed = {who: {} for who, _ in ALARM_SETS}   # who -> instance id -> first ALARM (simulated epoch)
last_ping_status, last_alarm_state, seen_mail, shown_kinds = {}, {}, set(), set()
fleet = local("/_local/fleet")
print()
print(f"{'instance':<21} {'Name':<15} {'platform':<22} SSM")
for n in fleet["nodes"]:
    names[n["instance_id"]] = n["tags"].get("Name", "") if isinstance(n["tags"], dict) else dict(n["tags"]).get("Name", "")
    print(f"{n['instance_id']:<21} {names[n['instance_id']]:<15} {n['platform']:<22} {n['ping_status']}")
print()
day = dt.datetime.fromtimestamp(clock["sim_now"], dt.timezone.utc)
h, m = map(int, args.fault_at.split(":"))
# Faults go in once every function has run a few cycles (3 simulated minutes after deployment at the earliest).
fault_at = max(day.replace(hour=h, minute=m, second=0).timestamp(), clock["sim_now"] + 180)
until = fault_at + args.observe_minutes * 60 + 120
faults_sent = False
started = time.monotonic()
sim_now = clock["sim_now"]
while sim_now < until and time.monotonic() - started < args.wall_limit:
    fleet = local("/_local/fleet")
    sim_now = fleet["now"]
    if not faults_sent and sim_now >= fault_at:
        for n in fleet["nodes"]:
            fault = FAULTS.get(names[n["instance_id"]])
            if fault:
                req = urllib.request.Request(args.endpoint_url + "/_local/fleet/faults", method="POST",
                                             data=json.dumps({"instance_id": n["instance_id"], "fault": fault}).encode())
                urllib.request.urlopen(req, timeout=5).read()
        faults_sent = True
        continue
    for n in fleet["nodes"]:
        iid, name = n["instance_id"], names[n["instance_id"]]
        if n.get("last_fault") and iid not in faulted_at:
            faulted_at[iid] = n["last_fault_at"]
            say(n["last_fault_at"], "fault", f"{iid} ({name}): {n['last_fault']}")
        status = n["ping_status"] or "(not listed)"
        if last_ping_status.get(iid) not in (None, status):
            say(sim_now, "ssm", f"{iid} ({name}): PingStatus {last_ping_status[iid]} -> {status}")
            if status != "Online":
                ssm_lost.setdefault(iid, sim_now)
        last_ping_status[iid] = status
    for who, prefix in ALARM_SETS:
        for page in cw.get_paginator("describe_alarms").paginate(AlarmNamePrefix=prefix):
            for a in page["MetricAlarms"]:
                name, state = a["AlarmName"], a["StateValue"]
                if last_alarm_state.get(name) != state:
                    iid = name[len(prefix):]
                    say(a["StateUpdatedTimestamp"].timestamp(), "alarm", f"[{who}] {name} ({names.get(iid, '?')}): "
                        f"{last_alarm_state.get(name, 'created')} -> {state}")
                    if state == "ALARM":
                        alarmed[who].setdefault(iid, a["StateUpdatedTimestamp"].timestamp())
                    last_alarm_state[name] = state
    for mail in local("/_local/mailbox").get("messages", []):
        key = mail.get("message_id") or mail.get("file")
        if key in seen_mail:
            continue
        seen_mail.add(key)
        emails.append(mail)
        subject = mail.get("subject") or ""
        # kind: "post" (an alarm of the post's), "alarm" (one of pingwatch's alarms) or "notice" (pingwatch watch)
        if not subject.startswith(("ALARM:", "OK:", "INSUFFICIENT_DATA:")):
            kind = "notice"
            for iid in names:
                if iid in (mail.get("body") or "") or iid in subject:
                    watched.setdefault(iid, sim_now)
        else:
            kind = "alarm" if PINGWATCH_PREFIX in subject else "post"
        say(sim_now, "email", f"[{'post' if kind == 'post' else 'pingwatch'}] to {mail.get('endpoint')}: {subject}")
        if kind != "alarm" and kind not in shown_kinds:  # one whole message of the post's and of watch's
            shown_kinds.add(kind)
            print("\n".join("          | " + line for line in mail.get("body", "").splitlines()[:40]), flush=True)
    time.sleep(0.25)

# --- summary -----------------------------------------------------------------------------------------------
stats = local("/_local/stats")
print()
print("Summary (simulated UTC; the post: four EC2 instances on 2024-04-12)")
print(f"{'Name':<15} {'fault':<14} {'at':<9} {'SSM lost':<9} {'post alarm':<17} {'pingwatch alarm':<17} "
      f"{'watch':<9} post saw")


def alarm_cell(first_alarm, fault):
    if not first_alarm:
        return "-"
    return f"{hhmm(first_alarm)} ({(first_alarm - fault) / 60:.0f} min)" if fault else hhmm(first_alarm)


detected = {who: 0 for who, _ in ALARM_SETS}
for iid, name in names.items():
    f = faulted_at.get(iid)
    for who, _ in ALARM_SETS:
        detected[who] += iid in alarmed[who]
    print(f"{name:<15} {FAULTS.get(name, '?'):<14} {hhmm(f) if f else '-':<9} "
          f"{hhmm(ssm_lost[iid]) if iid in ssm_lost else '-':<9} {alarm_cell(alarmed['post'].get(iid), f):<17} "
          f"{alarm_cell(alarmed['pingwatch'].get(iid), f):<17} {hhmm(watched[iid]) if iid in watched else '-':<9} "
          f"{POST_DETECTED.get(name, '-')}")
print(f"the post's functions alarmed {detected['post']} of {len(names)} faults, pingwatch's {detected['pingwatch']}; "
      f"{len(emails)} emails delivered, {stats.get('total', '?')} API requests served, "
      f"{time.monotonic() - started:.0f} s of wall time")
sys.exit(0 if all(n == len(names) for n in detected.values()) else 1)

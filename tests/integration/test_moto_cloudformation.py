#!/usr/bin/env python3
"""deploy/template.yaml passes the official cfn-lint (1.51) and creates on moto's CloudFormation
(CREATE_COMPLETE) in every deployment mode it offers (its Mode parameter's values, when it has one): the
resources its Conditions select, of types moto implements, are really there and nothing else is (functions on
provided.al2023 under their names, schedule rules, topic, the watch state table with the pk/sk key the DynamoDB
state store uses); the types moto skips are listed with the reason taken from moto itself.

Why moto skips some types (moto 5.2.1, moto/cloudformation/parsing.py): a type is created only if a model
class subclasses CloudFormationModel and returns it from cloudformation_type() (get_model_map()); otherwise
resource_class_from_type() logs "No Moto CloudFormation support for <type>" and parse_resource() returns None,
so the resource is silently left out and the stack still completes. moto has no such model for
AWS::CloudWatch::Alarm (cloudwatch/models.py models only AWS::CloudWatch::Dashboard), AWS::SNS::Subscription
(sns/models.py models only AWS::SNS::Topic) or AWS::Lambda::EventInvokeConfig. That is moto's gap, not the
template's: cfn-lint (the AWS resource specification) accepts the template. Likewise moto's DynamoDB table model
ignores TimeToLiveSpecification (TTL stays DISABLED); the test checks the template's declaration instead."""
import io
import json
import os
import re
import subprocess
import sys
import time
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import pwtest  # noqa: E402
from pwtest import check, skip  # noqa: E402

SOURCE = os.environ.get("PINGWATCH_SOURCE_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TEMPLATE = os.path.join(SOURCE, "deploy", "template.yaml")


def lint():
    cfn_lint = pwtest.reference_tool("cfn-lint")
    if not cfn_lint:
        print("cfn-lint is not installed here: lint not run")
        return
    version = subprocess.run([cfn_lint, "--version"], capture_output=True, text=True).stdout.strip()
    p = subprocess.run([cfn_lint, TEMPLATE], capture_output=True, text=True, timeout=300)
    check(p.returncode == 0, f"{version} finds nothing in deploy/template.yaml", p.stdout + p.stderr)


def load_template():
    """The template as data: short forms (!Ref, !Sub, !Equals, ...) become their long forms."""
    return pwtest.load_cfn_template(TEMPLATE)


def resolve(value, params):
    """Ref to a parameter and Sub over parameters (what names and schedules in the template use)."""
    if isinstance(value, dict) and "Ref" in value and value["Ref"] in params:
        return params[value["Ref"]]
    if isinstance(value, dict) and "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
        return re.sub(r"\$\{([A-Za-z0-9]+)\}", lambda m: str(params.get(m.group(1), m.group(0))), value["Fn::Sub"])
    return value


def conditions_of(template, params):
    """Every Condition's truth for these parameter values (Equals, Not, Or, And, Condition)."""
    raw = template.get("Conditions", {})
    done = {}

    def ev(c):
        if isinstance(c, dict) and "Condition" in c:
            return named(c["Condition"])
        (fn, args), = c.items()
        if fn == "Fn::Equals":
            a, b = (str(resolve(x, params)) for x in args)
            return a == b
        if fn == "Fn::Not":
            return not ev(args[0])
        if fn == "Fn::Or":
            return any(ev(x) for x in args)
        if fn == "Fn::And":
            return all(ev(x) for x in args)
        raise ValueError(f"condition function {fn} is not evaluated by this test")

    def named(name):
        if name not in done:
            done[name] = ev(raw[name])
        return done[name]

    return {name: named(name) for name in raw}


def deployed(template, params):
    """The resources a stack with these parameters has: {logical id: resource} (Conditions applied)."""
    truth = conditions_of(template, params)
    return {n: r for n, r in template["Resources"].items() if "Condition" not in r or truth[r["Condition"]]}


def create_stack(moto, name, params):
    s3 = pwtest.boto3_client("s3", moto.url)
    s3.create_bucket(Bucket=params["CodeBucket"])
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\n")
    s3.put_object(Bucket=params["CodeBucket"], Key=params["CodeKey"], Body=zipped.getvalue())
    cfn = pwtest.boto3_client("cloudformation", moto.url)
    with open(TEMPLATE) as f:
        body = f.read()
    given = {k: v for k, v in params.items() if k in load_template()["Parameters"]}
    cfn.create_stack(StackName=name, TemplateBody=body, Capabilities=["CAPABILITY_NAMED_IAM"],
                     Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in given.items()])
    for _ in range(300):
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS"):
            break
        time.sleep(0.2)
    return cfn, stack


def check_dashboard(moto, label, functions):
    """The dashboard's body (assembled by Fn::Sub/Fn::If per mode) is JSON whose widgets show the deployed functions."""
    cw = pwtest.boto3_client("cloudwatch", moto.url)
    names = [d["DashboardName"] for d in cw.list_dashboards()["DashboardEntries"]]
    check(len(names) == 1, f"{label}: one dashboard", str(names))
    body = json.loads(cw.get_dashboard(DashboardName=names[0])["DashboardBody"])
    shown = {d[3] for w in body["widgets"] for d in w.get("properties", {}).get("metrics", [])
             if d[:2] == ["AWS/Lambda", "Invocations"]}
    check(shown == functions, f"{label}: the dashboard charts exactly the deployed functions {sorted(functions)}", str(shown))
    watch_charts = any("Nodes" in d for w in body["widgets"] for d in w.get("properties", {}).get("metrics", []))
    check(watch_charts == ("PingwatchWatch" in functions), f"{label}: nodes by PingStatus charted exactly when watch runs")


def check_stack(moto, template, label, params, unsupported):
    """One stack from the template with these parameters: created, and what it holds is really there."""
    cfn, stack = create_stack(moto, "pingwatch", params)
    check(stack["StackStatus"] == "CREATE_COMPLETE", f"{label}: the template creates on moto's CloudFormation",
          f"{stack['StackStatus']}: {stack.get('StackStatusReason')}")
    # (moto also lists an entry for the stack itself, without a LogicalResourceId)
    created = {r["LogicalResourceId"]: r for r in cfn.describe_stack_resources(StackName="pingwatch")["StackResources"]
               if "LogicalResourceId" in r}
    resources = deployed(template, params)
    expected = sorted(n for n, r in resources.items() if r["Type"] not in unsupported)
    missing = [n for n in expected if created.get(n, {}).get("ResourceStatus") != "CREATE_COMPLETE"]
    check(not missing, f"{label}: every resource of a type moto implements is CREATE_COMPLETE ({len(expected)})", str(missing))
    extra = sorted(set(created) - set(expected))
    check(not extra, f"{label}: nothing else (conditions applied; {len(resources) - len(expected)} of unsupported types skipped)",
          str(extra))

    functions = {f["FunctionName"]: f for f in pwtest.boto3_client("lambda", moto.url).list_functions()["Functions"]}
    for n, r in resources.items():
        if r["Type"] != "AWS::Lambda::Function":
            continue
        name = resolve(r["Properties"]["FunctionName"], params)
        check(functions.get(name, {}).get("Runtime") == "provided.al2023", f"{label}: function {name} exists on provided.al2023",
              str(sorted(functions)))
    mode = params.get("Mode")
    if mode:   # docs/deploy.md: exactly these functions and handlers per mode
        want = {"watch": {"PingwatchWatch": "watch"}, "alarms": {"PingwatchCycle": "cycle"},
                "both": {"PingwatchWatch": "watch", "PingwatchCycle": "cycle"}}[mode]
        got = {name: f.get("Handler") for name, f in functions.items()}
        check(got == want, f"{label}: exactly the functions and handlers {want}", str(got))
        check_dashboard(moto, label, set(want))
    rules = {r["Name"]: r for r in pwtest.boto3_client("events", moto.url).list_rules()["Rules"]}
    for n, r in resources.items():
        if r["Type"] != "AWS::Events::Rule":
            continue
        name, schedule = resolve(r["Properties"]["Name"], params), resolve(r["Properties"]["ScheduleExpression"], params)
        check(rules.get(name, {}).get("ScheduleExpression") == schedule, f"{label}: rule {name} runs on {schedule}", str(rules))
    tables = [n for n, r in resources.items() if r["Type"] == "AWS::DynamoDB::Table"]
    for n in tables:
        ddb = pwtest.boto3_client("dynamodb", moto.url)
        table = ddb.describe_table(TableName=created[n]["PhysicalResourceId"])["Table"]
        check(sorted((k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]) == [("pk", "HASH"), ("sk", "RANGE")],
              f"{label}: table {n} has the pk/sk key the DynamoDB state store uses", str(table["KeySchema"]))
        # TTL: moto's Table.create_from_cloudformation_json (moto/dynamodb/models/table.py) reads KeySchema,
        # AttributeDefinitions, indexes, throughput, streams, tags, SSE, billing - not TimeToLiveSpecification,
        # so moto's table has TTL DISABLED whatever the template says. The template's own declaration is checked.
        declared = resources[n]["Properties"].get("TimeToLiveSpecification")
        check(declared == {"AttributeName": "expires_at", "Enabled": True},
              f"{label}: the template enables TTL on expires_at (sent notices expire after a week)", str(declared))
        ttl = ddb.describe_time_to_live(TableName=table["TableName"])["TimeToLiveDescription"]
        if ttl.get("TimeToLiveStatus") != "ENABLED":
            print(f"  moto left TTL {ttl.get('TimeToLiveStatus')}: it ignores TimeToLiveSpecification in CloudFormation")
        users = [f for f in functions.values() if table["TableName"] in f.get("Environment", {}).get("Variables", {}).values()]
        check(users, f"{label}: a function is told table {n}'s name", str(sorted(functions)))
    topics = [t["TopicArn"] for t in pwtest.boto3_client("sns", moto.url).list_topics()["Topics"]]
    check(any(t.endswith(":SSM-Ping") for t in topics), f"{label}: the SSM-Ping topic exists", str(topics))


def check_watch_shards(moto, label, shards):
    """WatchShards=N: exactly N schedule rules invoke PingwatchWatch, with the inputs {"shard":"1/N"} .. {"shard":"N/N"}
    (the handler reads them: src/runtime/lambda_jobs.cpp), each allowed to invoke it, and N runs may be active."""
    events = pwtest.boto3_client("events", moto.url)
    lam = pwtest.boto3_client("lambda", moto.url)
    watch_arn = lam.get_function(FunctionName="PingwatchWatch")["Configuration"]["FunctionArn"]
    inputs = []
    for rule in events.list_rules()["Rules"]:
        for target in events.list_targets_by_rule(Rule=rule["Name"])["Targets"]:
            if target["Arn"] == watch_arn:
                inputs.append(json.loads(target.get("Input", "{}")).get("shard"))
    want = [f"{k}/{shards}" for k in range(1, shards + 1)]
    check(sorted(inputs, key=lambda s: int(s.split("/")[0])) == want,
          f"{label}: exactly {shards} rules invoke the watch function, with the shards {want}", str(inputs))
    policy = json.loads(lam.get_policy(FunctionName="PingwatchWatch")["Policy"])
    sources = {st["Condition"]["ArnLike"]["AWS:SourceArn"] for st in policy["Statement"] if "Condition" in st}
    rule_arns = {r["Arn"] for r in events.list_rules()["Rules"] if r["Name"].startswith("PingwatchWatchRule")}
    check(sources == rule_arns, f"{label}: each of the {shards} watch rules may invoke the function", f"{sources} vs {rule_arns}")
    reserved = lam.get_function(FunctionName="PingwatchWatch").get("Concurrency", {}).get("ReservedConcurrentExecutions")
    if reserved is None:
        print(f"  {label}: moto does not report the reserved concurrency; the template's declaration is checked instead")
    else:
        check(int(reserved) == shards, f"{label}: reserved concurrency {shards} (one run per shard)", str(reserved))


def main():
    why = pwtest.moto_available(module=True, min_botocore=(1, 43))
    if why:
        skip(why)
    lint()
    from moto.cloudformation.parsing import get_model_map, NULL_MODELS
    template = load_template()
    types = {r["Type"] for r in template["Resources"].values()}
    unsupported = sorted(t for t in types if t not in get_model_map() and t not in NULL_MODELS)
    print(f"resource types moto 5 does not create (no CloudFormationModel for them): {unsupported}")
    defaults = {k: str(v.get("Default", "")) for k, v in template["Parameters"].items()}
    base = {**defaults, "NotificationEmail": "ops@example.com", "CodeBucket": "pingwatch-code", "CodeKey": "pingwatch-lambda.zip"}
    # Every deployment mode the template offers (a Mode parameter), else its one shape.
    modes = template["Parameters"].get("Mode", {}).get("AllowedValues") or [None]
    with pwtest.MotoServer() as moto:
        for mode in modes:
            params = dict(base, **({"Mode": mode} if mode else {}))
            check_stack(moto, template, f"Mode={mode}" if mode else "template", params, unsupported)
            if mode in ("watch", "both"):
                check_watch_shards(moto, f"Mode={mode}", 1)   # the default: one rule, every pair in one run
            moto.reset()
        for mode, shards in (("watch", 3), ("both", 20)):   # watch.shard k/N over N rules (docs/deploy.md)
            params = dict(base, Mode=mode, WatchShards=str(shards))
            check_stack(moto, template, f"Mode={mode} WatchShards={shards}", params, unsupported)
            check_watch_shards(moto, f"Mode={mode} WatchShards={shards}", shards)
            moto.reset()
        declared = template["Resources"]["PingwatchWatch"]["Properties"]["ReservedConcurrentExecutions"]
        check(declared == {"Ref": "WatchShards"}, "the watch function's reserved concurrency is WatchShards", str(declared))
    pwtest.done()


if __name__ == "__main__":
    main()

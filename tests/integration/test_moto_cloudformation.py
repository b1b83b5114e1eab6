#!/usr/bin/env python3
"""deploy/template.yaml passes the official cfn-lint (1.51) and creates on moto's CloudFormation
(CREATE_COMPLETE), every resource of a type moto implements is really there (functions, roles, rules, log
groups, topic, state table with the key schema the watch job needs), and the types moto skips are listed
with the reason taken from moto itself.

Why moto skips some types (moto 5.2.1, moto/cloudformation/parsing.py): a type is created only if a model
class subclasses CloudFormationModel and returns it from cloudformation_type() (get_model_map()); otherwise
resource_class_from_type() logs "No Moto CloudFormation support for <type>" and parse_resource() returns None,
so the resource is silently left out and the stack still completes. moto has no such model for
AWS::CloudWatch::Alarm (cloudwatch/models.py models only AWS::CloudWatch::Dashboard), AWS::SNS::Subscription
(sns/models.py models only AWS::SNS::Topic) or AWS::Lambda::EventInvokeConfig. That is moto's gap, not the
template's: cfn-lint (the AWS resource specification) accepts the template. Likewise moto's DynamoDB table model
ignores TimeToLiveSpecification (TTL stays DISABLED); the test checks the template's declaration instead."""
import io
import os
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


def template_resources():
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    # CloudFormation's short forms (!Ref, !Sub, ...) are tags: read them as plain values.
    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    with open(TEMPLATE) as f:
        return yaml.load(f, Loader=Loader)["Resources"]


def template_types():
    return {name: r["Type"] for name, r in template_resources().items()}


def table_property(name, prop):
    return template_resources()[name]["Properties"].get(prop)


def create_stack(moto):
    s3 = pwtest.boto3_client("s3", moto.url)
    s3.create_bucket(Bucket="pingwatch-code")
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\n")
    s3.put_object(Bucket="pingwatch-code", Key="pingwatch-lambda.zip", Body=zipped.getvalue())
    cfn = pwtest.boto3_client("cloudformation", moto.url)
    with open(TEMPLATE) as f:
        body = f.read()
    params = {"NotificationEmail": "ops@example.com", "CodeBucket": "pingwatch-code", "CodeKey": "pingwatch-lambda.zip"}
    cfn.create_stack(StackName="pingwatch", TemplateBody=body, Capabilities=["CAPABILITY_NAMED_IAM"],
                     Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()])
    for _ in range(300):
        stack = cfn.describe_stacks(StackName="pingwatch")["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS"):
            break
        time.sleep(0.2)
    return cfn, stack


def main():
    why = pwtest.moto_available(module=True, min_botocore=(1, 43))
    if why:
        skip(why)
    lint()
    from moto.cloudformation.parsing import get_model_map, NULL_MODELS
    types = template_types()
    unsupported = sorted({t for t in types.values() if t not in get_model_map() and t not in NULL_MODELS})
    print(f"resource types moto 5 does not create (no CloudFormationModel for them): {unsupported}")
    with pwtest.MotoServer() as moto:
        cfn, stack = create_stack(moto)
        check(stack["StackStatus"] == "CREATE_COMPLETE", "the template creates on moto's CloudFormation",
              f"{stack['StackStatus']}: {stack.get('StackStatusReason')}")
        # (moto also lists an entry for the stack itself, without a LogicalResourceId)
        created = {r["LogicalResourceId"]: r for r in cfn.describe_stack_resources(StackName="pingwatch")["StackResources"]
                   if "LogicalResourceId" in r}
        expected = sorted(n for n, t in types.items() if t not in unsupported)
        missing = [n for n in expected if created.get(n, {}).get("ResourceStatus") != "CREATE_COMPLETE"]
        check(not missing, f"every resource of a type moto implements is CREATE_COMPLETE ({len(expected)})", str(missing))
        skipped = sorted(n for n, t in types.items() if t in unsupported)
        check(all(n not in created for n in skipped), f"moto skipped exactly the {len(skipped)} resources of unsupported types",
              str([n for n in skipped if n in created]))

        functions = {f["FunctionName"]: f for f in pwtest.boto3_client("lambda", moto.url).list_functions()["Functions"]}
        check({"LambdaFunctionCheckSSMAgentStatus", "LambdaCreateCWAlarm", "PingwatchWatch"} <= set(functions),
              "the post's two functions (and watch) exist under their names", str(sorted(functions)))
        check(all(f["Runtime"] == "provided.al2023" for f in functions.values()), "every function runs on provided.al2023")
        rules = {r["Name"]: r for r in pwtest.boto3_client("events", moto.url).list_rules()["Rules"]}
        check(rules.get("LambdaCheckSSMAgentStatusRule", {}).get("ScheduleExpression") == "rate(1 minute)" and
              rules.get("LambdaCreateCWAlarmRule", {}).get("ScheduleExpression") == "rate(1 minute)",
              "the post's two schedule rules run every minute", str(rules))
        ddb = pwtest.boto3_client("dynamodb", moto.url)
        table = ddb.describe_table(TableName=created["PingwatchWatchStateTable"]["PhysicalResourceId"])["Table"]
        check(sorted((k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]) == [("pk", "HASH"), ("sk", "RANGE")],
              "the watch state table has the pk/sk key the DynamoDB state store uses", str(table["KeySchema"]))
        # TTL: moto's Table.create_from_cloudformation_json (moto/dynamodb/models/table.py) reads KeySchema,
        # AttributeDefinitions, indexes, throughput, streams, tags, SSE, billing - not TimeToLiveSpecification,
        # so moto's table has TTL DISABLED whatever the template says. The template's own declaration is checked.
        declared = table_property("PingwatchWatchStateTable", "TimeToLiveSpecification")
        check(declared == {"AttributeName": "expires_at", "Enabled": True},
              "the template enables TTL on expires_at (sent notices expire after a week)", str(declared))
        ttl = ddb.describe_time_to_live(TableName=table["TableName"])["TimeToLiveDescription"]
        if ttl.get("TimeToLiveStatus") != "ENABLED":
            print(f"  moto left TTL {ttl.get('TimeToLiveStatus')}: it ignores TimeToLiveSpecification in CloudFormation")
        env = functions["PingwatchWatch"].get("Environment", {}).get("Variables", {})
        check(table["TableName"] in env.values(), "the watch function is told its table's name", str(env))
        topics = [t["TopicArn"] for t in pwtest.boto3_client("sns", moto.url).list_topics()["Topics"]]
        check(any(t.endswith(":SSM-Ping") for t in topics), "the SSM-Ping topic exists", str(topics))
    pwtest.done()


if __name__ == "__main__":
    main()

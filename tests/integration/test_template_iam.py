#!/usr/bin/env python3
"""Least privilege, checked against the code: for every Lambda function in deploy/template.yaml, the AWS
operations its job can call (found in the job's source, through the typed clients) must be exactly the
actions its role allows, each scoped as tightly as IAM allows - nothing missing, nothing more.

How the code side is found (no hand-kept list of operations):
  1. Each typed client method (src/aws/<service>_client.cpp, `Class::method(`) is mapped to the operation
     names its body sends (string literals that are operations of that service in botocore's model, plus the
     operations of other methods of the same class it calls, e.g. describe_all_alarms -> describe_alarms).
  2. A handler's code path is the file defining its entry function (run_publish, run_sync_alarms,
     watch_job_definition) plus the src/monitor/*.cpp files behind the monitor headers it includes, directly
     or through other headers (X.h is implemented by X.cpp and X_*.cpp that include it: state_store.h ->
     state_store_dynamodb.cpp, ...). Shared plumbing, jobs.cpp and config.cpp, is checked to call no operation.
  3. Every `.method(` / `->method(` of a client class in that code path is an operation the job can call.
     PutMetricAlarm with Tags also needs cloudwatch:TagResource (CloudWatch authorizes the tags separately).
  4. Operations behind a setting that is off unless configured (GATED: watch's CreateTable with
     watch.create_table, AssumeRole with watch.accounts) must be allowed exactly when the function's
     environment turns the setting on; the setting's default is read from the source, not assumed.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import pwtest  # noqa: E402

SRC = os.environ.get("PINGWATCH_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")
SRC = os.path.abspath(SRC)
BOTOCORE = "/usr/lib/python3/dist-packages/botocore/data"

# handler -> entry function of the job (src/monitor/jobs.h). A new job (watch) adds one line here.
HANDLERS = {"publish": "run_publish", "sync-alarms": "run_sync_alarms", "watch": "watch_job_definition",
            "cycle": "run_cycle"}
# handler -> the jobs it runs, one after another on one node listing (run_cycle in jobs.cpp, which is shared
# plumbing and calls no operation itself): its code path is theirs.
COMPOSED = {"cycle": ["publish", "sync-alarms"]}

# handler -> {action: config key}: calls made only when that setting is on (bool) or non-empty (list).
GATED = {
    "watch": {
        "dynamodb:CreateTable": "watch.create_table",     # the stack creates the table
        "dynamodb:DescribeTable": "watch.create_table",
        "sts:AssumeRole": "watch.accounts",               # member accounts: none unless configured
        "ec2:DescribeInstances": "watch.use_ec2",         # vanished reason (stopped/terminated/...): on by default
        "organizations:ListAccounts": "watch.accounts",   # organization:ROLE_NAME@REGIONS entries
    },
}
# handler -> config key of the CloudWatch namespace its PutMetricData writes (default: the Namespace parameter)
NAMESPACE_KEY = {"watch": "watch.metric_namespace"}

# typed client class -> (IAM service prefix, botocore model directory)
CLIENTS = {
    "SsmClient": ("ssm", "ssm"),
    "CloudWatchClient": ("cloudwatch", "cloudwatch"),
    "SnsClient": ("sns", "sns"),
    "StsClient": ("sts", "sts"),
    "DynamoDbClient": ("dynamodb", "dynamodb"),
    "Ec2Client": ("ec2", "ec2"),
    "OrganizationsClient": ("organizations", "organizations"),
}
# Receivers' names that identify a client when a method name exists in several classes.
RECEIVER_HINTS = {"ssm": "SsmClient", "cloudwatch": "CloudWatchClient", "cw": "CloudWatchClient",
                  "sns": "SnsClient", "sts": "StsClient", "dynamodb": "DynamoDbClient",
                  "ddb": "DynamoDbClient", "ec2": "Ec2Client",
                  "organizations": "OrganizationsClient"}
# Actions any identity may call whatever its policies say: "No permissions are required to perform this
# operation" (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html). A role must not
# list them (granting nothing, they would only mislead a reviewer).
NO_PERMISSION_NEEDED = {"sts:GetCallerIdentity"}
# Actions Lambda itself uses with the execution role (logs), not the job's code.
PLATFORM_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents"}

failures = []


def check(cond, message):
    if not cond:
        failures.append(message)
    return cond


# ---------------------------------------------------------------- template
def load_template(path):
    return pwtest.load_cfn_template(path)


def resolve(value, params, resources):
    """Renders Ref/Sub/GetAtt to text with parameters' defaults and pseudo parameters."""
    pseudo = {"AWS::Partition": "aws", "AWS::Region": "ap-northeast-1", "AWS::AccountId": "123456789012"}
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Ref" in value:
        name = value["Ref"]
        if name in pseudo:
            return pseudo[name]
        if name in params:
            return str(params[name].get("Default", "<" + name + ">"))
        return "<ref:" + name + ">"
    if isinstance(value, dict) and "Fn::Sub" in value:
        text, names = value["Fn::Sub"], {}
        if isinstance(text, list):   # [template, {name: value}]
            text, names = text[0], {k: resolve(v, params, resources) for k, v in text[1].items()}
        return re.sub(r"\$\{([^}]+)\}", lambda m: names[m.group(1)] if m.group(1) in names else
                      resolve({"Ref": m.group(1)}, params, resources)
                      if "." not in m.group(1) else "<getatt:" + m.group(1) + ">", text)
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, items = value["Fn::Join"]
        return sep.join(resolve(x, params, resources) for x in items)
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        res, attr = value["Fn::GetAtt"]
        if resources.get(res, {}).get("Type") == "AWS::Logs::LogGroup" and attr == "Arn":
            name = resolve(resources[res]["Properties"]["LogGroupName"], params, resources)
            return f"arn:aws:logs:ap-northeast-1:123456789012:log-group:{name}:*"
        return f"<getatt:{res}.{attr}>"
    return json.dumps(value)


def specialize(template, overrides):
    """The template as CloudFormation would deploy it with these parameter values (defaults otherwise):
    conditions evaluated, Fn::If resolved, AWS::NoValue removed, resources whose condition is false dropped."""
    template = json.loads(json.dumps(template))
    params = template.get("Parameters", {})
    for name, value in overrides.items():
        if not check(name in params, f"template has no parameter {name} (organization mode needs MemberRoleName)"):
            continue
        params[name]["Default"] = value
    conditions = template.get("Conditions", {})

    def condition(c):
        if isinstance(c, str):
            return condition(conditions[c])
        (fn, args), = c.items()
        if fn == "Condition":
            return condition(args)
        if fn == "Fn::Equals":
            return resolve(args[0], params, {}) == resolve(args[1], params, {})
        if fn == "Fn::Not":
            return not condition(args[0])
        if fn == "Fn::Or":
            return any(condition(a) for a in args)
        if fn == "Fn::And":
            return all(condition(a) for a in args)
        raise ValueError(f"condition {fn} not understood")

    no_value = {"Ref": "AWS::NoValue"}

    def walk(v):
        if isinstance(v, dict):
            if len(v) == 1 and "Fn::If" in v:
                name, yes, no = v["Fn::If"]
                return walk(yes if condition(name) else no)
            out = {k: walk(x) for k, x in v.items()}
            return {k: x for k, x in out.items() if x != no_value}
        if isinstance(v, list):
            return [x for x in (walk(y) for y in v) if x != no_value]
        return v

    template["Resources"] = {name: walk(r) for name, r in template["Resources"].items()
                             if "Condition" not in r or condition(r["Condition"])}
    return template


def as_list(v):
    return v if isinstance(v, list) else [v]


# ---------------------------------------------------------------- code
def botocore_operations(model_dir):
    base = os.path.join(BOTOCORE, model_dir)
    version = sorted(os.listdir(base))[-1]
    with open(os.path.join(base, version, "service-2.json"), encoding="utf-8") as f:
        return set(json.load(f)["operations"])


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def client_method_operations():
    """{class: {method: set(operation)}} from the typed clients' sources."""
    result = {}
    for cls, (_, model) in CLIENTS.items():
        stem = re.sub(r"(?<!^)(?=[A-Z])", "_", cls[:-len("Client")]).lower()   # CloudWatch -> cloud_watch
        candidates = [os.path.join(SRC, "src/aws", f"{stem.replace('_', '')}_client.cpp"),
                      os.path.join(SRC, "src/aws", f"{stem}_client.cpp")]
        path = next((p for p in candidates if os.path.exists(p)), None)
        if path is None:
            continue
        ops = botocore_operations(model)
        text = strip_comments(open(path, encoding="utf-8").read())
        defs = list(re.finditer(r"^[^\n;{}]*\b" + cls + r"::(\w+)\s*\(", text, flags=re.M))
        bodies = {}
        for i, m in enumerate(defs):
            end = defs[i + 1].start() if i + 1 < len(defs) else len(text)
            bodies.setdefault(m.group(1), "")
            bodies[m.group(1)] += text[m.end():end]
        direct = {name: set(re.findall(r'"([A-Z][A-Za-z0-9]+)"', body)) & ops for name, body in bodies.items()}
        calls = {name: {other for other in bodies if other != name and re.search(r"\b" + other + r"\s*\(", body)}
                 for name, body in bodies.items()}
        resolved = {}
        for name in bodies:   # transitive closure over same-class calls
            seen, stack, out = set(), [name], set()
            while stack:
                n = stack.pop()
                if n in seen:
                    continue
                seen.add(n)
                out |= direct.get(n, set())
                stack.extend(calls.get(n, ()))
            resolved[name] = out
        # Free functions of the same file that call the client's methods (make_assume_role_credentials ->
        # assume_role): a job calling the function can call what they call.
        for m in re.finditer(r"^[^\n;{}()]*\b(make_\w+)\s*\([^)]*\b" + cls + r"\b[^)]*\)\s*\{", text, flags=re.M):
            end = text.find("\n}", m.end())
            body = text[m.end():end if end > 0 else len(text)]
            ops = set().union(*[resolved.get(c, set()) for c in re.findall(r"(?:\.|->)\s*(\w+)\s*\(", body)])
            if ops:
                resolved[m.group(1)] = ops
        result[cls] = {k: v for k, v in resolved.items() if v}
    return result


def code_path(entry):
    monitor = os.path.join(SRC, "src/monitor")
    files = [f for f in sorted(os.listdir(monitor)) if f.endswith(".cpp")]
    definers = [f for f in files if re.search(r"\b(?:JobResult\s+" + entry + r"\s*\(\s*JobContext|JobDefinition\s+"
                                              + entry + r"\s*\(\s*\))", open(os.path.join(monitor, f), encoding="utf-8").read())]
    if not check(len(definers) == 1, f"{entry}: expected one src/monitor/*.cpp defining it, found {definers}"):
        return []

    def includes(name):
        p = os.path.join(monitor, name)
        return re.findall(r'#include\s+"monitor/(\w+)\.h"', open(p, encoding="utf-8").read()) if os.path.exists(p) else []

    def implementations(header):   # X.h -> X.cpp and X_*.cpp that include it
        return [f for f in files if (f == header + ".cpp" or f.startswith(header + "_")) and header in includes(f)]

    path, seen_headers, queue = [], set(), [definers[0]]
    while queue:
        f = queue.pop()
        if f in path:
            continue
        path.append(f)
        headers = list(includes(f))
        while headers:   # headers included by headers, transitively
            h = headers.pop()
            if h in seen_headers:
                continue
            seen_headers.add(h)
            headers.extend(includes(h + ".h"))
            queue.extend(c for c in implementations(h) if c not in SHARED_PLUMBING)
    return [os.path.join(monitor, f) for f in path]


SHARED_PLUMBING = {"jobs.cpp", "config.cpp"}


def operations_called(paths, methods):
    by_method = {}
    for cls, table in methods.items():
        for m in table:
            by_method.setdefault(m, []).append(cls)
    found = {}   # "service:Op" -> [where]
    for p in paths:
        text = strip_comments(open(p, encoding="utf-8").read())
        for m in re.finditer(r"([\w\]\)]*)\s*(?:\.|->|aws::)\s*(\w+)\s*\(", text):
            receiver, method = m.group(1).lower(), m.group(2)
            classes = by_method.get(method)
            if not classes:
                continue
            if len(classes) > 1:
                hinted = [RECEIVER_HINTS[h] for h in RECEIVER_HINTS if h in receiver and RECEIVER_HINTS[h] in classes]
                classes = hinted[:1] or classes   # unresolvable: count every candidate (stricter)
            line = text.count("\n", 0, m.start()) + 1
            for cls in classes:
                prefix = CLIENTS[cls][0]
                for op in methods[cls][method]:
                    found.setdefault(f"{prefix}:{op}", []).append(f"{os.path.relpath(p, SRC)}:{line} {method}")
                if cls == "CloudWatchClient" and method == "put_metric_alarm" and re.search(r"\.tags\b", text):
                    found.setdefault("cloudwatch:TagResource", []).append(
                        f"{os.path.relpath(p, SRC)}:{line} put_metric_alarm with Tags")
    return found


# ---------------------------------------------------------------- main
# Parameter sets the template is checked with: every function (Mode both), without and with organization mode.
SCENARIOS = [
    ("Mode=both", {"Mode": "both"}),
    ("Mode=both MemberRoleName=PingwatchMember", {"Mode": "both", "MemberRoleName": "PingwatchMember",
                                                   "WatchRegions": "us-east-1+ap-northeast-1"}),
]
# Services watch calls with a member account's credentials (watch_job.cpp run_pair: the reader and the metrics);
# state, topic, STS and Organizations are the home account's.
MEMBER_SERVICES = {"ssm", "ec2", "cloudwatch"}


def check_template(template, methods):
    params = template.get("Parameters", {})
    resources = template["Resources"]
    check("SsmClient" in methods and "CloudWatchClient" in methods,
          "typed clients not found under src/aws (ssm_client.cpp, cloudwatch_client.cpp)")
    check(methods.get("SsmClient", {}).get("for_each_instance_information_page") == {"DescribeInstanceInformation"},
          "method->operation mapping broken: SsmClient::for_each_instance_information_page should send "
          "DescribeInstanceInformation, got %s" % methods.get("SsmClient", {}).get("for_each_instance_information_page"))

    # The job registry names exactly the handlers this test knows: built-ins in jobs.cpp, others (watch)
    # registered with register_job(<entry>()) by src/runtime (which the Lambda runtime calls at init).
    jobs_cpp = open(os.path.join(SRC, "src/monitor/jobs.cpp"), encoding="utf-8").read()
    runtime_dir = os.path.join(SRC, "src/runtime")
    runtime_cpp = "".join(strip_comments(open(os.path.join(runtime_dir, f), encoding="utf-8").read())
                          for f in sorted(os.listdir(runtime_dir)) if f.endswith(".cpp"))
    monitor_cpp = "".join(open(os.path.join(SRC, "src/monitor", f), encoding="utf-8").read()
                          for f in sorted(os.listdir(os.path.join(SRC, "src/monitor"))) if f.endswith(".cpp"))
    for handler, entry in HANDLERS.items():
        builtin = re.search(r'"' + re.escape(handler) + r'"', jobs_cpp) and entry in jobs_cpp
        registered = (re.search(r"register_job\(\s*(?:monitor::)?" + entry + r"\(\)\s*\)", runtime_cpp)
                      and re.search(r'\.name\s*=\s*"' + re.escape(handler) + r'"', monitor_cpp))
        check(builtin or registered, f"{handler} -> {entry} is registered neither in src/monitor/jobs.cpp nor by src/runtime")
    plumbing = operations_called([os.path.join(SRC, "src/monitor", f) for f in SHARED_PLUMBING], methods)
    check(not plumbing, f"shared plumbing calls AWS operations (move them into a job): {plumbing}")

    functions = {name: r for name, r in resources.items() if r["Type"] == "AWS::Lambda::Function"}
    handlers_in_template = {r["Properties"]["Handler"] for r in functions.values()}
    check(handlers_in_template and handlers_in_template <= set(HANDLERS),
          f"template handlers {sorted(handlers_in_template)} are not all jobs {sorted(HANDLERS)}")
    for handler, parts in COMPOSED.items():
        body = re.search(r"JobResult\s+" + HANDLERS[handler] + r"\s*\(JobContext[^)]*\)\s*\{(.*?)\n\}", jobs_cpp, re.S)
        calls = set(re.findall(r"\b(run_\w+)\s*\(", body.group(1))) if body else set()
        check(calls == {HANDLERS[p] for p in parts},
              f"{handler}: {HANDLERS[handler]} should run exactly {[HANDLERS[p] for p in parts]}, runs {sorted(calls)}")

    namespace = params["Namespace"]["Default"]
    prefix = params["AlarmPrefix"]["Default"]
    alarm_arn = f"arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:{prefix}*"
    # How each action must be scoped (IAM: actions with no resource-level permission take "*").
    expected_resource = {
        "ssm:DescribeInstanceInformation": "*",
        "cloudwatch:PutMetricData": "*",
        "cloudwatch:ListMetrics": "*",
        "cloudwatch:DescribeAlarms": alarm_arn,
        "cloudwatch:PutMetricAlarm": alarm_arn,
        "cloudwatch:DeleteAlarms": alarm_arn,
        "cloudwatch:TagResource": alarm_arn,
        "organizations:ListAccounts": "*",   # no resource-level permissions for ListAccounts
        "sts:AssumeRole": f"arn:aws:iam::*:role/{params.get('MemberRoleName', {}).get('Default', '<none>')}",
    }

    # Every environment variable the template sets is one pingwatch reads (a typo would be silently ignored).
    config_keys = set()
    for f in os.listdir(os.path.join(SRC, "src/monitor")):
        if f.endswith(".cpp"):
            text = open(os.path.join(SRC, "src/monitor", f), encoding="utf-8").read()
            config_keys |= set(re.findall(r'get_(?:string|int|number|bool|list)\(\s*"([a-z0-9_.]+)"', text))
    env_names = {"PINGWATCH_" + k.replace(".", "_").upper() for k in config_keys} | {"CWAlarmSNSTopic"}
    check(len(config_keys) > 5, f"found only {sorted(config_keys)} config keys in src/monitor: key pattern changed?")
    for fname, fn in functions.items():
        for var in fn["Properties"].get("Environment", {}).get("Variables", {}):
            check(var in env_names, f"{fname}: environment variable {var} is read by no config key")

    all_monitor_text = strip_comments(monitor_cpp)

    def setting_default(key):
        m = re.search(r'get_(bool|list|string)\(\s*"' + re.escape(key) + r'"\s*,\s*([^,)]*)', all_monitor_text)
        if not check(m, f"setting {key}: its default is not found in src/monitor (GATED/NAMESPACE_KEY out of date?)"):
            return None
        kind, text = m.group(1), m.group(2).strip()
        if kind == "bool":
            return text == "true"
        if kind == "list":
            return text not in ("{}", "{ }")
        return text.strip('"')

    def env_value(fn, key):
        env = fn["Properties"].get("Environment", {}).get("Variables", {})
        return env.get("PINGWATCH_" + key.replace(".", "_").upper())

    report = []
    for fname, fn in sorted(functions.items()):
        props = fn["Properties"]
        handler = props["Handler"]
        env = props.get("Environment", {}).get("Variables", {})
        check(props.get("Runtime") == "provided.al2023", f"{fname}: Runtime must be provided.al2023")
        role_ref = props["Role"].get("Fn::GetAtt", [None])[0]
        role = resources.get(role_ref)
        if not check(role and role["Type"] == "AWS::IAM::Role", f"{fname}: Role is not a role of this template"):
            continue
        rp = role["Properties"]
        check(not rp.get("ManagedPolicyArns"), f"{role_ref}: managed policies are not reviewed here; use inline ones")
        trust = rp["AssumeRolePolicyDocument"]["Statement"]
        check(len(trust) == 1 and trust[0]["Principal"] == {"Service": "lambda.amazonaws.com"}
              and trust[0]["Action"] == "sts:AssumeRole", f"{role_ref}: trust policy must be lambda.amazonaws.com only")

        entries = [HANDLERS[p] for p in COMPOSED.get(handler, [handler])]
        needed = operations_called([f for e in entries for f in code_path(e)], methods)
        allowed = {}   # action -> [(resources, condition)]
        # Inline policies, and AWS::IAM::RolePolicy resources attached to this role (organization mode's).
        attached = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::IAM::RolePolicy"
                    and r["Properties"].get("RoleName") == {"Ref": role_ref}]
        for policy in rp.get("Policies", []) + attached:
            for st in policy["PolicyDocument"]["Statement"]:
                check(st.get("Effect") == "Allow", f"{role_ref}: only Allow statements expected")
                check("NotAction" not in st and "NotResource" not in st, f"{role_ref}: NotAction/NotResource used")
                for action in as_list(st["Action"]):
                    check("*" not in action, f"{role_ref}: wildcard action {action}")
                    allowed.setdefault(action, []).append(
                        ([resolve(r, params, resources) for r in as_list(st["Resource"])], st.get("Condition")))

        code_actions = set(needed) - NO_PERMISSION_NEEDED
        for action in sorted(NO_PERMISSION_NEEDED & set(allowed)):
            check(False, f"{role_ref} allows {action}, which needs no permission: remove it")
        for action, key in GATED.get(handler, {}).items():
            check(action in code_actions, f"GATED names {action} for {handler} but its code never calls it")
            set_in_env = env_value(fn, key)
            on = setting_default(key) if set_in_env is None else \
                (str(resolve(set_in_env, params, resources)).lower() not in ("", "false", "0", "no", "off"))
            if not on:
                code_actions.discard(action)
        role_actions = set(allowed) - PLATFORM_ACTIONS
        # This function's own resources: the table and topic its environment names.
        scoped = dict(expected_resource)
        topic = env.get("CWAlarmSNSTopic") or env.get("PINGWATCH_WATCH_TOPIC_ARN") or env.get("PINGWATCH_ALARM_TOPIC_ARN")
        if topic is not None:
            scoped["sns:Publish"] = resolve(topic, params, resources)
        table = env.get("PINGWATCH_WATCH_DYNAMODB_TABLE") or env.get("PINGWATCH_STATE_TABLE")
        if isinstance(table, dict) and "Ref" in table and resources.get(table["Ref"], {}).get("Type") == "AWS::DynamoDB::Table":
            for op in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchWriteItem",
                       "BatchGetItem", "DescribeTable", "CreateTable"):
                scoped["dynamodb:" + op] = f"<getatt:{table['Ref']}.Arn>"
        scoped["ec2:DescribeInstances"] = "*"   # no resource-level permissions for Describe* in EC2
        want_namespace = namespace
        if handler in NAMESPACE_KEY:
            ns_env = env_value(fn, NAMESPACE_KEY[handler])
            want_namespace = resolve(ns_env, params, resources) if ns_env is not None else setting_default(NAMESPACE_KEY[handler])
        for action in sorted(code_actions - role_actions):
            check(False, f"{fname} ({handler}) calls {action} ({needed[action][0]}) but {role_ref} does not allow it")
        for action in sorted(role_actions - code_actions):
            check(False, f"{role_ref} allows {action} but the {handler} job never calls it")
        for action in sorted(code_actions & role_actions):
            want = scoped.get(action)
            check(want is not None, f"{action}: add its IAM resource scope to expected_resource in this test")
            for res, cond in allowed[action]:
                check(res == [want], f"{role_ref}: {action} on {res}, expected exactly [{want}]")
                if action == "cloudwatch:PutMetricData":
                    ns = (cond or {}).get("StringEquals", {}).get("cloudwatch:namespace")
                    check(ns is not None and resolve(ns, params, resources) == want_namespace,
                          f"{role_ref}: PutMetricData must be conditioned on cloudwatch:namespace = {want_namespace}")
                elif action != "ssm:DescribeInstanceInformation":
                    check(cond is None, f"{role_ref}: unexpected condition on {action}")
        # logs: its own log group only
        log_group = f"arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/lambda/{fname}:*"
        for action in PLATFORM_ACTIONS:
            check(action in allowed, f"{role_ref}: {action} missing: the function could not write its logs")
            for res, _ in allowed.get(action, []):
                check(res == [log_group], f"{role_ref}: {action} on {res}, expected its own log group {log_group}")
        report.append(f"{fname} [{handler}] role {role_ref}: code calls {sorted(code_actions)}; "
                      f"role allows {sorted(role_actions)} + logs")

    return report


def check_member_role(path, methods):
    """deploy/member-role.yaml allows exactly what watch calls with a member's credentials, trusts only the
    home account's watch role, and only from inside the organization."""
    template = load_template(path)
    params = template["Parameters"]
    watch_template = load_template(os.path.join(SRC, "deploy/template.yaml"))
    needed = {a for a in operations_called(code_path(HANDLERS["watch"]), methods) if a.split(":")[0] in MEMBER_SERVICES}
    roles = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    if not check(len(roles) == 1, f"{path}: expected one role"):
        return []
    rp = roles[0]["Properties"]
    trust = rp["AssumeRolePolicyDocument"]["Statement"]
    want_principal = "arn:aws:iam::<HomeAccountId>:role/" + params["WatchRoleName"]["Default"]
    check(len(trust) == 1 and trust[0].get("Action") == "sts:AssumeRole"
          and resolve(trust[0].get("Principal", {}).get("AWS"), params, {}) == want_principal,
          f"member role: trust must be the home watch role {want_principal} only, got {trust}")
    org = (trust[0].get("Condition") or {}).get("StringEquals", {}).get("aws:PrincipalOrgID")
    check(org == {"Ref": "OrganizationId"}, f"member role: trust needs aws:PrincipalOrgID = OrganizationId, got {org}")
    watch_role_name = watch_template["Resources"]["PingwatchWatchRole"]["Properties"]["RoleName"]
    check(resolve(watch_role_name, watch_template["Parameters"], {}) == params["WatchRoleName"]["Default"],
          f"member role: WatchRoleName default differs from the watch role's name {watch_role_name}")
    allowed = {}
    for policy in rp.get("Policies", []):
        for st in policy["PolicyDocument"]["Statement"]:
            for action in as_list(st["Action"]):
                check("*" not in action, f"member role: wildcard action {action}")
                allowed[action] = (as_list(st["Resource"]), st.get("Condition"))
    for action in sorted(needed - set(allowed)):
        check(False, f"member role: watch calls {action} in member accounts but the role does not allow it")
    for action in sorted(set(allowed) - needed):
        check(False, f"member role allows {action} but watch never calls it in a member account")
    for action, (res, cond) in allowed.items():
        check(res == ["*"], f"member role: {action} on {res}: these actions have no resource-level permissions, use *")
        if action == "cloudwatch:PutMetricData":
            ns = (cond or {}).get("StringEquals", {}).get("cloudwatch:namespace")
            check(ns == {"Ref": "WatchMetricNamespace"}, "member role: PutMetricData must be conditioned on the namespace")
    return [f"member role ({os.path.relpath(path, SRC)}): watch calls {sorted(needed)} there; role allows {sorted(allowed)}"]


def main():
    # --template PATH checks another copy (test_template_validate.sh feeds it broken ones: it must fail).
    path = sys.argv[sys.argv.index("--template") + 1] if "--template" in sys.argv else os.path.join(SRC, "deploy/template.yaml")
    raw = load_template(path)
    methods = client_method_operations()
    report = []
    for label, overrides in SCENARIOS:
        report += [f"[{label}] {line}" for line in check_template(specialize(raw, overrides), methods)]
    member = sys.argv[sys.argv.index("--member-role") + 1] if "--member-role" in sys.argv else os.path.join(SRC, "deploy/member-role.yaml")
    report += check_member_role(member, methods)
    for line in report:
        print(line)
    for f in failures:
        print("FAIL:", f)
    print(f"0 passed, {len(failures)} failed" if failures else f"{len(report)} passed, 0 failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

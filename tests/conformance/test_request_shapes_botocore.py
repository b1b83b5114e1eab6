#!/usr/bin/python3
"""Every request body pingwatch's typed clients send parses as the operation's input shape in botocore's
service model (Debian botocore 1.29, an independent reference).

- JSON protocols (ssm, dynamodb, cloudwatch over JSON 1.0): the body is parsed and validated with
  botocore's ParamValidator (unknown members, wrong types, missing required members all fail), and the
  X-Amz-Target / Content-Type headers match the model's targetPrefix / jsonVersion. CloudWatch's JSON 1.0
  target is not in botocore 1.29's model; it is checked against the AWS SDK for JavaScript v3 sources.
- Query protocols (sns, sts, cloudwatch query, ec2): the form body is parsed back into parameters using the
  model's serialization names (member.N / entry.N / ec2 Name.N); every key must be consumed, the result must
  validate, and botocore's own serializer, fed the parsed parameters, must produce the same form.
"""
import datetime
import json
import os
import subprocess
import sys
import urllib.parse

import botocore.session
from botocore.serialize import create_serializer
from botocore.utils import parse_timestamp
from botocore.validate import ParamValidator

MISSING = object()
TOOLS = os.environ.get("PINGWATCH_TOOLS_DIR", "")
TOOL = os.path.join(TOOLS, "encode_tool")
JS_SDK = os.path.join(os.environ.get("PINGWATCH_SOURCE_DIR", "."), "tests/conformance/node_modules/@aws-sdk")

session = botocore.session.get_session()
failures = []


def fail(case, msg):
    failures.append(f"{case}: {msg}")


def serialized_name(shape, default, ec2):
    if ec2:
        if shape.serialization.get("queryName"):
            return shape.serialization["queryName"]
        if shape.serialization.get("name"):
            n = shape.serialization["name"]
            return n[0].upper() + n[1:]
        return default
    return shape.serialization.get("name", default)


class QueryParser:
    def __init__(self, params, ec2):
        self.params = params
        self.ec2 = ec2
        self.consumed = set()
        self.types = {}

    def has_prefix(self, prefix):
        return any(k == prefix or k.startswith(prefix + ".") for k in self.params)

    def scalar(self, shape, key):
        if key not in self.params:
            return MISSING
        self.consumed.add(key)
        self.types[key] = shape.type_name
        raw = self.params[key]
        t = shape.type_name
        if t in ("integer", "long"):
            return int(raw)
        if t in ("double", "float"):
            return float(raw)
        if t == "boolean":
            if raw not in ("true", "false"):
                raise ValueError(f"{key}={raw!r} is not a boolean")
            return raw == "true"
        if t == "timestamp":
            return parse_timestamp(raw)
        return raw

    def parse(self, shape, prefix):
        t = shape.type_name
        if t == "structure":
            if prefix and not self.has_prefix(prefix):
                return MISSING
            out = {}
            for name, member in shape.members.items():
                key = serialized_name(member, name, self.ec2)
                v = self.parse(member, f"{prefix}.{key}" if prefix else key)
                if v is not MISSING:
                    out[name] = v
            return out
        if t == "list":
            if prefix in self.params and self.params[prefix] == "":
                self.consumed.add(prefix)
                return []
            if self.ec2:
                base = prefix
            elif shape.serialization.get("flattened"):
                base = prefix
                if shape.member.serialization.get("name"):
                    base = ".".join(prefix.split(".")[:-1] + [shape.member.serialization["name"]])
            else:
                base = f"{prefix}.{shape.member.serialization.get('name', 'member')}"
            items, i = [], 1
            while self.has_prefix(f"{base}.{i}"):
                items.append(self.parse(shape.member, f"{base}.{i}"))
                i += 1
            return items if items else MISSING
        if t == "map":
            base = prefix if shape.serialization.get("flattened") else f"{prefix}.entry"
            kname = serialized_name(shape.key, "key", False)
            vname = serialized_name(shape.value, "value", False)
            out, i = {}, 1
            while f"{base}.{i}.{kname}" in self.params:
                k = self.scalar(shape.key, f"{base}.{i}.{kname}")
                out[k] = self.parse(shape.value, f"{base}.{i}.{vname}")
                i += 1
            return out if out else MISSING
        return self.scalar(shape, prefix)


def same_value(kind, a, b):
    if kind in ("double", "float", "integer", "long"):
        return float(a) == float(b)
    if kind == "timestamp":
        return parse_timestamp(a) == parse_timestamp(b)
    return a == b


def check_json(case, model, op, headers, body):
    meta = model.metadata
    lower = {k.lower(): v for k, v in headers.items()}
    if meta["protocol"] == "json":
        want_target = f"{meta['targetPrefix']}.{op.name}"
        want_ct = f"application/x-amz-json-{meta['jsonVersion']}"
    else:
        # CloudWatch: botocore 1.29 models it as query; the JSON 1.0 wire comes from newer models (JS SDK v3).
        want_target = f"GraniteServiceVersion20100801.{op.name}"
        want_ct = "application/x-amz-json-1.0"
        if lower.get("x-amzn-query-mode") != "true":
            fail(case, "CloudWatch JSON request lacks x-amzn-query-mode: true")
        js = open(os.path.join(JS_SDK, "client-cloudwatch/dist-cjs/index.js"), encoding="utf-8").read()
        if "GraniteServiceVersion20100801" not in js:
            fail(case, "JS SDK v3 CloudWatch client does not use GraniteServiceVersion20100801")
    if lower.get("x-amz-target") != want_target:
        fail(case, f"X-Amz-Target {lower.get('x-amz-target')!r} != {want_target!r}")
    if lower.get("content-type") != want_ct:
        fail(case, f"Content-Type {lower.get('content-type')!r} != {want_ct!r}")
    params = json.loads(body)
    report = ParamValidator().validate(params, op.input_shape)
    if report.has_errors():
        fail(case, "botocore rejects the body: " + report.generate_report().replace("\n", "; "))


def check_query(case, model, op, headers, body, ec2):
    lower = {k.lower(): v for k, v in headers.items()}
    if lower.get("content-type") != "application/x-www-form-urlencoded; charset=utf-8":
        fail(case, f"Content-Type {lower.get('content-type')!r}")
    pairs = urllib.parse.parse_qsl(body, keep_blank_values=True, strict_parsing=True)
    params = dict(pairs)
    if len(params) != len(pairs):
        fail(case, "duplicate keys in form body")
    if params.pop("Action", None) != op.name:
        fail(case, "Action is not the operation name")
    if params.pop("Version", None) != model.metadata["apiVersion"]:
        fail(case, f"Version is not {model.metadata['apiVersion']}")
    parser = QueryParser(params, ec2)
    parsed = parser.parse(op.input_shape, "") if op.input_shape is not None else {}
    leftover = set(params) - parser.consumed
    if leftover:
        fail(case, f"keys not in the input shape: {sorted(leftover)}")
    report = ParamValidator().validate(parsed, op.input_shape) if op.input_shape is not None else None
    if report is not None and report.has_errors():
        fail(case, "botocore rejects the parsed parameters: " + report.generate_report().replace("\n", "; "))
        return
    ours = dict(params)
    # The query wire is what is checked here: newer models list several protocols (CloudWatch's first is
    # smithy-rpc-v2-cbor in botocore 1.43), so the serializer is named, not taken from the model.
    theirs = create_serializer("ec2" if ec2 else "query").serialize_to_request(parsed, op)["body"]
    theirs = {k: v for k, v in theirs.items() if k not in ("Action", "Version")}
    if set(ours) != set(theirs):
        fail(case, f"botocore serialises different keys: only ours {sorted(set(ours)-set(theirs))}, "
                   f"only botocore {sorted(set(theirs)-set(ours))}")
        return
    for k in ours:
        if not same_value(parser.types.get(k, "string"), ours[k], str(theirs[k]) if not isinstance(theirs[k], str) else theirs[k]):
            fail(case, f"{k}: ours {ours[k]!r} != botocore {theirs[k]!r}")


def main():
    import botocore
    print(f"client: botocore {botocore.__version__} ({sys.executable})", flush=True)
    if not os.path.exists(TOOL):
        print(f"encode_tool not built at {TOOL}", file=sys.stderr)
        return 1
    out = subprocess.run([TOOL], capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        print(out.stderr, file=sys.stderr)
        return 1
    cases = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    seen_ops = set()
    for c in cases:
        model = session.get_service_model(c["model"])
        op = model.operation_model(c["operation"])
        seen_ops.add((c["model"], c["operation"]))
        proto = model.metadata["protocol"]
        is_json_body = any(k.lower() == "x-amz-target" for k in c["headers"])
        try:
            if is_json_body:
                check_json(c["case"], model, op, c["headers"], c["body"])
            else:
                if proto == "json":
                    fail(c["case"], "JSON service sent without X-Amz-Target")
                    continue
                check_query(c["case"], model, op, c["headers"], c["body"], proto == "ec2")
        except Exception as e:  # a parse failure is a conformance failure, reported with the case
            fail(c["case"], f"{type(e).__name__}: {e}")
    print(f"checked {len(cases)} requests covering {len(seen_ops)} operations")
    if len(cases) < 40:
        fail("encode_tool", f"only {len(cases)} cases; expected every implemented operation")
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Differential conformance: the same requests, sent with boto3 to `pingwatch local` and to moto_server
(an AWS implementation nobody here wrote), compared with the outcome AWS documents.

The cases are data (differential_cases.py): each has the request, the EXPECTED AWS outcome (HTTP status,
error code, keys of the response) and the documentation it rests on. pingwatch local must match the
expectation. moto's outcome is reported; where moto departs from the documentation the case records that
as a known moto difference, so this test fails when moto changes as well as when our stack regresses.
Cases marked pending_fix name the helper fixing the stack: they are reported but do not fail.

Bad input that botocore refuses client-side (wrong types, missing members) is sent with
parameter_validation=False and, where botocore's serializer itself refuses a value, as a raw body swapped in
before signing (so the request is still SigV4-signed by botocore).

Needs boto3 and moto_server (the pyenv Python ships both); prints "skipped: <why>" when they are absent.
"""
import json
import os
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
import pwtest  # noqa: E402

try:
    import boto3
    import botocore
    import botocore.exceptions
    import botocore.parsers
except ImportError as e:   # pragma: no cover - depends on the interpreter
    pwtest.skip(f"boto3 is not importable by {sys.executable}: {e}")
if pwtest.moto_available():
    pwtest.skip(pwtest.moto_available())

import differential_cases  # noqa: E402

# Values that differ run to run (ids, random ARN parts, times) are never compared: mask() keeps only the
# response's key tree, and cases compare values only where they are fixed (names, ARNs without random parts).


def mask(value):
    """The response's shape: dicts keep their keys, lists their first element, scalars become type names."""
    if isinstance(value, dict):
        return {k: mask(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [mask(value[0])] if value else []
    if isinstance(value, (bytes, bytearray)):
        return "blob"
    if hasattr(value, "read"):
        return "stream"
    return type(value).__name__


def lookup(response, path):
    """response at a dotted path ("Table.TableStatus", "Topics.0.TopicArn"), or KeyError."""
    node = response
    for part in path.split("."):
        if isinstance(node, list):
            node = node[int(part)]
        else:
            node = node[part]
    return node


def raw_body_hook(protocol, raw, op):
    """A before-sign handler that replaces what botocore serialized with the case's raw body."""
    def handler(request, **_):
        if protocol in ("query", "ec2"):
            params = {"Action": op, "Version": request.data.get("Version") if isinstance(request.data, dict)
                      else urllib.parse.parse_qs(request.body.decode() if isinstance(request.body, bytes)
                                                 else request.body)["Version"][0]}
            params.update(raw)
            request.data = urllib.parse.urlencode(params).encode()
        else:
            request.data = json.dumps(raw).encode()
        if "Content-Length" in request.headers:
            del request.headers["Content-Length"]
    return handler


def wire_protocol(client):
    """The protocol this botocore speaks to the service (1.43 picks one of the model's protocols)."""
    model = client.meta.service_model
    return getattr(model, "resolved_protocol", None) or model.protocol


def compresses_requests():
    """botocore 1.31+ gzips large bodies of operations with the requestcompression trait (PutMetricData)."""
    import botocore.config
    try:
        botocore.config.Config(disable_request_compression=True)
        return True
    except TypeError:
        return False


class Peer:
    """One endpoint (pingwatch local or moto) and the boto3 clients that talk to it."""

    def __init__(self, name, url):
        self.name = name
        self.url = url
        self.clients = {}

    def client(self, service, validate, compress=True):
        key = (service, validate, compress)
        if key not in self.clients:
            extra = {} if compress or not compresses_requests() else {"disable_request_compression": True}
            self.clients[key] = pwtest.boto3_client(service, self.url, parameter_validation=validate, **extra)
        return self.clients[key]

    def call(self, service, op, params, raw=None, validate=True, compress=True):
        """(status, error code or None, response dict) of one call."""
        client = self.client(service, validate=validate and raw is None, compress=compress)
        method = getattr(client, botocore.xform_name(op))
        handler = None
        if raw is not None:
            protocol = wire_protocol(client)
            handler = raw_body_hook(protocol, raw, op)
            client.meta.events.register_first(f"before-sign.*.{op}", handler)
        try:
            response = method(**params)
            return response["ResponseMetadata"]["HTTPStatusCode"], None, response
        except botocore.exceptions.ClientError as e:
            return e.response["ResponseMetadata"].get("HTTPStatusCode"), e.response["Error"].get("Code"), e.response
        except botocore.parsers.ResponseParserError as e:   # e.g. an HTML error page
            return None, "unparseable", {"Error": {"Message": str(e)[:200]}}
        finally:
            if handler:
                client.meta.events.unregister(f"before-sign.*.{op}", handler)


def run_steps(peer, steps):
    for step in steps:
        status, code, response = peer.call(step["service"], step["op"], dict(step.get("params", {})), step.get("raw"))
        if code is not None and not step.get("may_fail"):
            return f"setup {step['op']} failed on {peer.name}: {status} {code} {response.get('Error')}"
    return None


def outcome(peer, case):
    why = run_steps(peer, case.get(f"setup_{peer.name}", []) + case.get("setup", []))
    if why:
        return {"status": None, "code": "setup-failed", "detail": why, "shape": {}}
    status, code, response = peer.call(case["service"], case["op"], dict(case.get("params", {})), case.get("raw"),
                                       validate=not case.get("params_unvalidated"),
                                       compress=case.get("compress", False))
    return {"status": status, "code": code, "response": response, "shape": mask(response),
            "message": (response.get("Error") or {}).get("Message") if code else None}


def departures(result, expect):
    """How an outcome departs from the expectation: a list of short texts (empty when it conforms)."""
    out = []
    if result["status"] != expect["status"]:
        out.append(f"status {result['status']} (expected {expect['status']})")
    if result["code"] != expect.get("code"):
        out.append(f"code {result['code']} (expected {expect.get('code')})")
    response = result.get("response") or {}
    for path in expect.get("keys", []):
        try:
            lookup(response, path)
        except (KeyError, IndexError, TypeError, ValueError):
            out.append(f"missing {path}")
    for path in expect.get("absent", []):
        try:
            lookup(response, path)
            out.append(f"unexpected {path}")
        except (KeyError, IndexError, TypeError, ValueError):
            pass
    for path, value in expect.get("equals", {}).items():
        try:
            got = lookup(response, path)
        except (KeyError, IndexError, TypeError, ValueError):
            got = "<absent>"
        if got != value:
            out.append(f"{path}={got!r} (expected {value!r})")
    return out


def shape_diff(a, b, prefix=""):
    """Keys present in one masked shape and not the other (informational)."""
    diffs = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            p = f"{prefix}.{k}" if prefix else k
            if k not in a:
                diffs.append(f"+{p} only in moto")
            elif k not in b:
                diffs.append(f"+{p} only in pingwatch")
            else:
                diffs.extend(shape_diff(a[k], b[k], p))
    elif isinstance(a, list) and isinstance(b, list) and a and b:
        diffs.extend(shape_diff(a[0], b[0], prefix + ".0"))
    return diffs


class Report:
    """Failures, pending fixes and known moto differences, printed as the cases run."""

    def __init__(self):
        self.failures, self.pending, self.moto_diffs = [], [], []

    def ours(self, label, case, result):
        off = departures(result, case["expect"])
        detail = result.get("message") or result.get("detail")
        if off and case.get("pending_fix"):
            self.pending.append(f"{label}: pending {case['pending_fix']}: {'; '.join(off)}")
            print(f"pending - {label}: {'; '.join(off)} [{case['pending_fix']}]", flush=True)
        elif off:
            self.failures.append(f"{label}: pingwatch {'; '.join(off)} ({detail})")
            print(f"not ok - {label}: pingwatch {'; '.join(off)} ({detail})", flush=True)
        elif case.get("pending_fix"):
            print(f"ok - {label} (pending_fix {case['pending_fix']} can be removed)", flush=True)
        else:
            pwtest.ok(label)

    def moto(self, label, case, result):
        expect = case["expect"]
        detail = result.get("message") or result.get("detail")
        if "moto" not in case:
            off = departures(result, expect)
            if off:
                self.failures.append(f"{label}: moto departs from the documentation, unrecorded: {'; '.join(off)} "
                                     f"({detail})")
                print(f"not ok - {label}: moto {'; '.join(off)} ({detail})", flush=True)
            return
        # A known moto difference: moto must still behave as recorded, and still differ from AWS.
        off = departures(result, case["moto"]["expect"])
        if off:
            self.failures.append(f"{label}: moto no longer behaves as recorded: {'; '.join(off)} ({detail})")
            print(f"not ok - {label}: moto changed: {'; '.join(off)}", flush=True)
        elif not departures(result, expect):
            self.failures.append(f"{label}: moto now conforms; remove the recorded moto difference")
            print(f"not ok - {label}: moto now conforms", flush=True)
        else:
            self.moto_diffs.append(label)
            print(f"  moto differs (known): {case['moto']['why']}", flush=True)


def mutates(case, result):
    """Whether a case may have left state behind in the stack (pingwatch local has no reset)."""
    read_only = case["op"].startswith(("Describe", "List", "Get"))
    return bool(case.get("setup")) or (result["code"] is None and not read_only)


def not_applicable(client, case):
    """Why this client cannot send the case (None when it can): a raw body for another protocol, or a member
    this botocore's model does not have yet (e.g. ReturnValuesOnConditionCheckFailure before botocore 1.31)."""
    protocol = wire_protocol(client)
    if case.get("compress") and not compresses_requests():
        return f"botocore {botocore.__version__} does not compress requests"
    if case.get("raw_protocol") and case["raw_protocol"] != protocol:
        return f"its raw body is {case['raw_protocol']}; this botocore speaks {protocol}"
    members = client.meta.service_model.operation_model(case["op"]).input_shape.members
    unknown = sorted(set(case.get("params", {})) - set(members))
    if unknown:
        return f"botocore {botocore.__version__} does not model {', '.join(unknown)}"
    return None


def run_cases(cases, moto, report):
    peer = Peer("moto", moto.url)
    stack = None
    try:
        for case in cases:
            why = not_applicable(peer.client(case["service"], True), case)
            if why:
                print(f"n/a - {case['id']}: {why}", flush=True)
                continue
            moto.reset()
            if stack is None:   # a fresh stack (no fleet, real-time clock) whenever the last case left state
                stack = pwtest.LocalStack("--nodes", "0", "--time-scale", "1")
            ours = outcome(Peer("pingwatch", stack.url), case)
            if mutates(case, ours):
                stack.stop()
                stack = None
            theirs = outcome(peer, case)
            label = f"{case['id']} ({case['service']} {case['op']})"
            report.ours(label, case, ours)
            report.moto(label, case, theirs)
            if ours["code"] is None and theirs["code"] is None:
                for d in shape_diff(ours["shape"], theirs["shape"]):
                    print(f"  shape: {d}", flush=True)
    finally:
        if stack is not None:
            stack.stop()


def main():
    print(f"client: boto3 {boto3.__version__} / botocore {botocore.__version__} ({sys.executable}); "
          f"peer: moto_server {differential_cases.moto_version()}", flush=True)
    cases = differential_cases.CASES
    ids = [c["id"] for c in cases]
    pwtest.check(len(ids) == len(set(ids)), f"{len(ids)} cases with distinct ids")
    report = Report()
    with pwtest.MotoServer() as moto:
        run_cases(cases, moto, report)
    print(f"{len(cases)} cases; {len(report.moto_diffs)} known moto differences; {len(report.pending)} pending fixes",
          flush=True)
    for p in report.pending:
        print(f"pending: {p}", flush=True)
    if report.failures:
        pwtest.fail(f"{len(report.failures)} cases failed:\n  " + "\n  ".join(report.failures))
    pwtest.done()


if __name__ == "__main__":
    main()

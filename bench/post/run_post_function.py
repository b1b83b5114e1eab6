#!/usr/bin/env python3
"""Runs one of the post's two Lambda functions, unchanged, once, against an endpoint (the local stack).

The functions call boto3.client('ssm') etc. with no endpoint; Debian's boto3 1.26 predates AWS_ENDPOINT_URL,
so this harness only sets the default endpoint_url for the clients they create. Nothing in their code changes.
Prints one JSON line: {"function", "wall_s", "cpu_s", "peak_rss_kb", "error"}.
"""
import argparse
import importlib.util
import json
import os
import resource
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("function", choices=["check-status", "create-alarm"])
parser.add_argument("--endpoint-url", required=True)
args = parser.parse_args()

import boto3  # noqa: E402  (imported after argument parsing so --help is fast)

_real_client = boto3.client


def _client(service_name, *a, **kw):
    kw.setdefault("endpoint_url", args.endpoint_url)
    return _real_client(service_name, *a, **kw)


boto3.client = _client

here = os.path.dirname(os.path.abspath(__file__))
module_file = {"check-status": "check_ssm_agent_status.py", "create-alarm": "create_cw_alarm.py"}[args.function]
spec = importlib.util.spec_from_file_location("post_function", os.path.join(here, module_file))
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)

start_wall, start_cpu = time.monotonic(), time.process_time()
error = None
try:
    module.lambda_handler({}, None)
except Exception as e:  # report, as Lambda would, and exit non-zero
    error = f"{type(e).__name__}: {e}"
print(json.dumps({
    "function": args.function,
    "wall_s": round(time.monotonic() - start_wall, 4),
    "cpu_s": round(time.process_time() - start_cpu, 4),
    "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "error": error,
}))
sys.exit(1 if error else 0)

#!/usr/bin/env python3
"""A minimal Python custom runtime, shaped like AWS's python3.12 runtime: interpreter start, import boto3 and
the handler module, then the Runtime API loop. Used only to time the post's cold start next to pingwatch's."""
import importlib
import json
import os
import sys
import urllib.request

import boto3

endpoint = os.environ.get("PINGWATCH_BENCH_ENDPOINT")
if endpoint:  # same redirection as run_post_function.py; the handler's code is unchanged
    _real = boto3.client
    boto3.client = lambda name, *a, **kw: _real(name, *a, **dict(kw, endpoint_url=kw.get("endpoint_url", endpoint)))

sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
module_name, function_name = os.environ["_HANDLER"].rsplit(".", 1)
handler = getattr(importlib.import_module(module_name), function_name)
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
while True:
    with urllib.request.urlopen(api + "next") as r:
        request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.load(r)
    try:
        result, path = json.dumps(handler(event, None)), request_id + "/response"
    except Exception as e:  # reported to the Runtime API, as AWS's runtime does
        result, path = json.dumps({"errorMessage": str(e), "errorType": type(e).__name__}), request_id + "/error"
    urllib.request.urlopen(urllib.request.Request(api + path, data=result.encode(), method="POST")).read()

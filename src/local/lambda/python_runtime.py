"""The runtime interface client `pingwatch local` runs for Lambda's python3.x runtimes.

On AWS a python3.12 function runs in a managed runtime: an interpreter that imports the handler named by
_HANDLER (module.function) from LAMBDA_TASK_ROOT, then long-polls the Runtime API
($AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/next), calls handler(event, context) and posts the result,
or the error document {errorMessage, errorType, requestId, stackTrace}. This file is that loop, small and
standard-library only. The binary carries it (compiled in from src/local/lambda/python_runtime.py) and writes it to
LAMBDA_RUNTIME_DIR when a Python function starts, so the stack works from any directory.
"""
import decimal
import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback

_API_PREFIX = "/2018-06-01/runtime"
_request_id = ""   # the invocation in progress, for log lines


class Fault(Exception):
    """An error the runtime itself reports (bad handler, import failure, unserialisable result)."""

    def __init__(self, error_type, message, stack_trace=None):
        super().__init__(message)
        self.error_type, self.message, self.stack_trace = error_type, message, stack_trace or []


def _api(method, path, body=None, headers=None):
    """One request to the Runtime API on a fresh loopback connection (a handler may run for minutes; a kept-alive
    connection would be closed by the server meanwhile). No timeout: /next is a long poll."""
    host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port))
    try:
        conn.request(method, _API_PREFIX + path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def _post_error(path, document):
    _api("POST", path, json.dumps(document).encode(),
         {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": document["errorType"]})


def _error_document(error_type, message, stack_trace, request_id):
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": stack_trace}


def _user_frames(tb):
    """The traceback of an exception, as Lambda shows it: without this file's own frames."""
    frames = traceback.extract_tb(tb)
    while frames and frames[0].filename == __file__:
        frames = frames[1:]
    return traceback.format_list(frames)


def _log_error(document):
    """What the runtime writes to the function's log for an error: [ERROR] type: message, then the traceback."""
    lines = [f"[ERROR] {document['errorType']}: {document['errorMessage']}", "Traceback (most recent call last):"]
    for frame in document["stackTrace"]:
        lines.extend(frame.rstrip("\n").splitlines())
    print("\n".join(lines), flush=True)


def _honour_endpoint_url():
    """botocore reads AWS_ENDPOINT_URL itself since 1.31.57 (the boto3 of AWS's python3.12 runtime does). An older
    one (Debian's boto3 1.26) would ignore it and send the function's calls to real AWS: give its clients the same
    default endpoint, unless the code passes its own."""
    url = os.environ.get("AWS_ENDPOINT_URL")
    if not url:
        return
    try:
        import botocore.configprovider
        import botocore.session
    except ImportError:
        return
    if "ignore_configured_endpoint_urls" in getattr(botocore.configprovider, "BOTOCORE_DEFAUT_SESSION_VARIABLES", {}):
        return   # this botocore understands AWS_ENDPOINT_URL
    original = botocore.session.Session.create_client

    def create_client(self, service_name, *args, **kwargs):
        if len(args) < 5 and kwargs.get("endpoint_url") is None:   # endpoint_url is create_client's 6th parameter
            kwargs["endpoint_url"] = url
        return original(self, service_name, *args, **kwargs)

    botocore.session.Session.create_client = create_client


def _load_handler(spec):
    """_HANDLER "module.function" (the module may be a path: "dir/module.function") -> the callable."""
    try:
        module_name, function_name = spec.rsplit(".", 1)
    except ValueError as e:
        raise Fault("Runtime.MalformedHandlerName", f"Bad handler '{spec}': {e}")
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise Fault("Runtime.BuiltInModuleConflict", f"Cannot use built-in module {module_name} as a handler module")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as e:
        raise Fault("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {e}")
    except SyntaxError as e:
        raise Fault("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {e}",
                    [f'  File "{e.filename}" Line {e.lineno}\n    {e.text}'])
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise Fault("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'")


class _Identity:
    def __init__(self, document):
        document = document or {}
        self.cognito_identity_id = document.get("cognitoIdentityId")
        self.cognito_identity_pool_id = document.get("cognitoIdentityPoolId")


class LambdaContext:
    """The handler's second argument, with the attributes and method Lambda's Python runtime provides."""

    def __init__(self, request_id, deadline_ms, function_arn, client_context, identity):
        self.aws_request_id = request_id
        self.invoked_function_arn = function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.client_context = client_context
        self.identity = _Identity(identity)
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def log(self, message):
        sys.stdout.write(str(message))
        sys.stdout.flush()

    def __repr__(self):
        return (f"LambdaContext([aws_request_id={self.aws_request_id},function_name={self.function_name},"
                f"invoked_function_arn={self.invoked_function_arn}])")


def _json_default(value):
    if isinstance(value, decimal.Decimal):   # DynamoDB numbers: Lambda's runtime serialises them as numbers
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _setup_logging():
    class RequestIdFilter(logging.Filter):
        def filter(self, record):
            record.aws_request_id = _request_id
            return True

    logging.Formatter.converter = time.gmtime
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
                                           "%Y-%m-%dT%H:%M:%S"))
    handler.addFilter(RequestIdFilter())
    logging.getLogger().addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    if level in logging._nameToLevel:
        logging.getLogger().setLevel(level)


def _context_from(headers, request_id):
    def json_header(name):
        text = headers.get(name)
        return json.loads(text) if text else None

    return LambdaContext(request_id, int(headers.get("Lambda-Runtime-Deadline-Ms", "0")),
                         headers.get("Lambda-Runtime-Invoked-Function-Arn"),
                         json_header("Lambda-Runtime-Client-Context"), json_header("Lambda-Runtime-Cognito-Identity"))


def _run_one(handler, headers, body):
    """Runs one event and posts its result or error; returns nothing."""
    global _request_id
    request_id = _request_id = headers["Lambda-Runtime-Aws-Request-Id"]
    if headers.get("Lambda-Runtime-Trace-Id"):
        os.environ["_X_AMZN_TRACE_ID"] = headers["Lambda-Runtime-Trace-Id"]
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    try:
        event = json.loads(body) if body else {}
        result = handler(event, _context_from(headers, request_id))
        try:
            payload = json.dumps(result, default=_json_default)
        except (TypeError, ValueError) as e:
            raise Fault("Runtime.MarshalError", f"Unable to marshal response: {e}")
    except Fault as fault:
        document = _error_document(fault.error_type, fault.message, fault.stack_trace, request_id)
    except Exception as e:
        document = _error_document(type(e).__name__, str(e), _user_frames(e.__traceback__), request_id)
    else:
        _api("POST", f"/invocation/{request_id}/response", payload.encode(), {"Content-Type": "application/json"})
        return
    _log_error(document)
    _post_error(f"/invocation/{request_id}/error", document)


def main():
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    sys.path.insert(0, task_root)
    _setup_logging()
    _honour_endpoint_url()
    try:
        handler = _load_handler(os.environ.get("_HANDLER", ""))
    except Fault as fault:
        document = _error_document(fault.error_type, fault.message, fault.stack_trace, "")
    except Exception as e:   # the module raised while being imported
        document = _error_document(type(e).__name__, str(e), _user_frames(e.__traceback__), "")
    else:
        document = None
    if document is not None:
        _log_error(document)
        _post_error("/init/error", document)
        sys.exit(1)
    while True:
        status, headers, body = _api("GET", "/invocation/next")
        if status != 200:   # the environment is shutting down
            sys.exit(0)
        _run_one(handler, headers, body)


if __name__ == "__main__":
    main()

"""The data table of test_differential_moto.py: one dict per case.

Fields:
  id         unique name
  service    boto3 service name; op: the operation (AWS spelling)
  params     the call's parameters (sent with botocore's validation when raw is absent)
  raw        a body botocore would refuse to build (wrong types, missing members): JSON for JSON protocols,
             form parameters (without Action/Version) for query protocols; signed by botocore all the same
  compress   send with botocore's request compression (gzip over 10 KB; botocore 1.31+): other cases turn it
             off, so a body is checked for what it says, not for how it is encoded
  raw_protocol  the protocol the raw body is written for; the case is not applicable to a client that
             speaks another (e.g. Debian's botocore 1.26 speaks query to CloudWatch)
  setup      calls made first, on both peers (setup_pingwatch / setup_moto: on one only, e.g. moto's IAM role)
  expect     the outcome AWS documents: status, code (None on success), keys that must be in the response,
             absent keys, equals {path: value}
  doc        where the expectation comes from (AWS API reference page, botocore model shape)
  moto       a known moto difference: {"expect": what moto answers, "why": the evidence}; the test fails if
             moto stops answering that (update the record) or starts conforming (remove it)
  pending_fix  the helper fixing pingwatch local for this case: reported, does not fail until the merge
"""
import importlib.metadata

CW = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/"
SNS = "https://docs.aws.amazon.com/sns/latest/api/"
DDB = "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/"
DDB_DEV = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"
STS = "https://docs.aws.amazon.com/STS/latest/APIReference/"
EC2 = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/"
EVB = "https://docs.aws.amazon.com/eventbridge/latest/APIReference/"
LAMBDA = "https://docs.aws.amazon.com/lambda/latest/api/"
MODEL = "botocore 1.43 data/{}/service-2.json"

ACCOUNT = "123456789012"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:SSM-Ping"
DIMS = [{"Name": "Per-Instance Metrics", "Value": "i-0572676272d863124"}]


def moto_version():
    try:
        return importlib.metadata.version("moto")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def datum(value=1.0, instance="i-0572676272d863124"):
    return {"MetricName": "Status", "Unit": "Count", "Value": value,
            "Dimensions": [{"Name": "Per-Instance Metrics", "Value": instance}]}


def alarm(name="ssm-agent-i-0572676272d863124", **over):
    """The alarm the post's LambdaCreateCWAlarm writes (mission.md step 3)."""
    params = {"AlarmName": name, "AlarmActions": [TOPIC], "Namespace": "SSM Agent", "MetricName": "Status",
              "Dimensions": DIMS, "Statistic": "Maximum", "Period": 60, "EvaluationPeriods": 1,
              "DatapointsToAlarm": 1, "Threshold": 1.0, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
              "TreatMissingData": "missing"}
    params.update(over)
    return {k: v for k, v in params.items() if v is not None}


def step(service, op, **params):
    return {"service": service, "op": op, "params": params}


PUT_ALARM = step("cloudwatch", "PutMetricAlarm", **alarm())
TOPIC_STEP = step("sns", "CreateTopic", Name="SSM-Ping")
TABLE = {"TableName": "pingwatch-state", "BillingMode": "PAY_PER_REQUEST",
         "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}],
         "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]}
TABLE_STEP = step("dynamodb", "CreateTable", **TABLE)
ITEM = {"pk": {"S": "node#i-1"}, "sk": {"S": "alarm"}, "status": {"S": "Online"}, "count": {"N": "1"}}
ITEM_STEP = step("dynamodb", "PutItem", TableName="pingwatch-state", Item=ITEM)
KEY = {"pk": {"S": "node#i-1"}, "sk": {"S": "alarm"}}
TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},'
         '"Action":"sts:AssumeRole"}]}')
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/LambdaFunctionCheckSSMAgentStatusRole"
# moto checks the role exists in its IAM; pingwatch local has no IAM and accepts any role ARN of the account.
MOTO_ROLE = [step("iam", "CreateRole", RoleName="LambdaFunctionCheckSSMAgentStatusRole",
                  AssumeRolePolicyDocument=TRUST)]


def zip_bytes():
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("lambda_function.py", "def lambda_handler(event, context):\n    return {'ok': True}\n")
        # A custom-runtime entry point too, so cases about validation need no Python runtime.
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        z.writestr(info, "#!/bin/sh\nexit 0\n")
    return buf.getvalue()


def custom_function(**over):
    """The same function on a custom runtime (what the local stack runs before helper pylambda's merge)."""
    return function(**dict({"Runtime": "provided.al2023", "Handler": "bootstrap"}, **over))


def function(name="LambdaFunctionCheckSSMAgentStatus", **over):
    params = {"FunctionName": name, "Runtime": "python3.12", "Role": ROLE_ARN,
              "Handler": "lambda_function.lambda_handler", "Code": {"ZipFile": zip_bytes()}, "Timeout": 60}
    params.update(over)
    return params


CASES = [
    # ---------------------------------------------------------------- CloudWatch metrics
    {"id": "cw.put_metric_data.ok", "service": "cloudwatch", "op": "PutMetricData",
     "params": {"Namespace": "SSM Agent", "MetricData": [datum()]},
     "expect": {"status": 200, "code": None}, "doc": CW + "API_PutMetricData.html"},
    {"id": "cw.put_metric_data.missing_namespace", "service": "cloudwatch", "op": "PutMetricData",
     "raw": {"MetricData": [datum()]}, "raw_protocol": "json",
     "expect": {"status": 400, "code": "MissingParameter"},
     "doc": CW + "API_PutMetricData.html (Namespace: Required: Yes; Errors: MissingParameter, HTTP 400: an input "
            "parameter that is required is missing)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto stores the data without a namespace"}},
    {"id": "cw.put_metric_data.value_wrong_type", "service": "cloudwatch", "op": "PutMetricData",
     "raw": {"Namespace": "SSM Agent", "MetricData": [dict(datum(), Value="high")]}, "raw_protocol": "json",
     "expect": {"status": 400, "code": "InvalidParameterValue"},
     "doc": CW + "API_MetricDatum.html (Value: Type Double); " + CW + "CommonErrors.html (InvalidParameterValue)",
     "moto": {"expect": {"status": 500, "code": "500"},
              "why": "moto fails with an internal error (an HTML 500 page) on the string"}},
    {"id": "cw.put_metric_data.over_1000_datums", "service": "cloudwatch", "op": "PutMetricData",
     "params": {"Namespace": "SSM Agent", "MetricData": [datum(instance=f"i-{n:017x}") for n in range(1001)]},
     "expect": {"status": 400, "code": "InvalidParameterValue"},
     "doc": CW + "API_PutMetricData.html (each request can contain up to 1000 metrics: MetricData Array Members: "
            "Maximum number of 1000 items)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto does not enforce the 1000-datum limit"}},
    {"id": "cw.put_metric_data.gzip_body", "service": "cloudwatch", "op": "PutMetricData",
     "params": {"Namespace": "SSM Agent", "MetricData": [datum(instance=f"i-{n:017x}") for n in range(100)]},
     "compress": True, "expect": {"status": 200, "code": None},
     "doc": CW + "API_PutMetricData.html (up to 1 MB of request payload); botocore 1.43 data/cloudwatch "
            "service-2.json PutMetricData requestcompression: gzip (over 10240 bytes the body is gzipped and "
            "signed compressed, without an x-amz-content-sha256 header)",
     "moto": {"expect": {"status": 500, "code": "500"}, "why": "moto does not inflate a gzip JSON body (HTML 500 page)"}},
    {"id": "cw.put_metric_data.reserved_namespace", "service": "cloudwatch", "op": "PutMetricData",
     "params": {"Namespace": "AWS/EC2", "MetricData": [datum()]},
     "expect": {"status": 400, "code": "InvalidParameterValue"},
     "doc": CW + "API_PutMetricData.html (Namespace: you cannot specify a namespace that begins with \"AWS/\")",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto accepts data in AWS/ namespaces"}},
    {"id": "cw.put_metric_data.nan_value", "service": "cloudwatch", "op": "PutMetricData",
     "raw": {"Namespace": "SSM Agent", "MetricData": [dict(datum(), Value="NaN")]}, "raw_protocol": "json",
     "expect": {"status": 400, "code": "InvalidParameterValue"},
     "doc": CW + "API_MetricDatum.html (Value: CloudWatch rejects values that are ... NaN, +Infinity, -Infinity)"},
    {"id": "cw.list_metrics.ok", "service": "cloudwatch", "op": "ListMetrics",
     "setup": [step("cloudwatch", "PutMetricData", Namespace="SSM Agent", MetricData=[datum()])],
     "params": {"Namespace": "SSM Agent", "MetricName": "Status"},
     "expect": {"status": 200, "code": None, "keys": ["Metrics.0.Namespace", "Metrics.0.Dimensions.0.Name"]},
     "doc": CW + "API_ListMetrics.html"},
    {"id": "cw.list_metrics.bad_recently_active", "service": "cloudwatch", "op": "ListMetrics",
     "params": {"RecentlyActive": "PT5M"},
     "expect": {"status": 400, "code": "ValidationError"},
     "doc": CW + "API_ListMetrics.html (RecentlyActive: Valid Values: PT3H); " + MODEL.format("cloudwatch/2010-08-01")
            + " RecentlyActive enum",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto ignores RecentlyActive"}},
    {"id": "cw.get_metric_statistics.ok", "service": "cloudwatch", "op": "GetMetricStatistics",
     "params": {"Namespace": "SSM Agent", "MetricName": "Status", "Dimensions": DIMS, "Statistics": ["Maximum"],
                "Period": 60, "StartTime": "2026-01-01T00:00:00Z", "EndTime": "2026-01-01T01:00:00Z"},
     "expect": {"status": 200, "code": None, "keys": ["Label", "Datapoints"], "equals": {"Label": "Status"}},
     "doc": CW + "API_GetMetricStatistics.html"},
    {"id": "cw.get_metric_statistics.no_statistics", "service": "cloudwatch", "op": "GetMetricStatistics",
     "params": {"Namespace": "SSM Agent", "MetricName": "Status", "Period": 60,
                "StartTime": "2026-01-01T00:00:00Z", "EndTime": "2026-01-01T01:00:00Z"},
     "expect": {"status": 400, "code": "MissingParameter"},
     "doc": CW + "API_GetMetricStatistics.html (Statistics or ExtendedStatistics must be specified; "
            "MissingParameter)",
     "moto": {"expect": {"status": 400, "code": "InvalidParameterCombination"},
              "why": "moto answers InvalidParameterCombination; neither Statistics nor ExtendedStatistics is a "
                     "missing required parameter, not a combination of parameters"}},
    {"id": "cw.get_metric_statistics.bad_period", "service": "cloudwatch", "op": "GetMetricStatistics",
     "params": {"Namespace": "SSM Agent", "MetricName": "Status", "Statistics": ["Maximum"], "Period": 61,
                "StartTime": "2026-01-01T00:00:00Z", "EndTime": "2026-01-01T01:00:00Z"},
     "expect": {"status": 400, "code": "InvalidParameterValue"},
     "doc": CW + "API_GetMetricStatistics.html (Period: must be a multiple of 60 for standard resolution)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto does not check the period"}},
    {"id": "cw.get_metric_data.ok", "service": "cloudwatch", "op": "GetMetricData",
     "params": {"StartTime": "2026-01-01T00:00:00Z", "EndTime": "2026-01-01T01:00:00Z",
                "MetricDataQueries": [{"Id": "m1", "MetricStat": {
                    "Metric": {"Namespace": "SSM Agent", "MetricName": "Status", "Dimensions": DIMS},
                    "Period": 60, "Stat": "Maximum"}}]},
     "expect": {"status": 200, "code": None, "keys": ["MetricDataResults.0.Id", "MetricDataResults.0.StatusCode",
                                                      "MetricDataResults.0.Timestamps", "MetricDataResults.0.Values"],
                "equals": {"MetricDataResults.0.Id": "m1"}},
     "doc": CW + "API_GetMetricData.html; " + CW + "API_MetricDataResult.html"},
    {"id": "cw.get_metric_data.bad_id", "service": "cloudwatch", "op": "GetMetricData",
     "params": {"StartTime": "2026-01-01T00:00:00Z", "EndTime": "2026-01-01T01:00:00Z",
                "MetricDataQueries": [{"Id": "M1", "MetricStat": {
                    "Metric": {"Namespace": "SSM Agent", "MetricName": "Status"}, "Period": 60, "Stat": "Maximum"}}]},
     "expect": {"status": 400, "code": "ValidationError"},
     "doc": CW + "API_MetricDataQuery.html (Id: the first character must be a lowercase letter)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto does not check query ids"}},
    {"id": "cw.get_metric_data.duplicate_ids", "service": "cloudwatch", "op": "GetMetricData",
     "params": {"StartTime": "2026-01-01T00:00:00Z", "EndTime": "2026-01-01T01:00:00Z",
                "MetricDataQueries": [{"Id": "m1", "MetricStat": {
                    "Metric": {"Namespace": "SSM Agent", "MetricName": "Status"}, "Period": 60, "Stat": "Maximum"}}] * 2},
     "expect": {"status": 400, "code": "ValidationError"},
     "doc": CW + "API_MetricDataQuery.html (Id: must be unique within a GetMetricData request)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto does not check duplicate ids"}},
    # ---------------------------------------------------------------- CloudWatch alarms
    {"id": "cw.put_metric_alarm.ok", "service": "cloudwatch", "op": "PutMetricAlarm", "params": alarm(),
     "expect": {"status": 200, "code": None}, "doc": CW + "API_PutMetricAlarm.html"},
    {"id": "cw.put_metric_alarm.missing_evaluation_periods", "service": "cloudwatch", "op": "PutMetricAlarm",
     "raw": alarm(EvaluationPeriods=None), "raw_protocol": "json",
     "expect": {"status": 400, "code": "ValidationError"},
     "doc": CW + "API_PutMetricAlarm.html (EvaluationPeriods: Required: Yes); " + CW + "CommonErrors.html",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto stores the alarm without EvaluationPeriods"}},
    {"id": "cw.put_metric_alarm.threshold_wrong_type", "service": "cloudwatch", "op": "PutMetricAlarm",
     "raw": alarm(Threshold="one"), "raw_protocol": "json",
     "expect": {"status": 400, "code": "InvalidParameterValue"},
     "doc": CW + "API_PutMetricAlarm.html (Threshold: Type Double); " + CW + "CommonErrors.html",
     "moto": {"expect": {"status": 500, "code": "500"}, "why": "moto fails internally converting the string"}},
    {"id": "cw.put_metric_alarm.bad_comparison", "service": "cloudwatch", "op": "PutMetricAlarm",
     "params": alarm(ComparisonOperator="GreaterThan"), "params_unvalidated": True,
     "expect": {"status": 400, "code": "ValidationError"},
     "doc": CW + "API_PutMetricAlarm.html (ComparisonOperator: Valid Values ...)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto stores any comparison operator"}},
    {"id": "cw.put_metric_alarm.bad_statistic", "service": "cloudwatch", "op": "PutMetricAlarm",
     "params": alarm(Statistic="Max"), "params_unvalidated": True,
     "expect": {"status": 400, "code": "ValidationError"},
     "doc": CW + "API_PutMetricAlarm.html (Statistic: Valid Values: SampleCount | Average | Sum | Minimum | Maximum)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto stores any statistic"}},
    {"id": "cw.put_metric_alarm.name_too_long", "service": "cloudwatch", "op": "PutMetricAlarm",
     "params": alarm(name="a" * 256), "params_unvalidated": True,
     "expect": {"status": 400, "code": "ValidationError"},
     "doc": CW + "API_PutMetricAlarm.html (AlarmName: Length Constraints: Maximum length of 255)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto does not check the name's length"}},
    {"id": "cw.put_metric_alarm.bad_period", "service": "cloudwatch", "op": "PutMetricAlarm",
     "params": alarm(Period=45), "expect": {"status": 400, "code": "ValidationError"},
     "doc": CW + "API_PutMetricAlarm.html (Period: valid values are 10, 20, 30, and any multiple of 60)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto does not check the period"}},
    {"id": "cw.put_metric_alarm.too_many_actions", "service": "cloudwatch", "op": "PutMetricAlarm",
     "params": alarm(AlarmActions=[f"{TOPIC}-{n}" for n in range(6)]), "params_unvalidated": True,
     "expect": {"status": 400, "code": "ValidationError"},
     "doc": CW + "API_PutMetricAlarm.html (AlarmActions: Maximum number of 5 items)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto does not count actions"}},
    {"id": "cw.describe_alarms.ok", "service": "cloudwatch", "op": "DescribeAlarms", "setup": [PUT_ALARM],
     "params": {"AlarmNames": ["ssm-agent-i-0572676272d863124"]},
     "expect": {"status": 200, "code": None,
                "keys": ["MetricAlarms.0.AlarmArn", "MetricAlarms.0.StateValue", "MetricAlarms.0.StateUpdatedTimestamp",
                         "MetricAlarms.0.AlarmConfigurationUpdatedTimestamp", "MetricAlarms.0.Dimensions.0.Value",
                         "MetricAlarms.0.ActionsEnabled", "MetricAlarms.0.TreatMissingData"],
                "equals": {"MetricAlarms.0.StateValue": "INSUFFICIENT_DATA", "MetricAlarms.0.Threshold": 1.0,
                           "MetricAlarms.0.AlarmArn":
                               f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:ssm-agent-i-0572676272d863124"}},
     "doc": CW + "API_DescribeAlarms.html; " + CW + "API_MetricAlarm.html; "
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html "
            "(INSUFFICIENT_DATA: the alarm has just started, not enough data is available)",
     "moto": {"expect": {"status": 200, "code": None, "equals": {"MetricAlarms.0.StateValue": "OK"}},
              "why": "moto creates alarms in state OK before any data has been evaluated"}},
    {"id": "cw.describe_alarms.unknown_name", "service": "cloudwatch", "op": "DescribeAlarms",
     "params": {"AlarmNames": ["no-such-alarm"]},
     "expect": {"status": 200, "code": None, "equals": {"MetricAlarms": []}},
     "doc": CW + "API_DescribeAlarms.html (names filter: an unknown name matches nothing; no error listed)"},
    {"id": "cw.describe_alarms.max_records_over_100", "service": "cloudwatch", "op": "DescribeAlarms",
     "params": {"MaxRecords": 101}, "params_unvalidated": True,
     "expect": {"status": 400, "code": "ValidationError"},
     "doc": CW + "API_DescribeAlarms.html (MaxRecords: Valid Range: Minimum value of 1. Maximum value of 100)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto does not check MaxRecords"}},
    {"id": "cw.describe_alarms.too_many_names", "service": "cloudwatch", "op": "DescribeAlarms",
     "params": {"AlarmNames": [f"a{n}" for n in range(101)]}, "params_unvalidated": True,
     "expect": {"status": 400, "code": "ValidationError"},
     "doc": CW + "API_DescribeAlarms.html (AlarmNames: Maximum number of 100 items)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto does not count names"}},
    {"id": "cw.delete_alarms.ok", "service": "cloudwatch", "op": "DeleteAlarms", "setup": [PUT_ALARM],
     "params": {"AlarmNames": ["ssm-agent-i-0572676272d863124"]},
     "expect": {"status": 200, "code": None}, "doc": CW + "API_DeleteAlarms.html"},
    {"id": "cw.delete_alarms.unknown", "service": "cloudwatch", "op": "DeleteAlarms",
     "params": {"AlarmNames": ["no-such-alarm"]},
     "expect": {"status": 404, "code": "ResourceNotFound"},
     "doc": CW + "API_DeleteAlarms.html (\"If you specify an incorrect alarm name ... no alarms are deleted\"; "
            "Errors: ResourceNotFound, HTTP 404: the named resource does not exist)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto ignores unknown names and answers 200"}},
    {"id": "cw.delete_alarms.missing_names", "service": "cloudwatch", "op": "DeleteAlarms",
     "raw": {}, "raw_protocol": "json",
     "expect": {"status": 400, "code": "MissingParameter"},
     "doc": CW + "API_DeleteAlarms.html (AlarmNames: Required: Yes); " + CW + "CommonErrors.html (MissingParameter: "
            "a required parameter for the specified action is not supplied)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto deletes nothing and answers 200"}},
    {"id": "cw.set_alarm_state.ok", "service": "cloudwatch", "op": "SetAlarmState", "setup": [PUT_ALARM],
     "params": {"AlarmName": "ssm-agent-i-0572676272d863124", "StateValue": "ALARM", "StateReason": "test"},
     "expect": {"status": 200, "code": None}, "doc": CW + "API_SetAlarmState.html"},
    {"id": "cw.set_alarm_state.unknown_alarm", "service": "cloudwatch", "op": "SetAlarmState",
     "params": {"AlarmName": "no-such-alarm", "StateValue": "ALARM", "StateReason": "test"},
     "expect": {"status": 404, "code": "ResourceNotFound"},
     "doc": CW + "API_SetAlarmState.html (Errors: ResourceNotFound, HTTP 404)"},
    {"id": "cw.set_alarm_state.bad_state", "service": "cloudwatch", "op": "SetAlarmState", "setup": [PUT_ALARM],
     "params": {"AlarmName": "ssm-agent-i-0572676272d863124", "StateValue": "BROKEN", "StateReason": "test"},
     "params_unvalidated": True, "expect": {"status": 400, "code": "ValidationError"},
     "doc": CW + "API_SetAlarmState.html (StateValue: Valid Values: OK | ALARM | INSUFFICIENT_DATA)"},
    {"id": "cw.set_alarm_state.bad_reason_data", "service": "cloudwatch", "op": "SetAlarmState",
     "setup": [PUT_ALARM],
     "params": {"AlarmName": "ssm-agent-i-0572676272d863124", "StateValue": "OK", "StateReason": "test",
                "StateReasonData": "{not json"},
     "expect": {"status": 400, "code": "InvalidFormat"},
     "doc": CW + "API_SetAlarmState.html (Errors: InvalidFormat, HTTP 400: data was not syntactically valid JSON)"},
    {"id": "cw.put_metric_data.bad_unit", "service": "cloudwatch", "op": "PutMetricData",
     "params": {"Namespace": "SSM Agent", "MetricData": [dict(datum(), Unit="Counts")]}, "params_unvalidated": True,
     "expect": {"status": 400, "code": "InvalidParameterValue"},
     "doc": CW + "API_MetricDatum.html (Unit: Valid Values: Seconds | ... | Count/Second | None); " + CW +
            "API_PutMetricData.html (Errors: InvalidParameterValue: the value of an input parameter is bad or "
            "out-of-range)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto stores any unit"}},
    {"id": "cw.put_metric_data.too_many_dimensions", "service": "cloudwatch", "op": "PutMetricData",
     "params": {"Namespace": "SSM Agent", "MetricData": [dict(datum(), Dimensions=[
         {"Name": f"d{n}", "Value": "v"} for n in range(31)])]}, "params_unvalidated": True,
     "expect": {"status": 400, "code": "InvalidParameterValue"},
     "doc": CW + "API_MetricDatum.html (Dimensions: Maximum number of 30 items); " + CW + "API_PutMetricData.html "
            "(Errors: InvalidParameterValue)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto does not count dimensions"}},
    {"id": "cw.put_metric_alarm.zero_evaluation_periods", "service": "cloudwatch", "op": "PutMetricAlarm",
     "params": alarm(EvaluationPeriods=0, DatapointsToAlarm=None), "params_unvalidated": True,
     "expect": {"status": 400, "code": "ValidationError"},
     "doc": CW + "API_PutMetricAlarm.html (EvaluationPeriods: Valid Range: Minimum value of 1)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto does not check the range"}},
    {"id": "cw.put_metric_alarm.datapoints_over_periods", "service": "cloudwatch", "op": "PutMetricAlarm",
     "params": alarm(DatapointsToAlarm=2), "expect": {"status": 400, "code": "ValidationError"},
     "doc": CW + "API_PutMetricAlarm.html (DatapointsToAlarm: the number of datapoints within the evaluation "
            "period, so at most EvaluationPeriods; " + CW + "CommonErrors.html ValidationError)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto does not compare the two"}},
    {"id": "cw.put_metric_alarm.statistic_and_extended", "service": "cloudwatch", "op": "PutMetricAlarm",
     "params": alarm(ExtendedStatistic="p99"), "expect": {"status": 400, "code": "InvalidParameterCombination"},
     "doc": CW + "API_PutMetricAlarm.html (Statistic: you must specify either Statistic or ExtendedStatistic, "
            "but not both); " + CW + "CommonErrors.html (InvalidParameterCombination: parameters that must not "
            "be used together were used together)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto stores both"}},
    {"id": "cw.describe_alarms.bad_state_value", "service": "cloudwatch", "op": "DescribeAlarms",
     "params": {"StateValue": "FIRING"}, "params_unvalidated": True,
     "expect": {"status": 400, "code": "ValidationError"},
     "doc": CW + "API_DescribeAlarms.html (StateValue: Valid Values: OK | ALARM | INSUFFICIENT_DATA)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto filters by the unknown state and finds nothing"}},
    {"id": "cw.describe_alarms.bad_next_token", "service": "cloudwatch", "op": "DescribeAlarms",
     "params": {"NextToken": "not-a-token"}, "expect": {"status": 400, "code": "InvalidNextToken"},
     "doc": CW + "API_DescribeAlarms.html (Errors: InvalidNextToken, HTTP 400: the next token specified is invalid)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto ignores the token"}},
    {"id": "cw.set_alarm_state.reason_too_long", "service": "cloudwatch", "op": "SetAlarmState", "setup": [PUT_ALARM],
     "params": {"AlarmName": "ssm-agent-i-0572676272d863124", "StateValue": "ALARM", "StateReason": "r" * 1024},
     "params_unvalidated": True, "expect": {"status": 400, "code": "ValidationError"},
     "doc": CW + "API_SetAlarmState.html (StateReason: Maximum length of 1023)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto does not check the length"}},
    {"id": "cw.get_metric_data.too_many_queries", "service": "cloudwatch", "op": "GetMetricData",
     "params": {"StartTime": "2026-01-01T00:00:00Z", "EndTime": "2026-01-01T01:00:00Z",
                "MetricDataQueries": [{"Id": f"m{n}", "MetricStat": {
                    "Metric": {"Namespace": "SSM Agent", "MetricName": "Status"}, "Period": 60, "Stat": "Maximum"}}
                    for n in range(501)]},
     "expect": {"status": 400, "code": "InvalidParameterValue"},
     "doc": CW + "API_GetMetricData.html (MetricDataQueries: a single request can include as many as 500 "
            "MetricDataQuery structures); " + CW + "CommonErrors.html (InvalidParameterValue)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto does not count queries"}},
    {"id": "cw.list_metrics.bad_next_token", "service": "cloudwatch", "op": "ListMetrics",
     "params": {"NextToken": "not-a-token"}, "expect": {"status": 400, "code": "InvalidParameterValue"},
     "doc": CW + "API_ListMetrics.html (Errors: InvalidParameterValue, HTTP 400; ListMetrics lists no "
            "InvalidNextToken, unlike DescribeAlarms)"},
    # ---------------------------------------------------------------- SNS
    {"id": "sns.create_topic.ok", "service": "sns", "op": "CreateTopic", "params": {"Name": "SSM-Ping"},
     "expect": {"status": 200, "code": None, "equals": {"TopicArn": TOPIC}}, "doc": SNS + "API_CreateTopic.html"},
    {"id": "sns.create_topic.bad_name", "service": "sns", "op": "CreateTopic", "params": {"Name": "SSM Ping!"},
     "expect": {"status": 400, "code": "InvalidParameter"},
     "doc": SNS + "API_CreateTopic.html (Name: up to 256 alphanumeric characters, hyphens, underscores; "
            "Errors: InvalidParameter, HTTP 400)"},
    {"id": "sns.list_topics.ok", "service": "sns", "op": "ListTopics", "setup": [TOPIC_STEP], "params": {},
     "expect": {"status": 200, "code": None, "equals": {"Topics.0.TopicArn": TOPIC}},
     "doc": SNS + "API_ListTopics.html"},
    {"id": "sns.subscribe.email_pending", "service": "sns", "op": "Subscribe", "setup": [TOPIC_STEP],
     "params": {"TopicArn": TOPIC, "Protocol": "email", "Endpoint": "ops@example.com"},
     "expect": {"status": 200, "code": None, "equals": {"SubscriptionArn": "pending confirmation"}},
     "doc": SNS + "API_Subscribe.html (SubscriptionArn: ... if the subscription requires confirmation, "
            "\"pending confirmation\" unless ReturnSubscriptionArn is true)",
     "moto": {"expect": {"status": 200, "code": None, "keys": ["SubscriptionArn"]}, "why": "moto returns the subscription ARN of an unconfirmed email subscription at once"}},
    {"id": "sns.subscribe.unknown_topic", "service": "sns", "op": "Subscribe",
     "params": {"TopicArn": TOPIC + "-gone", "Protocol": "email", "Endpoint": "ops@example.com"},
     "expect": {"status": 404, "code": "NotFound"},
     "doc": SNS + "API_Subscribe.html (Errors: NotFound, HTTP 404: the requested resource does not exist)"},
    {"id": "sns.subscribe.bad_protocol", "service": "sns", "op": "Subscribe", "setup": [TOPIC_STEP],
     "params": {"TopicArn": TOPIC, "Protocol": "pigeon", "Endpoint": "ops@example.com"},
     "expect": {"status": 400, "code": "InvalidParameter"},
     "doc": SNS + "API_Subscribe.html (Protocol: the supported protocols; Errors: InvalidParameter)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto accepts any protocol"}},
    {"id": "sns.publish.ok", "service": "sns", "op": "Publish", "setup": [TOPIC_STEP],
     "params": {"TopicArn": TOPIC, "Subject": "ALARM", "Message": "hello"},
     "expect": {"status": 200, "code": None, "keys": ["MessageId"]}, "doc": SNS + "API_Publish.html"},
    {"id": "sns.publish.unknown_topic", "service": "sns", "op": "Publish",
     "params": {"TopicArn": TOPIC + "-gone", "Message": "hello"},
     "expect": {"status": 404, "code": "NotFound"}, "doc": SNS + "API_Publish.html (Errors: NotFound, HTTP 404)"},
    {"id": "sns.publish.malformed_arn", "service": "sns", "op": "Publish",
     "params": {"TopicArn": "not-an-arn", "Message": "hello"},
     "expect": {"status": 400, "code": "InvalidParameter"},
     "doc": SNS + "API_Publish.html (Errors: InvalidParameter, HTTP 400: a request parameter does not comply "
            "with the associated constraints)"},
    {"id": "sns.publish.missing_message", "service": "sns", "op": "Publish", "setup": [TOPIC_STEP],
     "raw": {"TopicArn": TOPIC}, "raw_protocol": "query",
     "expect": {"status": 400, "code": "ValidationError"},
     "doc": SNS + "API_Publish.html (Message: Required: Yes); " + SNS + "CommonErrors.html (ValidationError: the "
            "input fails to satisfy the constraints); a Publish without Message answered 400 \"validation error "
            "detected\" by AWS: https://github.com/nickpack/keycloak-sms-authenticator-sns/issues/11",
     "moto": {"expect": {"status": None, "code": "unparseable"}, "why": "moto fails with an HTML 500 page"}},
    {"id": "sns.publish.message_too_long", "service": "sns", "op": "Publish", "setup": [TOPIC_STEP],
     "params": {"TopicArn": TOPIC, "Message": "x" * (256 * 1024 + 1)},
     "expect": {"status": 400, "code": "InvalidParameter"},
     "doc": SNS + "API_Publish.html (Message: the maximum size is 256 KB; Errors: InvalidParameter)"},
    {"id": "sns.publish.subject_too_long", "service": "sns", "op": "Publish", "setup": [TOPIC_STEP],
     "params": {"TopicArn": TOPIC, "Subject": "s" * 101, "Message": "hello"},
     "expect": {"status": 400, "code": "InvalidParameter"},
     "doc": SNS + "API_Publish.html (Subject: must be less than 100 characters)"},
    {"id": "sns.publish_batch.ok", "service": "sns", "op": "PublishBatch", "setup": [TOPIC_STEP],
     "params": {"TopicArn": TOPIC, "PublishBatchRequestEntries": [{"Id": "a", "Message": "1"},
                                                                  {"Id": "b", "Message": "2"}]},
     "expect": {"status": 200, "code": None, "keys": ["Successful.0.Id", "Successful.0.MessageId", "Failed"]},
     "doc": SNS + "API_PublishBatch.html"},
    {"id": "sns.publish_batch.too_many", "service": "sns", "op": "PublishBatch", "setup": [TOPIC_STEP],
     "params": {"TopicArn": TOPIC,
                "PublishBatchRequestEntries": [{"Id": f"e{n}", "Message": "m"} for n in range(11)]},
     "expect": {"status": 400, "code": "TooManyEntriesInBatchRequest"},
     "doc": SNS + "API_PublishBatch.html (Errors: TooManyEntriesInBatchRequest: more than 10 entries)"},
    {"id": "sns.publish_batch.duplicate_ids", "service": "sns", "op": "PublishBatch", "setup": [TOPIC_STEP],
     "params": {"TopicArn": TOPIC, "PublishBatchRequestEntries": [{"Id": "a", "Message": "1"},
                                                                  {"Id": "a", "Message": "2"}]},
     "expect": {"status": 400, "code": "BatchEntryIdsNotDistinct"},
     "doc": SNS + "API_PublishBatch.html (Errors: BatchEntryIdsNotDistinct)"},
    {"id": "sns.publish_batch.empty", "service": "sns", "op": "PublishBatch", "setup": [TOPIC_STEP],
     "params": {"TopicArn": TOPIC, "PublishBatchRequestEntries": []},
     "expect": {"status": 400, "code": "EmptyBatchRequest"},
     "doc": SNS + "API_PublishBatch.html (Errors: EmptyBatchRequest: the batch request does not contain any entries)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto accepts an empty batch"}},
    {"id": "sns.publish_batch.bad_entry_id", "service": "sns", "op": "PublishBatch", "setup": [TOPIC_STEP],
     "params": {"TopicArn": TOPIC, "PublishBatchRequestEntries": [{"Id": "a b!", "Message": "1"}]},
     "expect": {"status": 400, "code": "InvalidBatchEntryId"},
     "doc": SNS + "API_PublishBatch.html (Errors: InvalidBatchEntryId: the Id of a batch entry does not abide "
            "by the specification); " + SNS + "API_PublishBatchRequestEntry.html (Id: alphanumeric, - and _, up to 80)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto does not check entry ids"}},
    # ---------------------------------------------------------------- DynamoDB
    {"id": "ddb.create_table.ok", "service": "dynamodb", "op": "CreateTable", "params": TABLE,
     "expect": {"status": 200, "code": None, "keys": ["TableDescription.TableArn", "TableDescription.TableStatus",
                                                      "TableDescription.KeySchema", "TableDescription.CreationDateTime"],
                "equals": {"TableDescription.TableName": "pingwatch-state"}},
     "doc": DDB + "API_CreateTable.html"},
    {"id": "ddb.create_table.exists", "service": "dynamodb", "op": "CreateTable", "setup": [TABLE_STEP],
     "params": TABLE, "expect": {"status": 400, "code": "ResourceInUseException"},
     "doc": DDB + "API_CreateTable.html (Errors: ResourceInUseException)"},
    {"id": "ddb.describe_table.ok", "service": "dynamodb", "op": "DescribeTable", "setup": [TABLE_STEP],
     "params": {"TableName": "pingwatch-state"},
     "expect": {"status": 200, "code": None, "equals": {"Table.TableStatus": "ACTIVE",
                                                        "Table.BillingModeSummary.BillingMode": "PAY_PER_REQUEST"}},
     "doc": DDB + "API_DescribeTable.html; " + DDB + "API_BillingModeSummary.html"},
    {"id": "ddb.describe_table.unknown", "service": "dynamodb", "op": "DescribeTable",
     "params": {"TableName": "no-such-table"},
     "expect": {"status": 400, "code": "ResourceNotFoundException"},
     "doc": DDB + "API_DescribeTable.html (Errors: ResourceNotFoundException, HTTP 400)"},
    {"id": "ddb.put_item.ok", "service": "dynamodb", "op": "PutItem", "setup": [TABLE_STEP],
     "params": {"TableName": "pingwatch-state", "Item": ITEM},
     "expect": {"status": 200, "code": None}, "doc": DDB + "API_PutItem.html"},
    {"id": "ddb.put_item.missing_key", "service": "dynamodb", "op": "PutItem", "setup": [TABLE_STEP],
     "params": {"TableName": "pingwatch-state", "Item": {"pk": {"S": "x"}}},
     "expect": {"status": 400, "code": "ValidationException"},
     "doc": DDB + "API_PutItem.html (Item: you must provide all of the attributes for the primary key)"},
    {"id": "ddb.put_item.unknown_table", "service": "dynamodb", "op": "PutItem",
     "params": {"TableName": "no-such-table", "Item": ITEM},
     "expect": {"status": 400, "code": "ResourceNotFoundException"},
     "doc": DDB + "API_PutItem.html (Errors: ResourceNotFoundException)"},
    {"id": "ddb.put_item.condition_failed", "service": "dynamodb", "op": "PutItem",
     "setup": [TABLE_STEP, ITEM_STEP],
     "params": {"TableName": "pingwatch-state", "Item": ITEM, "ConditionExpression": "attribute_not_exists(pk)"},
     "expect": {"status": 400, "code": "ConditionalCheckFailedException", "absent": ["Item"]},
     "doc": DDB + "API_PutItem.html (Errors: ConditionalCheckFailedException)"},
    {"id": "ddb.put_item.condition_failed_return_item", "service": "dynamodb", "op": "PutItem",
     "setup": [TABLE_STEP, ITEM_STEP],
     "params": {"TableName": "pingwatch-state", "Item": ITEM, "ConditionExpression": "attribute_not_exists(pk)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},
     "expect": {"status": 400, "code": "ConditionalCheckFailedException", "equals": {"Item": ITEM}},
     "doc": DDB + "API_PutItem.html (ReturnValuesOnConditionCheckFailure: ALL_OLD returns the item's attributes "
            "as they were); " + DDB + "API_ConditionalCheckFailedException.html (Item)"},
    {"id": "ddb.put_item.reserved_word", "service": "dynamodb", "op": "PutItem", "setup": [TABLE_STEP],
     "params": {"TableName": "pingwatch-state", "Item": ITEM, "ConditionExpression": "attribute_not_exists(status)"},
     "expect": {"status": 400, "code": "ValidationException"},
     "doc": DDB_DEV + "ReservedWords.html (STATUS is reserved; use an expression attribute name)"},
    {"id": "ddb.put_item.item_wrong_type", "service": "dynamodb", "op": "PutItem", "setup": [TABLE_STEP],
     "raw": {"TableName": "pingwatch-state", "Item": {"pk": "node#i-1", "sk": {"S": "alarm"}}},
     "raw_protocol": "json", "expect": {"status": 400, "code": "SerializationException"},
     "doc": DDB + "API_PutItem.html (Item: map of AttributeValue objects); " + DDB + "CommonErrors.html "
            "(SerializationException is the awsJson1_0 code for a body that does not match the shape)",
     "moto": {"expect": {"status": 500, "code": "500"}, "why": "moto fails internally on a string AttributeValue"}},
    {"id": "ddb.get_item.ok", "service": "dynamodb", "op": "GetItem", "setup": [TABLE_STEP, ITEM_STEP],
     "params": {"TableName": "pingwatch-state", "Key": KEY},
     "expect": {"status": 200, "code": None, "equals": {"Item": ITEM}}, "doc": DDB + "API_GetItem.html"},
    {"id": "ddb.get_item.absent", "service": "dynamodb", "op": "GetItem", "setup": [TABLE_STEP],
     "params": {"TableName": "pingwatch-state", "Key": KEY},
     "expect": {"status": 200, "code": None, "absent": ["Item"]},
     "doc": DDB + "API_GetItem.html (if there is no matching item, GetItem does not return any data)"},
    {"id": "ddb.update_item.ok", "service": "dynamodb", "op": "UpdateItem", "setup": [TABLE_STEP, ITEM_STEP],
     "params": {"TableName": "pingwatch-state", "Key": KEY, "UpdateExpression": "SET #c = #c + :one",
                "ExpressionAttributeNames": {"#c": "count"}, "ExpressionAttributeValues": {":one": {"N": "1"}},
                "ReturnValues": "UPDATED_NEW"},
     "expect": {"status": 200, "code": None, "equals": {"Attributes": {"count": {"N": "2"}}}},
     "doc": DDB + "API_UpdateItem.html (ReturnValues UPDATED_NEW)"},
    {"id": "ddb.update_item.condition_failed", "service": "dynamodb", "op": "UpdateItem",
     "setup": [TABLE_STEP, ITEM_STEP],
     "params": {"TableName": "pingwatch-state", "Key": KEY, "UpdateExpression": "SET #s = :s",
                "ConditionExpression": "#s = :other", "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":s": {"S": "ConnectionLost"}, ":other": {"S": "Inactive"}}},
     "expect": {"status": 400, "code": "ConditionalCheckFailedException"},
     "doc": DDB + "API_UpdateItem.html (Errors: ConditionalCheckFailedException)"},
    {"id": "ddb.update_item.unused_value", "service": "dynamodb", "op": "UpdateItem",
     "setup": [TABLE_STEP, ITEM_STEP],
     "params": {"TableName": "pingwatch-state", "Key": KEY, "UpdateExpression": "SET #s = :s",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":s": {"S": "Online"}, ":unused": {"S": "x"}}},
     "expect": {"status": 400, "code": "ValidationException"},
     "doc": DDB_DEV + "Expressions.ExpressionAttributeValues.html (every value must be used: "
            "\"Value provided in ExpressionAttributeValues unused in expressions\")"},
    {"id": "ddb.delete_item.ok", "service": "dynamodb", "op": "DeleteItem", "setup": [TABLE_STEP, ITEM_STEP],
     "params": {"TableName": "pingwatch-state", "Key": KEY, "ReturnValues": "ALL_OLD"},
     "expect": {"status": 200, "code": None, "equals": {"Attributes": ITEM}}, "doc": DDB + "API_DeleteItem.html"},
    {"id": "ddb.delete_item.condition_failed", "service": "dynamodb", "op": "DeleteItem", "setup": [TABLE_STEP],
     "params": {"TableName": "pingwatch-state", "Key": KEY, "ConditionExpression": "attribute_exists(pk)"},
     "expect": {"status": 400, "code": "ConditionalCheckFailedException"},
     "doc": DDB + "API_DeleteItem.html (Errors: ConditionalCheckFailedException)"},
    {"id": "ddb.query.ok", "service": "dynamodb", "op": "Query", "setup": [TABLE_STEP, ITEM_STEP],
     "params": {"TableName": "pingwatch-state", "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": {":pk": {"S": "node#i-1"}}},
     "expect": {"status": 200, "code": None, "equals": {"Count": 1, "ScannedCount": 1, "Items": [ITEM]}},
     "doc": DDB + "API_Query.html"},
    {"id": "ddb.query.non_key_condition", "service": "dynamodb", "op": "Query", "setup": [TABLE_STEP],
     "params": {"TableName": "pingwatch-state", "KeyConditionExpression": "#s = :s",
                "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":s": {"S": "Online"}}},
     "expect": {"status": 400, "code": "ValidationException"},
     "doc": DDB + "API_Query.html (KeyConditionExpression: must specify the partition key name and value as an "
            "equality condition)"},
    {"id": "ddb.batch_write_item.ok", "service": "dynamodb", "op": "BatchWriteItem", "setup": [TABLE_STEP],
     "params": {"RequestItems": {"pingwatch-state": [{"PutRequest": {"Item": ITEM}},
                                                     {"DeleteRequest": {"Key": {"pk": {"S": "x"}, "sk": {"S": "y"}}}}]}},
     "expect": {"status": 200, "code": None, "equals": {"UnprocessedItems": {}}},
     "doc": DDB + "API_BatchWriteItem.html"},
    {"id": "ddb.batch_write_item.over_25", "service": "dynamodb", "op": "BatchWriteItem", "setup": [TABLE_STEP],
     "params": {"RequestItems": {"pingwatch-state": [
         {"PutRequest": {"Item": dict(ITEM, sk={"S": f"s{n}"})}} for n in range(26)]}},
     "expect": {"status": 400, "code": "ValidationException"},
     "doc": DDB + "API_BatchWriteItem.html (up to 25 put or delete requests; RequestItems: Maximum number of 25 items)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto does not count the requests"}},
    {"id": "ddb.batch_write_item.duplicate_keys", "service": "dynamodb", "op": "BatchWriteItem", "setup": [TABLE_STEP],
     "params": {"RequestItems": {"pingwatch-state": [{"PutRequest": {"Item": ITEM}}, {"PutRequest": {"Item": ITEM}}]}},
     "expect": {"status": 400, "code": "ValidationException"},
     "doc": DDB + "API_BatchWriteItem.html (the operation is rejected when the batch has two operations on the "
            "same item)"},
    {"id": "ddb.batch_write_item.unknown_table", "service": "dynamodb", "op": "BatchWriteItem",
     "params": {"RequestItems": {"no-such-table": [{"PutRequest": {"Item": ITEM}}]}},
     "expect": {"status": 400, "code": "ResourceNotFoundException"},
     "doc": DDB + "API_BatchWriteItem.html (Errors: ResourceNotFoundException)"},
    # ---------------------------------------------------------------- STS
    {"id": "sts.get_caller_identity.ok", "service": "sts", "op": "GetCallerIdentity", "params": {},
     "expect": {"status": 200, "code": None, "keys": ["UserId", "Arn"], "equals": {"Account": ACCOUNT}},
     "doc": STS + "API_GetCallerIdentity.html"},
    {"id": "sts.assume_role.ok", "service": "sts", "op": "AssumeRole",
     "params": {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/pingwatch-monitor", "RoleSessionName": "pingwatch"},
     "expect": {"status": 200, "code": None,
                "keys": ["Credentials.AccessKeyId", "Credentials.SecretAccessKey", "Credentials.SessionToken",
                         "Credentials.Expiration", "AssumedRoleUser.Arn", "AssumedRoleUser.AssumedRoleId"],
                "equals": {"AssumedRoleUser.Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/pingwatch-monitor/pingwatch"}},
     "doc": STS + "API_AssumeRole.html"},
    {"id": "sts.assume_role.short_session_name", "service": "sts", "op": "AssumeRole",
     "params": {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/pingwatch-monitor", "RoleSessionName": "x"},
     "params_unvalidated": True, "expect": {"status": 400, "code": "ValidationError"},
     "doc": STS + "API_AssumeRole.html (RoleSessionName: Minimum length of 2); " + STS + "CommonErrors.html", "moto": {"expect": {"status": 200, "code": None}, "why": "moto does not check the length"}},
    {"id": "sts.assume_role.duration_too_long", "service": "sts", "op": "AssumeRole",
     "params": {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/pingwatch-monitor", "RoleSessionName": "pingwatch",
                "DurationSeconds": 43201}, "params_unvalidated": True,
     "expect": {"status": 400, "code": "ValidationError"},
     "doc": STS + "API_AssumeRole.html (DurationSeconds: Maximum value of 43200)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto does not check the duration"}},
    # ---------------------------------------------------------------- EC2
    {"id": "ec2.describe_instances.empty", "service": "ec2", "op": "DescribeInstances", "params": {},
     "expect": {"status": 200, "code": None, "equals": {"Reservations": []}},
     "doc": EC2 + "API_DescribeInstances.html"},
    {"id": "ec2.describe_instances.unknown_id", "service": "ec2", "op": "DescribeInstances",
     "params": {"InstanceIds": ["i-0123456789abcdef0"]},
     "expect": {"status": 400, "code": "InvalidInstanceID.NotFound"},
     "doc": EC2 + "errors-overview.html (InvalidInstanceID.NotFound: the specified instance does not exist)"},
    {"id": "ec2.describe_instances.malformed_id", "service": "ec2", "op": "DescribeInstances",
     "params": {"InstanceIds": ["bogus"]},
     "expect": {"status": 400, "code": "InvalidInstanceID.Malformed"},
     "doc": EC2 + "errors-overview.html (InvalidInstanceID.Malformed: the specified instance ID is not valid)",
     "moto": {"expect": {"status": 400, "code": "InvalidInstanceID.NotFound"}, "why": "moto does not tell a malformed id from an unknown one"}},
    # ---------------------------------------------------------------- EventBridge
    {"id": "events.put_rule.ok", "service": "events", "op": "PutRule",
     "params": {"Name": "LambdaCheckSSMAgentStatusRule", "ScheduleExpression": "rate(1 minute)"},
     "expect": {"status": 200, "code": None,
                "equals": {"RuleArn": f"arn:aws:events:us-east-1:{ACCOUNT}:rule/LambdaCheckSSMAgentStatusRule"}},
     "doc": EVB + "API_PutRule.html"},
    {"id": "events.put_rule.bad_schedule", "service": "events", "op": "PutRule",
     "params": {"Name": "r1", "ScheduleExpression": "rate(1 minutes)"},
     "expect": {"status": 400, "code": "ValidationException"},
     "doc": EVB + "API_PutRule.html (Errors: ValidationException); " +
            "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html "
            "(a value of 1 takes the singular unit: rate(1 minute))",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto does not parse schedule expressions"}},
    {"id": "events.put_rule.no_pattern_or_schedule", "service": "events", "op": "PutRule",
     "params": {"Name": "r1"},
     "expect": {"status": 400, "code": "ValidationException"},
     "doc": EVB + "API_PutRule.html (a rule must contain at least an EventPattern or ScheduleExpression)"},
    {"id": "events.put_rule.bad_name", "service": "events", "op": "PutRule",
     "params": {"Name": "bad name!", "ScheduleExpression": "rate(1 minute)"}, "params_unvalidated": True,
     "expect": {"status": 400, "code": "ValidationException"},
     "doc": EVB + "API_PutRule.html (Name: Pattern [\\.\\-_A-Za-z0-9]+)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto does not check the name's pattern"}},
    {"id": "events.put_targets.ok", "service": "events", "op": "PutTargets",
     "setup": [step("events", "PutRule", Name="LambdaCheckSSMAgentStatusRule", ScheduleExpression="rate(1 minute)")],
     "params": {"Rule": "LambdaCheckSSMAgentStatusRule", "Targets": [
         {"Id": "1", "Arn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:LambdaFunctionCheckSSMAgentStatus"}]},
     "expect": {"status": 200, "code": None, "equals": {"FailedEntryCount": 0, "FailedEntries": []}},
     "doc": EVB + "API_PutTargets.html"},
    {"id": "events.put_targets.unknown_rule", "service": "events", "op": "PutTargets",
     "params": {"Rule": "no-such-rule", "Targets": [
         {"Id": "1", "Arn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"}]},
     "expect": {"status": 400, "code": "ResourceNotFoundException"},
     "doc": EVB + "API_PutTargets.html (Errors: ResourceNotFoundException: an entity that you specified does not "
            "exist)"},
    {"id": "events.put_targets.too_many", "service": "events", "op": "PutTargets",
     "setup": [step("events", "PutRule", Name="r1", ScheduleExpression="rate(1 minute)")],
     "params": {"Rule": "r1", "Targets": [{"Id": str(n), "Arn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"}
                                          for n in range(11)]},
     "params_unvalidated": True, "expect": {"status": 400, "code": "ValidationException"},
     "doc": EVB + "API_PutTargets.html (Targets: Maximum number of 10 items)",
     "moto": {"expect": {"status": 200, "code": None}, "why": "moto does not count targets"}},
    {"id": "events.put_targets.missing_arn", "service": "events", "op": "PutTargets",
     "setup": [step("events", "PutRule", Name="r1", ScheduleExpression="rate(1 minute)")],
     "raw": {"Rule": "r1", "Targets": [{"Id": "1"}]}, "raw_protocol": "json",
     "expect": {"status": 400, "code": "ValidationException"},
     "doc": EVB + "API_Target.html (Arn: Required: Yes)",
     "moto": {"expect": {"status": 500, "code": "500"}, "why": "moto fails internally on the missing Arn"}},
    {"id": "events.put_targets.missing_id", "service": "events", "op": "PutTargets",
     "setup": [step("events", "PutRule", Name="r1", ScheduleExpression="rate(1 minute)")],
     "raw": {"Rule": "r1", "Targets": [{"Arn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"}]},
     "raw_protocol": "json", "expect": {"status": 400, "code": "ValidationException"},
     "doc": EVB + "API_Target.html (Id: Required: Yes); " + EVB + "CommonErrors.html (ValidationException)",
     "moto": {"expect": {"status": 500, "code": "500"}, "why": "moto fails internally on the missing Id"}},
    {"id": "events.put_targets.arn_wrong_type", "service": "events", "op": "PutTargets",
     "setup": [step("events", "PutRule", Name="r1", ScheduleExpression="rate(1 minute)")],
     "raw": {"Rule": "r1", "Targets": [{"Id": "1", "Arn": {"S": "arn"}}]},
     "raw_protocol": "json", "expect": {"status": 400, "code": "SerializationException"},
     "doc": EVB + "API_Target.html (Arn: Type String); SerializationException is the awsJson1_1 error for a body "
            "that does not match the input shape (" + MODEL.format("events/2015-10-07") + ": protocol json)",
     "moto": {"expect": {"status": 500, "code": "500"}, "why": "moto fails internally on the object"}},
    # ---------------------------------------------------------------- Lambda
    {"id": "lambda.create_function.ok", "service": "lambda", "op": "CreateFunction", "params": function(),
     "setup_moto": MOTO_ROLE,
     "expect": {"status": 201, "code": None,
                "keys": ["FunctionArn", "CodeSha256", "CodeSize", "LastModified", "State", "Version"],
                "equals": {"Runtime": "python3.12", "Handler": "lambda_function.lambda_handler",
                           "FunctionArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:LambdaFunctionCheckSSMAgentStatus",
                           "State": "Pending"}},
     "doc": LAMBDA + "API_CreateFunction.html (HTTP 201; State); "
            "https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html (a new function is Pending)",
     "moto": {"expect": {"status": 201, "code": None, "equals": {"State": "Active"}}, "why": "moto creates functions Active at once"}},
    {"id": "lambda.create_function.bad_runtime", "service": "lambda", "op": "CreateFunction",
     "params": function(Runtime="cobol85"), "params_unvalidated": True, "setup_moto": MOTO_ROLE,
     "expect": {"status": 400, "code": "InvalidParameterValueException"},
     "doc": LAMBDA + "API_CreateFunction.html (Runtime: Valid Values ...; Errors: InvalidParameterValueException)",
     "moto": {"expect": {"status": 201, "code": None}, "why": "moto accepts any runtime"}},
    {"id": "lambda.create_function.timeout_too_long", "service": "lambda", "op": "CreateFunction",
     "params": custom_function(Timeout=901), "setup_moto": MOTO_ROLE,
     "expect": {"status": 400, "code": "ValidationException"},
     "doc": LAMBDA + "API_CreateFunction.html (Timeout: the maximum is 900 seconds); " + LAMBDA +
            "CommonErrors.html (ValidationException)",
     "moto": {"expect": {"status": 201, "code": None}, "why": "moto does not check the timeout"}},
    {"id": "lambda.create_function.exists", "service": "lambda", "op": "CreateFunction", "params": custom_function(),
     "setup_moto": MOTO_ROLE, "setup": [step("lambda", "CreateFunction", **custom_function())],
     "expect": {"status": 409, "code": "ResourceConflictException"},
     "doc": LAMBDA + "API_CreateFunction.html (Errors: ResourceConflictException, HTTP 409)"},
    {"id": "lambda.get_function.ok", "service": "lambda", "op": "GetFunction",
     "setup_moto": MOTO_ROLE, "setup": [step("lambda", "CreateFunction", **function())],
     "params": {"FunctionName": "LambdaFunctionCheckSSMAgentStatus"},
     "expect": {"status": 200, "code": None, "keys": ["Configuration.FunctionArn", "Configuration.State", "Code"],
                "equals": {"Configuration.Runtime": "python3.12"}},
     "doc": LAMBDA + "API_GetFunction.html"},
    {"id": "lambda.get_function.unknown", "service": "lambda", "op": "GetFunction",
     "params": {"FunctionName": "no-such-function"},
     "expect": {"status": 404, "code": "ResourceNotFoundException"},
     "doc": LAMBDA + "API_GetFunction.html (Errors: ResourceNotFoundException, HTTP 404)"},
]

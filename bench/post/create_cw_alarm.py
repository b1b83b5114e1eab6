# The post's function LambdaCreateCWAlarm, unchanged (re-indented from the published text).
import boto3, os
from botocore.exceptions import ClientError


def create_cw_alarm(instance_id):
    client = boto3.client('cloudwatch')
    alarm_name = 'ssm-agent-' + instance_id
    client.put_metric_alarm(
        AlarmName=alarm_name,
        AlarmActions=[
            os.environ['CWAlarmSNSTopic']
        ],
        MetricName='Status',
        Namespace='SSM Agent',
        Statistic='Maximum',
        Dimensions=[
            {
                'Name': 'Per-Instance Metrics',
                'Value': instance_id
            },
        ],
        Period=60,
        EvaluationPeriods=1,
        DatapointsToAlarm=1,
        Threshold=1.0,
        ComparisonOperator='GreaterThanOrEqualToThreshold',
        TreatMissingData='missing'
    )


def lambda_handler(event, context):
    ssm_client = boto3.client('ssm')
    managed_nodes_response = ssm_client.describe_instance_information()
    managed_node_ids = [instance['InstanceId'] for instance in managed_nodes_response['InstanceInformationList']]
    client = boto3.client('cloudwatch')
    paginator = client.get_paginator('list_metrics')
    pages = paginator.paginate(
        Namespace='SSM Agent',
        MetricName='Status',
        Dimensions=[
            {
                'Name': 'Per-Instance Metrics'
            },
        ],
    )
    for page in pages:
        for metric in page['Metrics']:
            for dimension in metric['Dimensions']:
                instance_id = dimension['Value']
                if instance_id in managed_node_ids:
                    create_cw_alarm(instance_id)

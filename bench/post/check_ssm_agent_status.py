# The post's function LambdaFunctionCheckSSMAgentStatus, unchanged (re-indented from the published text).
import boto3
from botocore.exceptions import ClientError


def send_cw_metric(metric_dimension_value, metric_value):
    client = boto3.client('cloudwatch')
    try:
        client.put_metric_data(
            Namespace='SSM Agent',
            MetricData=[
                {
                    'MetricName': 'Status',
                    'Dimensions': [
                        {
                            'Name': 'Per-Instance Metrics',
                            'Value': metric_dimension_value
                        }
                    ],
                    'Value': metric_value,
                    'Unit': 'Count'
                },
            ]
        )
    except ClientError as e:
        print(e)


def lambda_handler(event, context):
    status_map = {
        'Online': 0,
        'ConnectionLost': 1,
        'Inactive': 2
    }
    client = boto3.client('ssm')
    paginator = client.get_paginator('describe_instance_information')
    pages = paginator.paginate()
    for page in pages:
        for instance in page['InstanceInformationList']:
            send_cw_metric(instance['InstanceId'], status_map[instance['PingStatus']])

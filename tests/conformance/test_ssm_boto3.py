"""boto3 (Debian's 1.26) against `pingwatch local`: the DescribeInstanceInformation paginator sees every
node once, filters and tags work, and errors carry AWS's codes. Run with /usr/bin/python3."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
import botocore.config
import botocore.exceptions

NODES = 211
FAILED = []
PASSED = []


def check(name, condition, detail=""):
    (PASSED if condition else FAILED).append(name)
    print(("ok - " if condition else "not ok - ") + name + ("" if condition else f": {detail}"))


def start_stack(extra):
    binary = os.environ["PINGWATCH_BIN"]
    out = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen([binary, "local", "--port", "0", *extra], stdout=out, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        out.seek(0)
        m = re.search(r"^pingwatch local listening on (http://\S+)$", out.read(), re.M)
        if m:
            return proc, m.group(1)
        if proc.poll() is not None:
            raise RuntimeError("stack exited: " + proc.stderr.read())
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("stack did not print its URL")


def client(service, url, secret="test", key="test"):
    return boto3.session.Session().client(
        service, endpoint_url=url, region_name="us-east-1", aws_access_key_id=key, aws_secret_access_key=secret,
        config=botocore.config.Config(retries={"max_attempts": 1}))


def error_code(call):
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    return None, None


def main():
    import botocore
    print(f"client: botocore {botocore.__version__} ({sys.executable})", flush=True)
    fleet = {"generate": NODES - 1,
             "nodes": [{"id": "mi-0a1b2c3d4e5f60718", "platform": "ubuntu-22.04", "name": "onprem-db",
                        "iam_role": "SSMServiceRole", "tags": {"Site": "osaka"}}]}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(fleet, f)
        fleet_path = f.name
    proc, url = start_stack(["--fleet", fleet_path, "--fleet-seed", "5"])
    try:
        ssm = client("ssm", url)
        # Paginator across every page, small pages.
        seen = []
        pages = 0
        for page in ssm.get_paginator("describe_instance_information").paginate(PaginationConfig={"PageSize": 7}):
            pages += 1
            seen += [n["InstanceId"] for n in page["InstanceInformationList"]]
        check("paginator sees every node", len(seen) == NODES and len(set(seen)) == NODES, f"{len(seen)} / {len(set(seen))}")
        check("paginator used many pages", pages >= NODES // 7, str(pages))
        # Types parse: LastPingDateTime is a datetime.
        first = ssm.describe_instance_information(MaxResults=5)["InstanceInformationList"][0]
        check("LastPingDateTime parses as a datetime", hasattr(first["LastPingDateTime"], "year"), repr(first))
        # Hybrid node fields.
        hybrid = ssm.describe_instance_information(
            Filters=[{"Key": "ResourceType", "Values": ["ManagedInstance"]}])["InstanceInformationList"]
        check("hybrid node listed with Name and IamRole",
              len(hybrid) == 1 and hybrid[0]["Name"] == "onprem-db" and hybrid[0]["IamRole"] == "SSMServiceRole", repr(hybrid))
        # Tags on the managed node, then a tag filter.
        ssm.add_tags_to_resource(ResourceType="ManagedInstance", ResourceId="mi-0a1b2c3d4e5f60718",
                                 Tags=[{"Key": "Owner", "Value": "dba"}])
        tags = ssm.list_tags_for_resource(ResourceType="ManagedInstance", ResourceId="mi-0a1b2c3d4e5f60718")["TagList"]
        check("tags added and listed", {t["Key"]: t["Value"] for t in tags} == {"Site": "osaka", "Owner": "dba"}, repr(tags))
        by_tag = ssm.describe_instance_information(Filters=[{"Key": "tag:Owner", "Values": ["dba"]}])["InstanceInformationList"]
        check("tag:Owner filter", [n["InstanceId"] for n in by_tag] == ["mi-0a1b2c3d4e5f60718"], repr(by_tag))
        ssm.remove_tags_from_resource(ResourceType="ManagedInstance", ResourceId="mi-0a1b2c3d4e5f60718", TagKeys=["Owner"])
        tags = ssm.list_tags_for_resource(ResourceType="ManagedInstance", ResourceId="mi-0a1b2c3d4e5f60718")["TagList"]
        check("tag removed", [t["Key"] for t in tags] == ["Site"], repr(tags))
        # Validation and token errors.
        code, message = error_code(lambda: ssm.describe_instance_information(MaxResults=60))
        check("MaxResults 60 -> ValidationException", code == "ValidationException" and
              message == "1 validation error detected: Value '60' at 'maxResults' failed to satisfy constraint: "
                         "Member must have value less than or equal to 50", f"{code}: {message}")
        code, _ = error_code(lambda: ssm.describe_instance_information(NextToken="bm90IGEgdG9rZW4="))
        check("bad NextToken -> InvalidNextToken", code == "InvalidNextToken", code)
        code, _ = error_code(lambda: ssm.describe_instance_information(
            Filters=[{"Key": "PingStatus", "Values": ["Online"]}],
            InstanceInformationFilterList=[{"key": "PingStatus", "valueSet": ["Online"]}]))
        check("Filters + legacy list refused", code == "ValidationException", code)
        # Faults through the HTTP endpoint, then EC2 sees the stopped instance.
        victim = seen[3]
        req = urllib.request.Request(url + "/_local/fleet/faults", method="POST",
                                     data=json.dumps({"instance_id": victim, "fault": "stop"}).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            check("fault endpoint accepts stop", r.status == 200)
        ids = [n["InstanceId"] for p in ssm.get_paginator("describe_instance_information").paginate()
               for n in p["InstanceInformationList"]]
        check("stopped node gone from SSM", victim not in ids and len(ids) == NODES - 1, str(len(ids)))
        ec2 = client("ec2", url)
        state = ec2.describe_instances(InstanceIds=[victim])["Reservations"][0]["Instances"][0]["State"]["Name"]
        check("EC2 reports stopped", state == "stopped", state)
        running = sum(len(r["Instances"]) for p in ec2.get_paginator("describe_instances").paginate(
            Filters=[{"Name": "instance-state-name", "Values": ["running"]}], PaginationConfig={"PageSize": 50})
            for r in p["Reservations"])
        check("EC2 paginator counts running EC2 instances", running == NODES - 2, str(running))
        # Signatures.
        code, message = error_code(lambda: client("ssm", url, secret="wrong").describe_instance_information())
        check("wrong secret -> InvalidSignatureException", code == "InvalidSignatureException" and
              message.startswith("The request signature we calculated does not match"), f"{code}: {message}")
        code, message = error_code(lambda: client("ssm", url, key="AKIDNOBODY").describe_instance_information())
        check("unknown key -> UnrecognizedClientException", code == "UnrecognizedClientException" and
              message == "The security token included in the request is invalid.", f"{code}: {message}")
        code, _ = error_code(lambda: client("ec2", url, secret="wrong").describe_instances())
        check("EC2 wrong secret -> SignatureDoesNotMatch", code == "SignatureDoesNotMatch", code)
    finally:
        proc.terminate()
        rc = proc.wait(timeout=30)
        check("SIGTERM exits 0", rc == 0, str(rc))
        os.unlink(fleet_path)
    print(f"{len(PASSED)} passed, {len(FAILED)} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())

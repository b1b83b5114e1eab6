#!/usr/bin/python3
"""pingwatch's own credential chain against the local stack's STS: a profile with role_arn + source_profile
(endpoint_url pointing at the stack) and a web identity token (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE) both
let `pingwatch status --endpoint-url URL` list the simulated fleet, after one AssumeRole /
AssumeRoleWithWebIdentity each; the requests that follow are signed with the temporary credentials."""
import base64
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import pwtest  # noqa: E402
from pwtest import check  # noqa: E402

NODES = 7


def status(stack, env):
    return subprocess.run([pwtest.PINGWATCH, "status", "--endpoint-url", stack.url, "--region", "us-east-1", "-o", "json"],
                          capture_output=True, text=True, env=env, timeout=60)


def listed(result):
    try:
        doc = json.loads(result.stdout)
    except ValueError:
        return -1
    nodes = doc.get("nodes", doc) if isinstance(doc, dict) else doc
    return len(nodes)


def jwt(claims):
    def b64(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    return f"{b64({'alg': 'RS256', 'kid': 'k'})}.{b64(claims)}.c2lnbmF0dXJl"


def main():
    work = tempfile.mkdtemp(prefix="pw-assume-role-")
    with pwtest.LocalStack("--nodes", NODES, work=work) as stack:
        config = os.path.join(work, "config")
        credentials = os.path.join(work, "credentials")
        with open(credentials, "w") as f:
            f.write("[source]\naws_access_key_id = test\naws_secret_access_key = test\n")
        with open(config, "w") as f:
            f.write(f"[profile deployer]\nrole_arn = arn:aws:iam::210987654321:role/pingwatch-reader\n"
                    f"source_profile = source\nrole_session_name = pingwatch-test\nendpoint_url = {stack.url}\n"
                    f"region = us-east-1\n")
        env = pwtest.aws_env(AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=credentials, AWS_PROFILE="deployer")
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            env.pop(k)
        r = status(stack, env)
        check(r.returncode == 0 and listed(r) == NODES,
              "pingwatch status with a role_arn + source_profile profile lists the fleet", r.stdout[-500:] + r.stderr)
        check(stack.count("sts", "AssumeRole") == 1, "it assumed the role once", stack.get("/_local/stats"))

        token_file = os.path.join(work, "token")
        with open(token_file, "w") as f:
            f.write(jwt({"sub": "system:serviceaccount:ops:pingwatch", "aud": "sts.amazonaws.com",
                         "iss": "https://oidc.example"}))
        env = pwtest.aws_env(AWS_ROLE_ARN="arn:aws:iam::210987654321:role/pingwatch-web",
                             AWS_WEB_IDENTITY_TOKEN_FILE=token_file, AWS_ENDPOINT_URL_STS=stack.url)
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            env.pop(k)
        r = status(stack, env)
        check(r.returncode == 0 and listed(r) == NODES,
              "pingwatch status with AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE lists the fleet", r.stdout[-500:] + r.stderr)
        check(stack.count("sts", "AssumeRoleWithWebIdentity") == 1, "it called AssumeRoleWithWebIdentity once")
    pwtest.done()


if __name__ == "__main__":
    main()

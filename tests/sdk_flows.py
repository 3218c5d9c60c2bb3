#!/usr/bin/env python3
"""Checks that the standard assume-role flows of boto3 and the AWS CLI work against iamlocal.

Starts the binary on a free loopback port with a bootstrap file (a user with a key, a role it
may assume, the built-in OpenID Connect issuer registered and a role its tokens may assume),
then, with nothing but configuration files and environment variables, as users do:

- boto3: a `role_arn` + `source_profile` profile (botocore's AssumeRoleProvider);
- boto3: `AWS_ROLE_ARN` + `AWS_WEB_IDENTITY_TOKEN_FILE`, the token minted by iamlocal;
- boto3: credentials refreshed after the virtual clock expired the first ones;
- the AWS CLI: `aws sts get-caller-identity --profile assumer`.

    tests/sdk_flows.py [path/to/iamlocal]      # default: target/debug/iamlocal

Needs boto3 and the AWS CLI (`aws`) on PATH; .ci/run installs both, pinned, in its venv.
The server is stopped by its PID; every step has a timeout.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ACCOUNT = "000000000000"
KEY_ID = "AKIAIAMLOCALFLOWS001"
SECRET = "iamlocalFlowsSecretKey000000000000000001"
STEP_TIMEOUT = 30


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bootstrap(issuer):
    """The state document: `app` may assume `deploy`; tokens of `issuer` may assume `ci`."""
    provider_arn = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{issuer.split('://', 1)[1]}"
    return {
        "accounts": [
            {
                "account_id": ACCOUNT,
                "users": [
                    {
                        "name": "app",
                        "access_keys": [{"id": KEY_ID, "secret": SECRET}],
                        "policies": {
                            "assume": {
                                "Version": "2012-10-17",
                                "Statement": {
                                    "Effect": "Allow",
                                    "Action": "sts:AssumeRole",
                                    "Resource": f"arn:aws:iam::{ACCOUNT}:role/deploy",
                                },
                            }
                        },
                    }
                ],
                "roles": [
                    {
                        "name": "deploy",
                        "trust_policy": {
                            "Version": "2012-10-17",
                            "Statement": {
                                "Effect": "Allow",
                                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/app"},
                                "Action": "sts:AssumeRole",
                            },
                        },
                    },
                    {
                        "name": "ci",
                        "trust_policy": {
                            "Version": "2012-10-17",
                            "Statement": {
                                "Effect": "Allow",
                                "Principal": {"Federated": provider_arn},
                                "Action": "sts:AssumeRoleWithWebIdentity",
                            },
                        },
                    },
                ],
                "oidc_providers": [{"url": issuer, "client_ids": ["sts.amazonaws.com"]}],
            }
        ]
    }


def start(binary, workdir):
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    path = os.path.join(workdir, "bootstrap.json")
    with open(path, "w") as f:
        json.dump(bootstrap(endpoint), f)
    log = open(os.path.join(workdir, "iamlocal.log"), "w+")
    server = subprocess.Popen(
        [binary, "--listen", f"127.0.0.1:{port}", "--bootstrap", path],
        stdout=log,
        stderr=log,
        env={k: v for k, v in os.environ.items() if not k.startswith("IAMLOCAL_")},
    )
    deadline = time.monotonic() + STEP_TIMEOUT
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{endpoint}/_iamlocal/health", timeout=1)
            return server, endpoint
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.1)
    server.kill()
    server.wait()
    log.seek(0)
    sys.exit("iamlocal did not start: " + log.read())


def admin(endpoint, route, body):
    request = urllib.request.Request(
        f"{endpoint}/_iamlocal/{route}",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=STEP_TIMEOUT) as answer:
        return json.load(answer)


FAILED = []


def check(name, actual, expected):
    if actual == expected:
        print(f"ok   {name}")
    else:
        FAILED.append(name)
        print(f"FAIL {name}\n     expected {expected!r}\n     got      {actual!r}")


def flows(endpoint, workdir):
    # Imported here: the environment above decides what botocore reads.
    import boto3
    import botocore.config
    import botocore.exceptions

    def caller(sts):
        """The caller's ARN, or the error code that refused it."""
        try:
            return sts.get_caller_identity()["Arn"]
        except botocore.exceptions.ClientError as e:
            return e.response["Error"]["Code"]

    config = botocore.config.Config(
        connect_timeout=5, read_timeout=STEP_TIMEOUT, retries={"max_attempts": 1}
    )
    deploy = f"arn:aws:sts::{ACCOUNT}:assumed-role/deploy/flows"

    # boto3: a profile naming a role and the profile whose keys assume it.
    session = boto3.Session(profile_name="assumer")
    sts = session.client("sts", config=config)
    check("boto3 role_arn + source_profile", caller(sts), deploy)

    # The virtual clock passes the credentials' expiry: the old ones are refused, and boto3
    # (which refreshes 900-second credentials before each use) asks for new ones.
    old = session.get_credentials().get_frozen_credentials()
    admin(endpoint, "clock/advance", {"seconds": 1000})
    stale = boto3.client(
        "sts",
        aws_access_key_id=old.access_key,
        aws_secret_access_key=old.secret_key,
        aws_session_token=old.token,
        config=config,
    )
    check("the virtual clock expires the credentials", caller(stale), "ExpiredToken")
    check("boto3 refreshes them", caller(sts), deploy)
    fresh = session.get_credentials().get_frozen_credentials().access_key
    check("with new credentials", fresh != old.access_key, True)

    # boto3: web identity from the environment, as EKS and GitHub Actions set it up.
    minted = admin(endpoint, "oidc/token", {"sub": "flows", "aud": "sts.amazonaws.com"})
    token_file = os.path.join(workdir, "token")
    with open(token_file, "w") as f:
        f.write(minted["token"])
    os.environ["AWS_ROLE_ARN"] = f"arn:aws:iam::{ACCOUNT}:role/ci"
    os.environ["AWS_WEB_IDENTITY_TOKEN_FILE"] = token_file
    os.environ["AWS_ROLE_SESSION_NAME"] = "web"
    try:
        web = boto3.Session().client("sts", config=config)
        check(
            "boto3 AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE",
            caller(web),
            f"arn:aws:sts::{ACCOUNT}:assumed-role/ci/web",
        )
    finally:
        for name in ["AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_SESSION_NAME"]:
            del os.environ[name]

    # The AWS CLI: the same profile.
    cli = subprocess.run(
        ["aws", "sts", "get-caller-identity", "--profile", "assumer", "--output", "json"],
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
    )
    arn = json.loads(cli.stdout)["Arn"] if cli.returncode == 0 else cli.stderr.strip()
    check("aws sts get-caller-identity --profile assumer", arn, deploy)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/debug/iamlocal"
    with tempfile.TemporaryDirectory() as workdir:
        server, endpoint = start(binary, workdir)
        try:
            # Only what this script writes: no ~/.aws, no credentials from the environment.
            for name in [k for k in os.environ if k.startswith("AWS_")]:
                del os.environ[name]
            config_file = os.path.join(workdir, "config")
            with open(config_file, "w") as f:
                f.write(
                    "[profile app]\n"
                    f"aws_access_key_id = {KEY_ID}\n"
                    f"aws_secret_access_key = {SECRET}\n"
                    "[profile assumer]\n"
                    f"role_arn = arn:aws:iam::{ACCOUNT}:role/deploy\n"
                    "source_profile = app\n"
                    "role_session_name = flows\n"
                    "duration_seconds = 900\n"
                )
            os.environ.update(
                HOME=workdir,
                AWS_CONFIG_FILE=config_file,
                AWS_SHARED_CREDENTIALS_FILE=os.path.join(workdir, "credentials"),
                AWS_ENDPOINT_URL=endpoint,
                AWS_DEFAULT_REGION="us-east-1",
                AWS_PAGER="",
                AWS_EC2_METADATA_DISABLED="true",
            )
            flows(endpoint, workdir)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"{'FAILED: ' + ', '.join(FAILED) if FAILED else 'every flow works'}")
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()

"""STS through the gateway: where it is asked (a sandbox's port, else where the STS SDK's rule
says), and the credential chain of a fresh home's aliyun CLI profile named by kind and profile,
never by value."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ecs_dr.cloud.settings import CloudSettings, profile_name
from ecs_dr.sandbox.responses.sts import DEMO_ACCOUNT_ID
from tests.cloud.test_settings import profile, write_cli_config
from tests.support.sandboxes import SandboxHandle


def test_sts_is_asked_at_a_sandboxs_port_and_else_where_the_sts_sdk_says() -> None:
    assert CloudSettings(endpoint="127.0.0.1:8123").endpoint_for("cn-hangzhou", "sts") == (
        "127.0.0.1:8123"
    )
    # A VPC endpoint for ECS is no STS endpoint; nor is the VPC API's override.
    vpc_endpoints = CloudSettings(
        endpoint="ecs-vpc.cn-hangzhou.aliyuncs.com", vpc_endpoint="vpc-vpc.cn-hangzhou.aliyuncs.com"
    )
    assert vpc_endpoints.endpoint_for("cn-hangzhou", "sts") is None
    assert CloudSettings().endpoint_for("cn-hangzhou", "sts") is None


def test_the_profile_named_is_the_one_the_chain_reads(tmp_path: Path) -> None:
    write_cli_config(tmp_path, "work", [profile("default", "cn-beijing"), profile("work", "")])
    assert profile_name({"HOME": str(tmp_path)}) == "work"
    assert profile_name({"HOME": str(tmp_path), "ALIBABA_CLOUD_PROFILE": "default"}) == "default"
    assert profile_name({"HOME": str(tmp_path / "nowhere")}) is None


ACCOUNT_FROM_ENVIRONMENT = """
import asyncio, os
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.settings import profile_name
from ecs_dr.workflows.account import AccountLookup

async def main() -> None:
    lookup = AccountLookup(EcsGateway(), profile=profile_name(os.environ))
    account = await lookup.account()
    print("RESULT", account.account_id, account.credential.kind, account.credential.profile)

asyncio.run(main())
"""


def test_a_cli_profiles_key_is_named_access_key_with_its_profile(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    write_cli_config(
        tmp_path,
        "drill",
        [profile("drill", "cn-hangzhou", sandbox.access_key_id, sandbox.access_key_secret)],
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "ALIBABA_CLOUD_ECS_ENDPOINT": sandbox.endpoint,
        "ALIBABA_CLOUD_ECS_PROTOCOL": "http",
        "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
    }
    done = subprocess.run(
        [sys.executable, "-c", ACCOUNT_FROM_ENVIRONMENT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    (result,) = [line for line in done.stdout.splitlines() if line.startswith("RESULT")]
    assert result.split()[1:] == [DEMO_ACCOUNT_ID, "access_key", "drill"]
    assert sandbox.access_key_id not in done.stdout + done.stderr
    assert sandbox.access_key_secret not in done.stdout + done.stderr

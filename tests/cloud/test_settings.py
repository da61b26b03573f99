"""Endpoint, protocol and default region, read the documented way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.settings import CloudSettings
from ecs_dr.cloud.user_agent import USER_AGENT
from tests.support.sandboxes import SandboxHandle


def write_cli_config(home: Path, current: str, profiles: list[dict[str, str]]) -> None:
    """~/.aliyun/config.json as `aliyun configure` writes it."""
    (home / ".aliyun").mkdir(parents=True)
    config = {"current": current, "profiles": profiles, "meta_path": ""}
    (home / ".aliyun" / "config.json").write_text(json.dumps(config), encoding="utf-8")


def profile(name: str, region: str, key_id: str = "", secret: str = "") -> dict[str, str]:
    return {
        "name": name,
        "mode": "AK",
        "access_key_id": key_id,
        "access_key_secret": secret,
        "region_id": region,
        "output_format": "json",
        "language": "en",
    }


def test_the_regional_endpoint_is_used_without_an_override() -> None:
    assert CloudSettings().endpoint_for("ap-southeast-1") == "ecs.ap-southeast-1.aliyuncs.com"


def test_the_endpoint_override_is_used_for_every_region() -> None:
    settings = CloudSettings.from_env(
        {"ALIBABA_CLOUD_ECS_ENDPOINT": "ecs-vpc.cn-hangzhou.aliyuncs.com", "HOME": "/nonexistent"}
    )

    assert settings.endpoint_for("cn-hangzhou") == "ecs-vpc.cn-hangzhou.aliyuncs.com"
    assert settings.endpoint_for("cn-shanghai") == "ecs-vpc.cn-hangzhou.aliyuncs.com"
    assert settings.protocol == "https"


def test_the_vpc_api_has_its_own_regional_endpoint_and_override() -> None:
    assert CloudSettings().endpoint_for("cn-shanghai", "vpc") == "vpc.cn-shanghai.aliyuncs.com"
    settings = CloudSettings.from_env(
        {
            "ALIBABA_CLOUD_ECS_ENDPOINT": "ecs-vpc.cn-hangzhou.aliyuncs.com",
            "ALIBABA_CLOUD_VPC_ENDPOINT": "vpc-vpc.cn-hangzhou.aliyuncs.com",
            "HOME": "/nonexistent",
        }
    )

    assert settings.endpoint_for("cn-hangzhou", "vpc") == "vpc-vpc.cn-hangzhou.aliyuncs.com"
    assert settings.endpoint_for("cn-hangzhou") == "ecs-vpc.cn-hangzhou.aliyuncs.com"


def test_an_ecs_override_alone_sends_the_vpc_api_to_its_public_endpoint() -> None:
    settings = CloudSettings(endpoint="ecs-vpc.cn-hangzhou.aliyuncs.com")

    assert settings.endpoint_for("cn-hangzhou", "vpc") == "vpc.cn-hangzhou.aliyuncs.com"


def test_a_loopback_sandbox_serves_the_vpc_api_on_the_same_port() -> None:
    settings = CloudSettings(endpoint="127.0.0.1:8123", protocol="http")

    assert settings.endpoint_for("cn-hangzhou", "vpc") == "127.0.0.1:8123"


def test_http_is_refused_when_the_vpc_api_endpoint_is_not_on_loopback() -> None:
    with pytest.raises(ValueError, match=r"not 10\.0\.0\.5:80"):
        CloudSettings(endpoint="127.0.0.1:8123", vpc_endpoint="10.0.0.5:80", protocol="http")


def test_a_vpc_endpoint_with_a_scheme_is_refused_naming_its_variable() -> None:
    with pytest.raises(ValueError, match="ALIBABA_CLOUD_VPC_ENDPOINT"):
        CloudSettings(vpc_endpoint="https://vpc.cn-hangzhou.aliyuncs.com")


@pytest.mark.parametrize("endpoint", ["127.0.0.1:8123", "localhost:8123", "[::1]:8123"])
def test_http_is_allowed_for_a_loopback_endpoint(endpoint: str) -> None:
    settings = CloudSettings.from_env(
        {
            "ALIBABA_CLOUD_ECS_ENDPOINT": endpoint,
            "ALIBABA_CLOUD_ECS_PROTOCOL": "HTTP",
            "HOME": "/nonexistent",
        }
    )

    assert settings.protocol == "http"


@pytest.mark.parametrize("endpoint", ["ecs.cn-hangzhou.aliyuncs.com", "10.0.0.5:80", None])
def test_http_is_refused_for_a_non_loopback_endpoint(endpoint: str | None) -> None:
    with pytest.raises(ValueError, match="loopback"):
        CloudSettings(endpoint=endpoint, protocol="http")


def test_an_endpoint_with_a_scheme_is_refused_with_the_right_setting_named() -> None:
    with pytest.raises(ValueError, match="ALIBABA_CLOUD_ECS_PROTOCOL"):
        CloudSettings(endpoint="http://127.0.0.1:8123")


def test_the_default_region_comes_from_the_environment_first(tmp_path: Path) -> None:
    write_cli_config(tmp_path, "default", [profile("default", "cn-beijing")])

    settings = CloudSettings.from_env(
        {"HOME": str(tmp_path), "ALIBABA_CLOUD_REGION_ID": "cn-shenzhen"}
    )

    assert settings.region_id == "cn-shenzhen"


def test_the_default_region_comes_from_the_current_cli_profile(tmp_path: Path) -> None:
    write_cli_config(
        tmp_path, "work", [profile("default", "cn-beijing"), profile("work", "ap-southeast-1")]
    )

    assert CloudSettings.from_env({"HOME": str(tmp_path)}).region_id == "ap-southeast-1"


def test_alibaba_cloud_profile_selects_the_profile_for_the_region(tmp_path: Path) -> None:
    write_cli_config(
        tmp_path, "work", [profile("default", "cn-beijing"), profile("work", "ap-southeast-1")]
    )

    settings = CloudSettings.from_env({"HOME": str(tmp_path), "ALIBABA_CLOUD_PROFILE": "default"})

    assert settings.region_id == "cn-beijing"


def test_no_profile_file_means_no_default_region(tmp_path: Path) -> None:
    assert CloudSettings.from_env({"HOME": str(tmp_path)}).region_id is None


def test_timeouts_and_retry_attempts_are_tunable_from_the_environment(tmp_path: Path) -> None:
    settings = CloudSettings.from_env(
        {
            "HOME": str(tmp_path),
            "ECS_DR_CONNECT_TIMEOUT_S": "2.5",
            "ECS_DR_READ_TIMEOUT_S": "12",
            "ECS_DR_RETRY_ATTEMPTS": "3",
            "ECS_DR_RETRY_TIMEOUT_S": "20",
        }
    )

    assert (settings.connect_timeout_s, settings.read_timeout_s) == (2.5, 12.0)
    assert (settings.retry_attempts, settings.retry_timeout_s) == (3, 20.0)


def test_the_gateway_repr_shows_where_it_connects_but_no_secret() -> None:
    shown = repr(EcsGateway(CloudSettings(region_id="cn-hangzhou")))

    assert "ecs.<region>.aliyuncs.com" in shown
    assert "vpc.<region>.aliyuncs.com" in shown
    assert "default chain" in shown


GATEWAY_FROM_ENVIRONMENT = """
import asyncio
from alibabacloud_ecs20140526 import models
from ecs_dr.cloud.gateway import EcsGateway

async def main() -> None:
    gateway = EcsGateway()
    body = await gateway.call(None, "DescribeRegions", models.DescribeRegionsRequest())
    print("RESULT", gateway.settings.region_id, body.request_id)

asyncio.run(main())
"""


def test_a_gateway_from_the_environment_signs_with_the_cli_profile_of_a_fresh_home(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    """The default credential chain and region, exactly as a user's machine provides them."""
    write_cli_config(
        tmp_path,
        "default",
        [profile("default", "cn-shanghai", sandbox.access_key_id, sandbox.access_key_secret)],
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "ALIBABA_CLOUD_ECS_ENDPOINT": sandbox.endpoint,
        "ALIBABA_CLOUD_ECS_PROTOCOL": "http",
        "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
    }

    done = subprocess.run(
        [sys.executable, "-c", GATEWAY_FROM_ENVIRONMENT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    (result,) = [line for line in done.stdout.splitlines() if line.startswith("RESULT")]
    _, region, request_id = result.split()
    (logged,) = sandbox.requests()
    assert region == "cn-shanghai"
    assert logged["request_id"] == request_id
    assert str(logged["user_agent"]).split()[-1].startswith(USER_AGENT.rsplit("/", 1)[0])
    assert sandbox.access_key_secret not in done.stdout + done.stderr

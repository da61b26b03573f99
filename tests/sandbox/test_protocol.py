"""The wire protocol: signatures, versions, unknown actions, error shape."""

from __future__ import annotations

from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client

from tests.conftest import SandboxHandle, sdk_client
from tests.sandbox.helpers import ecs_error


def test_signed_request_is_served_and_logged_with_its_user_agent(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    body = ecs.describe_regions(models.DescribeRegionsRequest()).body
    assert [r.region_id for r in body.regions.region] == ["cn-hangzhou", "cn-shanghai"]
    [record] = sandbox.requests()
    assert record["action"] == "DescribeRegions"
    assert record["status"] == 200
    assert "AlibabaCloud-Agent-Skills/" in record["user_agent"]


def test_wrong_secret_gets_signature_does_not_match(sandbox: SandboxHandle) -> None:
    client = sdk_client(sandbox, secret="not-the-secret")
    assert ecs_error(lambda: client.describe_regions(models.DescribeRegionsRequest())) == (
        "SignatureDoesNotMatch",
        400,
    )


def test_unknown_key_gets_invalid_access_key_id_not_found(sandbox: SandboxHandle) -> None:
    client = sdk_client(sandbox, key_id="LTAI5tUnknownKey")
    assert ecs_error(lambda: client.describe_regions(models.DescribeRegionsRequest())) == (
        "InvalidAccessKeyId.NotFound",
        404,
    )


def test_unknown_action_gets_ecs_error_not_a_crash(sandbox: SandboxHandle, ecs: Client) -> None:
    # An action the SDK knows but the sandbox does not serve.
    code, status = ecs_error(
        lambda: ecs.describe_key_pairs(models.DescribeKeyPairsRequest(region_id="cn-hangzhou"))
    )
    assert (code, status) == ("InvalidAction.NotFound", 404)


def test_injected_error_fault_fails_the_nth_call_then_recovers(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    sandbox.add_fault(
        {
            "kind": "error",
            "action": "DescribeRegions",
            "code": "InternalError",
            "http_status": 500,
            "nth": 2,
        }
    )
    ecs.describe_regions(models.DescribeRegionsRequest())
    assert ecs_error(lambda: ecs.describe_regions(models.DescribeRegionsRequest())) == (
        "InternalError",
        500,
    )
    ecs.describe_regions(models.DescribeRegionsRequest())
    assert [r["status"] for r in sandbox.requests()] == [200, 500, 200]

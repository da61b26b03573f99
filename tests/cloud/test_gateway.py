"""The gateway over real HTTP into the sandbox: user agent, retries, error translation."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_credentials.models import Config as CredentialConfig
from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_vpc20160428 import models as vpc
from structlog.testing import capture_logs

from ecs_dr.cloud.apis import VPC_API, sdk_method_name
from ecs_dr.cloud.errors import (
    AuthenticationFailed,
    Busy,
    CloudError,
    InvalidParameter,
    NotFound,
    PermissionDenied,
    Throttled,
    Transient,
)
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.settings import CloudSettings
from ecs_dr.cloud.user_agent import SESSION_ID, USER_AGENT, session_id
from ecs_dr.logs import REDACTED, forget_secrets, redact_text
from tests.support.demo_world import DB_SYSTEM, PROD_VPC
from tests.support.sandboxes import SandboxHandle, VirtualTime, access_key, sandbox_gateway


def regions(sandbox: SandboxHandle) -> list[dict[str, object]]:
    return [r for r in sandbox.requests() if r["action"] == "DescribeRegions"]


async def describe_regions(gateway: EcsGateway) -> object:
    return await gateway.call(None, "DescribeRegions", ecs.DescribeRegionsRequest())


async def test_every_call_carries_the_user_agent_with_the_session_id(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    await describe_regions(gateway)
    await gateway.call("cn-shanghai", "DescribeRegions", ecs.DescribeRegionsRequest())

    assert re.fullmatch(r"[0-9a-f]{32}", SESSION_ID)
    assert session_id() == SESSION_ID
    expected = f"AlibabaCloud-Agent-Skills/alibabacloud-ecs-disaster-recovery-snapshot/{SESSION_ID}"
    assert expected == USER_AGENT
    logged = sandbox.requests()
    assert len(logged) == 2
    assert all(str(r["user_agent"]).endswith(" " + USER_AGENT) for r in logged)


async def test_the_response_body_model_is_returned(gateway: EcsGateway) -> None:
    body = await gateway.call(None, "DescribeRegions", ecs.DescribeRegionsRequest())

    assert isinstance(body, ecs.DescribeRegionsResponseBody)
    assert "cn-hangzhou" in [region.region_id for region in body.regions.region]


async def test_retries_throttling_user_then_succeeds(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    sandbox.add_fault(
        {"kind": "error", "action": "DescribeRegions", "code": "Throttling.User", "times": 2}
    )

    await describe_regions(gateway)

    assert [r["code"] for r in regions(sandbox)] == ["Throttling.User", "Throttling.User", ""]


async def test_gives_up_after_n_throttles_with_throttled_keeping_code_and_request_id(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    sandbox.add_fault(
        {"kind": "error", "action": "DescribeRegions", "code": "Throttling.User", "times": 99}
    )

    with pytest.raises(Throttled) as caught:
        await describe_regions(gateway)

    logged = regions(sandbox)
    assert len(logged) == gateway.settings.retry_attempts
    assert caught.value.code == "Throttling.User"
    assert caught.value.request_id == logged[-1]["request_id"]
    assert caught.value.http_status == 400
    assert caught.value.data["RequestId"] == logged[-1]["request_id"]
    assert caught.value.recommend


async def test_throttling_resource_429_above_the_qps_limit_is_retried_then_throttled(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    sandbox.add_fault({"kind": "throttle", "qps": 1, "code": "Throttling.Resource"})
    await describe_regions(gateway)

    with pytest.raises(Throttled) as caught:
        await describe_regions(gateway)

    assert caught.value.code == "Throttling.Resource"
    assert caught.value.http_status == 429
    assert len(regions(sandbox)) == 1 + gateway.settings.retry_attempts


async def test_internal_error_500_is_retried(gateway: EcsGateway, sandbox: SandboxHandle) -> None:
    sandbox.add_fault(
        {"kind": "error", "action": "DescribeRegions", "code": "InternalError", "http_status": 500}
    )

    await describe_regions(gateway)

    assert [r["status"] for r in regions(sandbox)] == [500, 200]


async def test_service_unavailable_503_is_retried(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    sandbox.add_fault(
        {
            "kind": "error",
            "action": "DescribeRegions",
            "code": "ServiceUnavailable",
            "http_status": 503,
        }
    )

    await describe_regions(gateway)

    assert [r["status"] for r in regions(sandbox)] == [503, 200]


async def test_a_request_made_at_its_slot_is_made_once_and_sent_again_on_a_retry(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    sandbox.add_fault(
        {"kind": "error", "action": "DescribeDisks", "code": "InternalError", "http_status": 500}
    )
    made: list[str] = []

    def sending() -> ecs.DescribeDisksRequest:
        made.append(DB_SYSTEM)
        return ecs.DescribeDisksRequest(disk_ids=f'["{DB_SYSTEM}"]')

    body = await gateway.call(None, "DescribeDisks", ecs.DescribeDisksRequest(), sending=sending)

    assert [d.disk_id for d in body.disks.disk] == [DB_SYSTEM]
    assert made == [DB_SYSTEM]
    sent = [r for r in sandbox.requests() if r["action"] == "DescribeDisks"]
    assert [(r["status"], r["parameters"]["DiskIds"]) for r in sent] == [
        (500, f'["{DB_SYSTEM}"]'),
        (200, f'["{DB_SYSTEM}"]'),
    ]


async def test_connection_reset_is_retried(gateway: EcsGateway, sandbox: SandboxHandle) -> None:
    sandbox.add_fault({"kind": "reset_connection", "action": "DescribeRegions", "times": 2})

    await describe_regions(gateway)

    assert [r["code"] for r in regions(sandbox)] == ["ConnectionReset", "ConnectionReset", ""]


async def test_connection_reset_on_every_attempt_ends_in_transient(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    sandbox.add_fault({"kind": "reset_connection", "action": "DescribeRegions", "times": 99})

    with pytest.raises(Transient) as caught:
        await describe_regions(gateway)

    assert caught.value.code == "ConnectionError"
    assert caught.value.request_sent
    assert len(regions(sandbox)) == gateway.settings.retry_attempts


async def test_read_timeout_is_retried(
    sandbox: SandboxHandle, gateway_settings: CloudSettings
) -> None:
    settings = gateway_settings.model_copy(update={"read_timeout_s": 0.05})
    gateway = sandbox_gateway(sandbox, settings)
    sandbox.add_fault({"kind": "latency", "action": "DescribeRegions", "seconds": 0.3, "times": 1})

    with capture_logs() as logs:
        await describe_regions(gateway)

    failed = [e for e in logs if e["event"] == "ecs.call.failed"]
    assert [e["code"] for e in failed] == ["ReadTimeout"]
    assert [e["attempt"] for e in logs if e["event"] == "ecs.call"] == [2]


async def test_nothing_listening_is_a_transient_connection_failure(
    sandbox: SandboxHandle, gateway_settings: CloudSettings
) -> None:
    settings = gateway_settings.model_copy(update={"endpoint": "127.0.0.1:1"})
    gateway = sandbox_gateway(sandbox, settings)

    with pytest.raises(Transient) as caught:
        await describe_regions(gateway)

    assert caught.value.code == "ConnectionFailed"
    assert not caught.value.request_sent


async def test_forbidden_ram_is_permission_denied_naming_the_action(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    sandbox.add_fault(
        {"kind": "error", "action": "DescribeRegions", "code": "Forbidden.RAM", "http_status": 403}
    )

    with pytest.raises(PermissionDenied) as caught:
        await describe_regions(gateway)

    assert caught.value.code == "Forbidden.RAM"
    assert caught.value.ram_action == "ecs:DescribeRegions"
    assert "ecs:DescribeRegions" in str(caught.value)
    assert len(regions(sandbox)) == 1


async def test_unknown_access_key_is_authentication_failed_and_not_retried(
    sandbox: SandboxHandle, gateway_settings: CloudSettings
) -> None:
    gateway = EcsGateway(gateway_settings, credential=access_key("LTAI5tNoSuchKey", "whatever"))

    with pytest.raises(AuthenticationFailed) as caught:
        await describe_regions(gateway)

    assert caught.value.code == "InvalidAccessKeyId.NotFound"
    assert len(sandbox.requests()) == 1


async def test_wrong_secret_is_authentication_failed(
    sandbox: SandboxHandle, gateway_settings: CloudSettings
) -> None:
    gateway = EcsGateway(
        gateway_settings, credential=access_key(sandbox.access_key_id, "not-the-secret")
    )

    with pytest.raises(AuthenticationFailed) as caught:
        await describe_regions(gateway)

    assert caught.value.code == "SignatureDoesNotMatch"


async def test_secrets_never_in_errors_reprs_or_logs(
    sandbox: SandboxHandle, gateway_settings: CloudSettings
) -> None:
    wrong_secret = "WrongSecret0123456789abcdefXYZ"
    gateway = EcsGateway(
        gateway_settings, credential=access_key(sandbox.access_key_id, wrong_secret)
    )
    sandbox.add_fault({"kind": "reset_connection", "action": "DescribeRegions", "times": 1})

    with capture_logs() as logs, pytest.raises(CloudError) as caught:
        await describe_regions(gateway)

    shown = " ".join(
        [str(caught.value), repr(caught.value), repr(caught.value.data), repr(gateway), str(logs)]
    )
    assert logs
    for secret in (wrong_secret, sandbox.access_key_secret, sandbox.access_key_id):
        assert secret not in shown


async def test_each_call_is_logged_with_action_region_request_id_attempt_and_duration(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    with capture_logs() as logs:
        await describe_regions(gateway)

    (entry,) = [e for e in logs if e["event"] == "ecs.call"]
    assert entry["action"] == "DescribeRegions"
    assert entry["region"] == sandbox.region_id
    assert entry["request_id"] == sandbox.requests()[0]["request_id"]
    assert entry["attempt"] == 1
    assert entry["duration_ms"] >= 0


STS_TOKEN = "CAIS8QF1q6Ft5B2yfSjIr5bMGM/2n7tU0Ky6Qk3QtWQsTu1li/3FlTz2IHhMfXRuB+0Ysvg=="


@pytest.fixture
def nothing_registered() -> Iterator[None]:
    """No credential value registered for redaction before the test, nor left after it."""
    forget_secrets()
    yield
    forget_secrets()


@pytest.mark.usefixtures("nothing_registered")
async def test_every_credential_value_is_registered_for_redaction_before_it_signs(
    sandbox: SandboxHandle, gateway_settings: CloudSettings
) -> None:
    sts = CredentialClient(
        CredentialConfig(
            type="sts",
            access_key_id=sandbox.access_key_id,
            access_key_secret=sandbox.access_key_secret,
            security_token=STS_TOKEN,
        )
    )
    gateway = EcsGateway(gateway_settings, credential=sts)
    values = f"{sandbox.access_key_secret} {STS_TOKEN}"
    assert redact_text(values) == values

    await describe_regions(gateway)

    assert redact_text(values) == f"{REDACTED} {REDACTED}"
    (logged,) = sandbox.requests()
    assert (logged["access_key_id"], logged["security_token"]) == (sandbox.access_key_id, True)


async def test_a_call_without_any_region_is_refused_before_reaching_ecs(
    sandbox: SandboxHandle, gateway_settings: CloudSettings
) -> None:
    settings = gateway_settings.model_copy(update={"region_id": None})
    gateway = sandbox_gateway(sandbox, settings)

    with pytest.raises(CloudError, match="ALIBABA_CLOUD_REGION_ID"):
        await describe_regions(gateway)

    assert sandbox.requests() == []


def test_actions_map_to_the_sdk_method_names() -> None:
    assert sdk_method_name("DescribeVSwitches") == "describe_vswitches_with_options_async"
    assert sdk_method_name("CreateSnapshotGroup") == "create_snapshot_group_with_options_async"
    assert sdk_method_name("DescribeVSwitchAttributes", VPC_API).startswith("describe_vswitch")
    with pytest.raises(ValueError, match="NoSuchAction"):
        sdk_method_name("NoSuchAction")
    with pytest.raises(ValueError, match="VPC SDK has no action 'CreateImage'"):
        sdk_method_name("CreateImage", VPC_API)


async def test_a_vpc_api_request_model_goes_to_the_vpc_api(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    body = await gateway.call(None, "DescribeVpcs", vpc.DescribeVpcsRequest())

    assert isinstance(body, vpc.DescribeVpcsResponseBody)
    (logged,) = sandbox.requests()
    assert (logged["action"], logged["api"]) == ("DescribeVpcs", "vpc")


def create_snapshot(token: str) -> ecs.CreateSnapshotRequest:
    return ecs.CreateSnapshotRequest(disk_id=DB_SYSTEM, client_token=token)


async def test_a_busy_answer_is_asked_again_with_the_same_client_token_until_it_passes(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    sandbox.add_fault(
        {
            "kind": "error",
            "action": "CreateSnapshot",
            "code": "IdempotentProcessing",
            "http_status": 403,
            "times": 2,
        }
    )

    body = await gateway.call(None, "CreateSnapshot", create_snapshot("op-1-snapshot"))

    creates = [r for r in sandbox.requests() if r["action"] == "CreateSnapshot"]
    assert [r["code"] for r in creates] == ["IdempotentProcessing", "IdempotentProcessing", ""]
    assert {r["parameters"]["ClientToken"] for r in creates} == {"op-1-snapshot"}
    snapshots = sandbox.state()["regions"]["cn-hangzhou"]["snapshots"]
    assert [sid for sid, s in snapshots.items() if s["source_disk_id"] == DB_SYSTEM] == [
        body.snapshot_id
    ]


async def test_a_resource_busy_past_the_budget_is_reported_busy_after_that_much_cloud_time(
    gateway: EcsGateway, sandbox: SandboxHandle, virtual_time: VirtualTime
) -> None:
    sandbox.add_fault(
        {"kind": "error", "action": "CreateSnapshot", "code": "OperationConflict", "times": 999}
    )
    budget = gateway.settings.busy_retry_timeout_s

    with pytest.raises(Busy) as caught:
        await gateway.call(None, "CreateSnapshot", create_snapshot("op-2-snapshot"))

    assert caught.value.code == "OperationConflict"
    waited = sum(virtual_time.sleeps)
    assert budget <= waited < budget + gateway.settings.busy_wait_max_s * 2
    assert len(sandbox.requests()) > 3


@pytest.mark.parametrize(
    "code", ["IdempotentParameterMismatch", "IncorrectDiskStatus.NeverAttached"]
)
async def test_a_code_that_never_succeeds_is_not_asked_again(
    gateway: EcsGateway, sandbox: SandboxHandle, code: str
) -> None:
    sandbox.add_fault(
        {"kind": "error", "action": "CreateSnapshot", "code": code, "http_status": 403}
    )

    with pytest.raises(InvalidParameter):
        await gateway.call(None, "CreateSnapshot", create_snapshot("op-3-snapshot"))

    assert len(sandbox.requests()) == 1


async def test_an_unknown_disk_id_is_not_found_and_not_retried(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    with pytest.raises(NotFound) as caught:
        await gateway.call(
            None, "CreateSnapshot", ecs.CreateSnapshotRequest(disk_id="d-bp1nosuchdisk000001")
        )

    assert caught.value.code == "InvalidDiskId.NotFound"
    assert caught.value.http_status == 404
    assert len(sandbox.requests()) == 1


async def test_a_mutating_call_without_client_token_is_not_repeated_after_a_broken_answer(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    sandbox.add_fault({"kind": "reset_connection", "action": "CreateVSwitch", "times": 1})
    request = ecs.CreateVSwitchRequest(
        vpc_id=PROD_VPC, zone_id="cn-hangzhou-j", cidr_block="172.16.251.0/24"
    )

    with pytest.raises(Transient):
        await gateway.call(None, "CreateVSwitch", request)

    assert len(sandbox.requests()) == 1


async def test_a_mutating_call_with_client_token_is_repeated_after_a_broken_answer(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    sandbox.add_fault({"kind": "reset_connection", "action": "CreateVSwitch", "times": 1})
    request = ecs.CreateVSwitchRequest(
        vpc_id=PROD_VPC,
        zone_id="cn-hangzhou-j",
        cidr_block="172.16.252.0/24",
        client_token="op-1-create-vswitch",
    )

    body = await gateway.call(None, "CreateVSwitch", request)

    assert body.v_switch_id.startswith("vsw-")
    assert [r["code"] for r in sandbox.requests()] == ["ConnectionReset", ""]

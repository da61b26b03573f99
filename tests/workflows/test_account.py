"""The account the server acts in, asked of the sandbox's STS through the gateway: once per
process; a failure answers the account unknown and why, and STS is asked again after a while."""

from __future__ import annotations

from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.sandbox.responses.sts import DEMO_ACCOUNT_ID
from ecs_dr.workflows.account import RETRY_AFTER_FAILURE_S, AccountLookup
from tests.support.sandboxes import SandboxHandle


def sts_calls(sandbox: SandboxHandle) -> int:
    return len(sandbox.calls("GetCallerIdentity"))


async def test_the_identity_is_asked_of_sts_once_per_process(
    sandbox: SandboxHandle, gateway: EcsGateway
) -> None:
    lookup = AccountLookup(gateway, profile="default")
    first = await lookup.account()
    second = await lookup.account()
    assert first == second
    assert first.account_id == DEMO_ACCOUNT_ID
    assert first.unknown_because is None
    assert first.credential is not None and first.credential.kind == "access_key"
    # An injected access key is no ~/.aliyun/config.json profile's.
    assert first.credential.profile is None
    assert sts_calls(sandbox) == 1


async def test_a_failed_sts_call_leaves_the_account_unknown_then_is_asked_again_later(
    sandbox: SandboxHandle, gateway: EcsGateway
) -> None:
    now = [0.0]
    lookup = AccountLookup(gateway, clock=lambda: now[0])
    sandbox.add_fault({"kind": "error", "action": "GetCallerIdentity", "code": "Forbidden.RAM"})
    failed = await lookup.account()
    assert failed.account_id is None
    assert failed.unknown_because is not None and "Forbidden.RAM" in failed.unknown_because
    sandbox.clear_faults()
    now[0] = RETRY_AFTER_FAILURE_S / 2
    assert (await lookup.account()).account_id is None
    assert sts_calls(sandbox) == 1
    now[0] = RETRY_AFTER_FAILURE_S
    assert (await lookup.account()).account_id == DEMO_ACCOUNT_ID
    assert sts_calls(sandbox) == 2

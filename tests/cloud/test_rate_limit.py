"""One request rate and one in-flight limit for the whole gateway, against the sandbox's own
throttling (a 1-second window, refused requests included) and its requests log."""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
import pytest
from alibabacloud_ecs20140526 import models as ecs
from pydantic import ValidationError

from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.rate_limit import CallLimits
from ecs_dr.cloud.settings import CloudSettings
from tests.support.sandboxes import SandboxHandle, sandbox_gateway

CALLS = 40


def limited(sandbox: SandboxHandle, settings: CloudSettings, **limits: Any) -> EcsGateway:
    return sandbox_gateway(sandbox, settings.model_copy(update=limits))


async def describe_regions_concurrently(gateway: EcsGateway, calls: int) -> list[Any]:
    with anyio.fail_after(15):
        return await asyncio.gather(
            *(
                gateway.call(None, "DescribeRegions", ecs.DescribeRegionsRequest())
                for _ in range(calls)
            )
        )


def most_in_flight(records: list[dict[str, Any]]) -> int:
    """The most requests the sandbox was serving at one moment (`time` is when it answered)."""
    edges = sorted(
        edge
        for r in records
        for edge in ((r["time"] - r["duration_ms"] / 1000, 1), (r["time"], -1))
    )
    most = running = 0
    for _, step in edges:
        running += step
        most = max(most, running)
    return most


async def test_under_the_clouds_limit_forty_concurrent_calls_meet_no_throttling(
    sandbox: SandboxHandle, gateway_settings: CloudSettings
) -> None:
    sandbox.add_fault({"kind": "throttle", "qps": 30})
    gateway = limited(sandbox, gateway_settings, max_qps=24)

    bodies = await describe_regions_concurrently(gateway, CALLS)

    logged = sandbox.requests()
    assert len(bodies) == CALLS
    assert [r["code"] for r in logged] == [""] * CALLS


async def test_above_the_clouds_limit_throttling_is_absorbed_by_the_backoff(
    sandbox: SandboxHandle, gateway_settings: CloudSettings
) -> None:
    sandbox.add_fault({"kind": "throttle", "qps": 10})
    # The sandbox counts refused requests too, so only a wait past its 1-second window helps.
    gateway = limited(
        sandbox,
        gateway_settings,
        max_qps=20,
        retry_attempts=12,
        throttle_wait_initial_s=1.0,
        throttle_wait_max_s=1.0,
    )

    bodies = await describe_regions_concurrently(gateway, 12)

    codes = [r["code"] for r in sandbox.requests()]
    assert len(bodies) == 12
    assert "Throttling.User" in codes
    assert codes.count("") == 12


async def test_no_more_requests_are_in_flight_than_the_concurrency_limit(
    sandbox: SandboxHandle, gateway_settings: CloudSettings
) -> None:
    sandbox.add_fault({"kind": "latency", "action": "DescribeRegions", "seconds": 0.15})
    gateway = limited(sandbox, gateway_settings, max_concurrent_calls=3)

    await describe_regions_concurrently(gateway, 9)

    logged = sandbox.requests()
    assert len(logged) == 9
    assert most_in_flight(logged) == 3


def test_the_limits_are_read_from_the_environment() -> None:
    settings = CloudSettings.from_env(
        {"HOME": "/nonexistent", "ECS_DR_MAX_QPS": "2.5", "ECS_DR_MAX_CONCURRENT_CALLS": "4"}
    )

    assert (settings.max_qps, settings.max_concurrent_calls) == (2.5, 4)
    assert "max_qps=2.5, max_concurrent=4" in repr(EcsGateway(settings))


def test_the_environment_defaults_leave_room_under_ecs() -> None:
    settings = CloudSettings.from_env({"HOME": "/nonexistent"})

    assert (settings.max_qps, settings.max_concurrent_calls) == (10, 8)


def test_settings_built_in_code_set_no_limit() -> None:
    """The embedded sandbox runs faster than ECS; an ECS-sized limit would only slow it."""
    assert (CloudSettings().max_qps, CloudSettings().max_concurrent_calls) == (None, None)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ECS_DR_MAX_QPS", "0"),
        ("ECS_DR_MAX_QPS", "-1"),
        ("ECS_DR_MAX_QPS", "fast"),
        ("ECS_DR_MAX_QPS", "inf"),
        ("ECS_DR_MAX_CONCURRENT_CALLS", "0"),
        ("ECS_DR_MAX_CONCURRENT_CALLS", "2.5"),
        ("ECS_DR_RETRY_ATTEMPTS", "many"),
    ],
)
def test_a_bad_tuning_value_is_refused_naming_its_variable(variable: str, value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CloudSettings.from_env({"HOME": "/nonexistent", variable: value})

    (error,) = caught.value.errors()
    assert variable in error["msg"]


def test_the_limits_serve_a_second_event_loop() -> None:
    """A process may run more than one loop (tests, embedding): each gets working limits."""
    limits = CallLimits(max_qps=1000, max_concurrent=1)
    unlimited = CallLimits(max_qps=None, max_concurrent=None)

    async def use() -> None:
        async def one() -> None:
            async with limits.slot(), unlimited.slot():
                await asyncio.sleep(0)

        await asyncio.gather(one(), one())

    asyncio.run(use())
    asyncio.run(use())

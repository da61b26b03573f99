"""Fixtures for the cloud gateway: real SDK, real HTTP, the sandbox as the only ECS."""

from __future__ import annotations

import pytest

from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.settings import CloudSettings
from tests.support.sandboxes import SandboxHandle, VirtualTime, sandbox_gateway


@pytest.fixture
def gateway_settings(sandbox: SandboxHandle) -> CloudSettings:
    """The sandbox's endpoint over loopback http, with retry waits of about a millisecond."""
    return CloudSettings(
        endpoint=sandbox.endpoint,
        protocol="http",
        region_id=sandbox.region_id,
        connect_timeout_s=5,
        read_timeout_s=10,
        retry_attempts=4,
        retry_timeout_s=10,
        retry_wait_initial_s=0.001,
        retry_wait_max_s=0.002,
        retry_wait_jitter_s=0,
        throttle_wait_initial_s=0.001,
        throttle_wait_max_s=0.002,
    )


@pytest.fixture
def gateway(
    sandbox: SandboxHandle, gateway_settings: CloudSettings, virtual_time: VirtualTime
) -> EcsGateway:
    """A busy answer is asked again on the sandbox's virtual clock, as waits are."""
    return sandbox_gateway(sandbox, gateway_settings, virtual_time.timing())


@pytest.fixture
def virtual_time(sandbox: SandboxHandle) -> VirtualTime:
    return VirtualTime(sandbox.clock)

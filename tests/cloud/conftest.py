"""Fixtures for the cloud gateway: real SDK, real HTTP, the sandbox as the only ECS."""

from __future__ import annotations

import pytest
from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_credentials.models import Config as CredentialConfig

from ecs_dr.cloud.ecs import REAL_TIME, Timing
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.settings import CloudSettings
from ecs_dr.sandbox.clock import VirtualClock
from tests.conftest import SandboxHandle


def access_key(key_id: str, secret: str) -> CredentialClient:
    """An access-key credential, as sandbox mode builds it."""
    return CredentialClient(
        CredentialConfig(type="access_key", access_key_id=key_id, access_key_secret=secret)
    )


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


def sandbox_gateway(
    sandbox: SandboxHandle, settings: CloudSettings, timing: Timing = REAL_TIME
) -> EcsGateway:
    """A gateway signing with the sandbox's key pair; busy answers are asked again on
    `timing`'s clock."""
    return EcsGateway(
        settings,
        credential=access_key(sandbox.access_key_id, sandbox.access_key_secret),
        sleep=timing.sleep,
        clock=timing.clock,
    )


@pytest.fixture
def gateway(
    sandbox: SandboxHandle, gateway_settings: CloudSettings, virtual_time: VirtualTime
) -> EcsGateway:
    """A busy answer is asked again on the sandbox's virtual clock, as waits are."""
    return sandbox_gateway(sandbox, gateway_settings, virtual_time.timing())


class VirtualTime:
    """Waiter time that moves the sandbox's virtual clock instead of sleeping."""

    def __init__(self, clock: VirtualClock) -> None:
        self._clock = clock
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self._clock.now()

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self._clock.advance(seconds)

    def timing(self, timeout_s: float | None = None) -> Timing:
        """Waits on this virtual time, ending at `timeout_s` instead of the spec's timeout."""
        return Timing(sleep=self.sleep, clock=self.now, timeout_s=timeout_s)


@pytest.fixture
def virtual_time(sandbox: SandboxHandle) -> VirtualTime:
    return VirtualTime(sandbox.clock)

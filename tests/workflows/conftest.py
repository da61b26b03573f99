"""Scenario A workflows against the sandbox: the real SDK through the gateway, a real journal,
and waits that move the sandbox's virtual clock instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ecs_dr.cloud.ecs import Timing
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.settings import CloudSettings
from ecs_dr.workflows.journal import Journal
from tests.support.sandboxes import SandboxHandle, VirtualTime, sandbox_gateway
from tests.support.workflows import ProgressLog, Steps


@pytest.fixture
def gateway(sandbox: SandboxHandle, timing: Timing) -> EcsGateway:
    """Signed for the sandbox, with retry waits of about a millisecond; a busy answer is asked
    again on the virtual clock."""
    settings = CloudSettings(
        endpoint=sandbox.endpoint,
        protocol="http",
        region_id=sandbox.region_id,
        retry_wait_initial_s=0.001,
        retry_wait_max_s=0.002,
        retry_wait_jitter_s=0,
        throttle_wait_initial_s=0.001,
        throttle_wait_max_s=0.002,
    )
    return sandbox_gateway(sandbox, settings, timing)


@pytest.fixture
def timing(sandbox: SandboxHandle) -> Timing:
    """Waits advance the sandbox's virtual clock; timestamps are read from it."""
    clock = VirtualTime(sandbox.clock)
    return Timing(
        sleep=clock.sleep,
        clock=clock.now,
        now=lambda: datetime.fromtimestamp(clock.now(), UTC),
    )


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "state" / "journal.sqlite3")


@pytest.fixture
def steps(journal: Journal) -> Steps:
    return Steps(journal)


@pytest.fixture
def progress() -> ProgressLog:
    return ProgressLog()

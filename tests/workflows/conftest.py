"""Scenario A workflows against the sandbox: the real SDK through the gateway, a real journal,
and waits that move the sandbox's virtual clock instead of sleeping."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from ecs_dr.cloud.ecs import Timing
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.settings import CloudSettings
from ecs_dr.domain.plans import Cancelled, NeedsDecision, Plan, Prepared, Ready
from ecs_dr.workflows.journal import Journal, StepRecorder
from tests.cloud.conftest import VirtualTime, sandbox_gateway
from tests.conftest import SandboxHandle

REGION = "cn-hangzhou"
SHANGHAI = "cn-shanghai"
PROD_VPC = "vpc-bp1prod0000000000001"
PROD_SG = "sg-bp1prod000000000001"
DB = "i-bp1proddb0000000001"
WEB = "i-bp1prodweb000000001"
LEGACY = "i-bp1legacy000000001"
ENTRY = "i-bp1entry0000000001"
TARGET = "i-bp1drtarget00000001"
STOPPED = "i-bp1stopped00000001"
SH_API = "i-uf6api000000000001"
# Every wait of a whole recovery runs on virtual time; this bounds the real time it may take.
FLOW_LIMIT_S = 30

P = TypeVar("P", bound=Plan)


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


class Steps:
    """Starts journaled operations, as Operations.run does for a tool call."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def start(self, kind: str, arguments: Mapping[str, Any] | None = None) -> StepRecorder:
        operation_id = self.journal.create_operation(kind, REGION, dict(arguments or {}))
        return StepRecorder(self.journal, operation_id)


@pytest.fixture
def steps(journal: Journal) -> Steps:
    return Steps(journal)


class ProgressLog:
    """Every progress report, as the MCP client would receive them."""

    def __init__(self) -> None:
        self.reports: list[tuple[float, float | None, str]] = []

    async def __call__(self, progress: float, total: float | None, message: str) -> None:
        self.reports.append((progress, total, message))

    @property
    def values(self) -> list[float]:
        return [r[0] for r in self.reports]


@pytest.fixture
def progress() -> ProgressLog:
    return ProgressLog()


def ready_plan(prepared: Prepared[P]) -> Ready[P]:
    """The Ready answer; fails the test with what came instead."""
    assert isinstance(prepared, Ready), f"expected a plan, got {prepared!r}"
    return prepared


def needs(prepared: Prepared[P]) -> NeedsDecision:
    assert isinstance(prepared, NeedsDecision), f"expected open decisions, got {prepared!r}"
    return prepared


def was_cancelled(prepared: Prepared[P]) -> Cancelled:
    assert isinstance(prepared, Cancelled), f"expected a cancellation, got {prepared!r}"
    return prepared


def confirmation(
    prepared: Prepared[P], decisions: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The decisions plus `proceed` for the confirmation of this exact plan."""
    return {**(decisions or {}), ready_plan(prepared).confirm.decision_id: "proceed"}


def mutations(sandbox: SandboxHandle) -> list[dict[str, Any]]:
    """Every successful request that was not a read."""
    return [
        r
        for r in sandbox.requests()
        if not r["action"].startswith(("Describe", "List")) and r["status"] == 200
    ]


def region_state(sandbox: SandboxHandle, region: str = REGION) -> dict[str, Any]:
    state: dict[str, Any] = sandbox.state()["regions"][region]
    return state


def tags_of(state: Mapping[str, Any], resource_type: str, resource_id: str) -> dict[str, str]:
    for entry in state["tags"]:
        if (entry["resource_type"], entry["resource_id"]) == (resource_type, resource_id):
            return dict(entry["tags"])
    return {}

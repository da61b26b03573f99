"""Workflows on the sandbox as a tool runs them: journaled operations (`Steps`), the progress
the client would see (`ProgressLog`), and what the cloud shows afterwards."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ecs_dr.workflows.journal import Journal, StepRecorder
from tests.support.demo_world import REGION
from tests.support.sandboxes import SandboxHandle

# Every wait of a whole recovery runs on virtual time; this bounds the real time it may take.
FLOW_LIMIT_S = 30


class Steps:
    """Starts journaled operations, as Operations.run does for a tool call."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def start(self, kind: str, arguments: Mapping[str, Any] | None = None) -> StepRecorder:
        operation_id = self.journal.create_operation(kind, REGION, dict(arguments or {}))
        return StepRecorder(self.journal, operation_id)


class OneOperation:
    """Every step in one operation, as a plan's execution records them."""

    def __init__(self, journal: Journal, arguments: Mapping[str, Any]) -> None:
        self.journal = journal
        self.operation_id = journal.create_operation("execute_recovery", REGION, dict(arguments))
        self.recorder = StepRecorder(journal, self.operation_id)

    def start(self, kind: str, arguments: Mapping[str, Any] | None = None) -> StepRecorder:
        return self.recorder


def world(sandbox: SandboxHandle) -> dict[str, set[str]]:
    state = region_state(sandbox)
    return {
        kind: set(state[kind])
        for kind in ("instances", "disks", "images", "snapshots", "snapshot_groups", "vswitches")
    }


class ProgressLog:
    """Every progress report, as the MCP client would receive them."""

    def __init__(self) -> None:
        self.reports: list[tuple[float, float | None, str]] = []

    async def __call__(self, progress: float, total: float | None, message: str) -> None:
        self.reports.append((progress, total, message))

    @property
    def values(self) -> list[float]:
        return [r[0] for r in self.reports]


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


class Clock:
    """The journals' time; the test moves it."""

    def __init__(self) -> None:
        self.at = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)

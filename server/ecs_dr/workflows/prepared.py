"""What every execute shares: the date default names carry, the operation's tags, running
calls together, and one progress scale over an execution's waits (the journaled create step
is `ecs_dr.workflows.journal.create_step`).

Every mutation has two phases: `prepare_*` reads the cloud and answers with one of
`ecs_dr.domain.plans.Prepared` (nothing is created before `Ready.confirmed`), then `execute_*`
creates and waits with what is here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import TypeVar

from ecs_dr.cloud.waiters import ProgressCallback
from ecs_dr.domain.plans import TAG_OPERATION, TAG_SOURCE
from ecs_dr.domain.statuses import InstanceStatus, VSwitchStatus
from ecs_dr.workflows.journal import StepRecorder
from ecs_dr.workflows.operations import ProgressFn

T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")


def today() -> date:
    """The UTC date default names carry."""
    return datetime.now(UTC).date()


def operation_tags(step: StepRecorder, source_instance_id: str | None) -> dict[str, str]:
    """The tags on every resource an operation creates, so cleanup can find them."""
    tags = {**step.tags, TAG_OPERATION: step.operation_id}
    if source_instance_id:
        tags[TAG_SOURCE] = source_instance_id
    return tags


async def together(calls: Sequence[Awaitable[T]]) -> list[T]:
    """Run the calls concurrently; raise the first failure only after all have ended (the
    journal keeps what the others created)."""
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return [o for o in outcomes if not isinstance(o, BaseException)]


async def both(first: Awaitable[A], second: Awaitable[B]) -> tuple[A, B]:
    """Two independent reads at once (one round trip instead of two); the first's failure
    wins, raised once both have ended."""
    a, b = await asyncio.gather(first, second, return_exceptions=True)
    if isinstance(a, BaseException):
        raise a
    if isinstance(b, BaseException):
        raise b
    return a, b


# Statuses that carry no percentage, placed on the 0-100 scale of their wait (an instance
# is Pending, Starting, then Running; a VSwitch Pending, then Available).
_STATUS_PERCENT: dict[str, int] = {
    InstanceStatus.PENDING: 20,
    InstanceStatus.STARTING: 60,
    InstanceStatus.RUNNING: 100,
    VSwitchStatus.AVAILABLE: 100,
}


class Progress:
    """One 0-100 scale over the waits of an execution, for MCP progress; never goes back."""

    def __init__(self, report: ProgressFn) -> None:
        self._report = report
        self._last = 0.0

    async def __call__(self, value: float, message: str) -> None:
        self._last = max(self._last, min(value, 100.0))
        await self._report(self._last, 100.0, message)

    def phase(
        self,
        start: float,
        end: float,
        label: str,
        statuses: Mapping[str, int] | None = None,
    ) -> ProgressCallback:
        """A waiter callback mapping its wait onto [start, end] of the scale; `statuses` places
        statuses without a percentage when the default places them wrong for this wait."""
        placed = _STATUS_PERCENT if statuses is None else statuses

        async def observe(status: str, percent: int | None, elapsed_s: float) -> None:
            known = percent if percent is not None else placed.get(status, 0)
            shown = f" {percent}%" if percent is not None else ""
            await self(
                start + (end - start) * known / 100,
                f"{label}: {status}{shown} after {elapsed_s:.0f} s",
            )

        return observe

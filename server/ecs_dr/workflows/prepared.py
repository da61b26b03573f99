"""What every execute shares: the date default names carry, the operation's tags, the
journaled create step, and one progress scale over an execution's waits.

Every mutation has two phases: `prepare_*` reads the cloud and answers with one of
`ecs_dr.domain.plans.Prepared` (nothing is created before `Ready.confirmed`), then `execute_*`
creates and waits with what is here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from ecs_dr.cloud.waiters import ProgressCallback
from ecs_dr.domain.plans import TAG_OPERATION, TAG_SOURCE
from ecs_dr.domain.statuses import InstanceStatus, VSwitchStatus
from ecs_dr.workflows.operations import ProgressFn, StepRecorder, attempt_step

T = TypeVar("T")


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


Create = Callable[[str], Awaitable[str]]
"""A create call given the step's ClientToken; returns the id ECS answered with."""
FailureStatus = Callable[[str], Awaitable[str | None]]
"""The terminal failure status a created resource is in (it will never become ready), or None."""
Reattempt = Callable[[int], tuple[Mapping[str, Any], Create]]
"""Attempt n's parameters and create call, when they differ from the first attempt's."""


async def create_step(
    step: StepRecorder,
    name: str,
    action: str,
    parameters: Mapping[str, Any],
    create: Create,
    *,
    failure: FailureStatus | None = None,
    reattempt: Reattempt | None = None,
) -> str:
    """One journaled create: record the step, call `create` with the step's ClientToken (so a
    resumed step never creates twice), record the id ECS returned; returns that id.

    A step the journal already holds a resource id for (a resumed operation) is not sent
    again: its id is returned as it stands, unless `failure` says that resource ended in a
    terminal failure status (an image CreateFailed, a snapshot failed). Then the failed
    resource stays in the journal, marked with its status (cleanup_recovery deletes it), and
    the step is made again as its next attempt, under a step name and ClientToken of its own;
    `reattempt` gives that attempt's parameters when they must differ (a failed image keeps
    its name taken)."""
    key, number = step.latest_attempt(name)
    done = step.recorded(key)
    if done is not None and failure is not None:
        status = await failure(done)
        if status is not None:
            step.failed(key, status)
            number += 1
            key, done = attempt_step(name, number), None
    if done is not None:
        return done
    if number > 1 and reattempt is not None:
        parameters, create = reattempt(number)
    token = step.intent(key, action, parameters)
    resource_id = await create(token)
    step.created(key, resource_id)
    return resource_id


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

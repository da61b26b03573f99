"""The two phases of every mutation: prepare (read, ask, plan) then execute (create, wait).

`prepare_*` reads the cloud and answers with one of three things: the decisions still open
(`NeedsDecision`), the user's cancellation (`Cancelled`), or the exact plan and the
confirmation covering its parameters (`Ready`). Nothing is created before `Ready.confirmed`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Generic, Protocol, TypeVar

from ecs_dr.cloud.waiters import ProgressCallback
from ecs_dr.domain.decisions import CANCEL, PROCEED, ChoicePrompt, chosen, confirm_prompt
from ecs_dr.domain.statuses import InstanceStatus, VSwitchStatus
from ecs_dr.workflows.journal import StepRecorder
from ecs_dr.workflows.operations import ProgressFn

TAG_OPERATION = "ecs-dr:operation-id"
TAG_SOURCE = "ecs-dr:source-instance"
TAG_DRILL = "ecs-dr:drill"


class Plan(Protocol):
    """What a confirmation shows: the ECS action and the exact parameters it will send."""

    @property
    def action(self) -> str: ...

    def parameters(self) -> dict[str, Any]: ...


P = TypeVar("P", bound=Plan)


@dataclass(frozen=True)
class NeedsDecision:
    """Decisions the user still has to make; `context` says what was found."""

    prompts: list[ChoicePrompt]
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Cancelled:
    """The user answered `cancel` to `decision_id`; nothing was or will be created."""

    decision_id: str
    message: str


@dataclass(frozen=True)
class Ready(Generic[P]):
    """The plan, and the confirmation covering exactly its parameters."""

    plan: P
    confirm: ChoicePrompt
    confirmed: bool = False


Prepared = NeedsDecision | Cancelled | Ready[P]

Decisions = Mapping[str, str]


def cancelled(decision_id: str) -> Cancelled:
    """The user answered `cancel` to `decision_id`."""
    return Cancelled(
        decision_id=decision_id, message=f"Cancelled at {decision_id!r}; nothing was created."
    )


def ready(plan: P, decisions: Decisions | None) -> Ready[P] | Cancelled:
    """The plan with its confirmation; `confirmed` once the caller answered proceed.

    Raises InvalidDecision when the answer is not proceed or cancel.
    """
    prompt = confirm_prompt(plan.action, plan.parameters())
    answer = chosen(prompt, decisions or {})
    if answer == CANCEL:
        return cancelled(prompt.decision_id)
    return Ready(plan=plan, confirm=prompt, confirmed=answer == PROCEED)


def today() -> date:
    """The UTC date default names carry."""
    return datetime.now(UTC).date()


def operation_tags(step: StepRecorder, source_instance_id: str | None) -> dict[str, str]:
    """The tags on every resource an operation creates, so cleanup can find them."""
    tags = {**step.tags, TAG_OPERATION: step.operation_id}
    if source_instance_id:
        tags[TAG_SOURCE] = source_instance_id
    return tags


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

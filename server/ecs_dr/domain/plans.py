"""What every plan shares: the three answers of a prepare (decisions open, cancelled, ready),
the steps a plan lists, its one confirmation, and the refusal of a plan the world has moved
away from.

A plan is made without a single mutating call and executed once, after one confirmation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from pydantic import Field

from ecs_dr.domain.cloud_text import cloud_text_field
from ecs_dr.domain.decisions import (
    CANCEL,
    CONFIRM_HEADER,
    CONFIRMATION_PREFIX,
    PROCEED,
    ChoicePrompt,
    chosen,
    confirm_prompt,
    make_prompt,
    proceed_or_cancel,
)
from ecs_dr.domain.models import ESSD_FAMILY, Disk, Frozen, Snapshot
from ecs_dr.domain.refusal import Refusal

TAG_OPERATION = "ecs-dr:operation-id"
TAG_SOURCE = "ecs-dr:source-instance"
TAG_DRILL = "ecs-dr:drill"


def drill_tags(drill: bool) -> dict[str, str]:
    """The tag saying whether an operation's resources are a DR drill's (cleanup removes them)."""
    return {TAG_DRILL: "true" if drill else "false"}


def planned_tags(source_instance_id: str, drill: bool | None = None) -> dict[str, str]:
    """The tags a plan shows its resources will carry (the operation's id is not known yet);
    with `drill`, the drill tag too."""
    tags = {TAG_OPERATION: "(the operation's id)", TAG_SOURCE: source_instance_id}
    return tags if drill is None else {**tags, **drill_tags(drill)}


# The plan confirmation's id inside the server; a caller never answers under it (the tools
# bind it to the prompt shown: tools/decisions.py).
CONFIRM_PLAN = f"{CONFIRMATION_PREFIX}plan"

# What ECS users observe (cloud seconds): an ESSD snapshot uploads to zone-redundant storage
# at a few GiB a second, other categories slower.
SNAPSHOT_BASE_S = 30.0
ESSD_UPLOAD_S_PER_GIB = 0.6
OTHER_UPLOAD_S_PER_GIB = 1.5


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


def asked(prompt: ChoicePrompt, answers: Decisions) -> str | ChoicePrompt | Cancelled:
    """The user's answer to `prompt`; the prompt itself while it is unanswered; Cancelled when
    the answer is cancel."""
    answer = chosen(prompt, answers)
    if answer == CANCEL:
        return cancelled(prompt.decision_id)
    return prompt if answer is None else answer


def ready(plan: P, decisions: Decisions | None) -> Ready[P] | Cancelled:
    """The plan with its confirmation; `confirmed` once the caller answered proceed.

    Raises InvalidDecision when the answer is not proceed or cancel.
    """
    prompt = confirm_prompt(plan.action, plan.parameters())
    answer = chosen(prompt, decisions or {})
    if answer == CANCEL:
        return cancelled(prompt.decision_id)
    return Ready(plan=plan, confirm=prompt, confirmed=answer == PROCEED)


class PlanStep(Frozen):
    """One call the execution makes, with every parameter it sends (besides the ClientToken
    and the tags, listed once on the plan)."""

    step: str
    action: str
    parameters: dict[str, Any] = cloud_text_field(
        "the call's parameters; names among them derive from the cloud's"
    )
    runs: str

    @classmethod
    def of(cls, step: str, plan: Plan, runs: str) -> PlanStep:
        """The step that sends `plan`'s action with its parameters."""
        return cls(step=step, action=plan.action, parameters=plan.parameters(), runs=runs)


class ReplacedResource(Frozen):
    """A resource that ended in a terminal failure status and was made again."""

    step: str
    resource_id: str
    status: str = Field(description="the terminal status ECS reported, e.g. CreateFailed")
    replaced_by: str = Field(description="the step of the attempt that made it again")


def plan_confirmation(
    plan_id: str, question: str, proceed: str, steps: Sequence[PlanStep]
) -> ChoicePrompt:
    """The one go-ahead for a whole plan: `question` says what it does, `proceed` what
    proceeding creates, and the context shows every step's parameters."""
    return make_prompt(
        CONFIRM_PLAN,
        question,
        proceed_or_cancel(proceed),
        {
            "plan_id": plan_id,
            "parameters": {s.step: {s.action: s.parameters} for s in steps},
        },
        header=CONFIRM_HEADER,
    )


def estimated_minutes(estimated_duration_s: float) -> int:
    """A plan's duration as its confirmation says it: whole minutes, at least one."""
    return max(round(estimated_duration_s / 60), 1)


def snapshot_upload_s(disk: Disk) -> float:
    """Seconds until a snapshot of the disk is zone-redundant (accomplished)."""
    per_gib = ESSD_UPLOAD_S_PER_GIB if disk.category in ESSD_FAMILY else OTHER_UPLOAD_S_PER_GIB
    return SNAPSHOT_BASE_S + per_gib * disk.size_gib


def pending_snapshot(disk: Disk) -> Snapshot:
    """The snapshot a plan will take of a disk, before it exists: the new disk's rules
    (size floor, category, PL) apply to it as to a real one."""
    return Snapshot(
        snapshot_id=f"(snapshot of {disk.disk_id})",
        source_disk_id=disk.disk_id,
        source_disk_kind=disk.kind,
        source_disk_size_gib=disk.size_gib,
        source_disk_category=disk.category,
        status="progressing",
        progress=0,
        available=False,
    )


class PlanStale(Refusal):
    """What a plan was derived from changed: its parameters no longer follow the rules for
    what is there now. Only a new plan cures it; resuming an operation never does."""


def refuse_stale_plan(
    subject: str,
    changes: Sequence[str],
    *,
    plan_id: str | None = None,
    operation_id: str | None = None,
    held_back: str = "",
) -> None:
    """The rules bind the source as it is when the change is made: raises PlanStale naming
    every change, before the first create (`plan_id`: nothing was created) or during an
    operation (`operation_id`: `held_back` is not sent, what exists is left for cleanup).
    """
    if not changes:
        return
    listed = "; ".join(changes)
    if operation_id is None:
        raise PlanStale(
            f"{subject} changed since {plan_id} was made ({listed}); it is not executed and "
            "nothing was created. Plan again (plan_recovery) for what is there now."
        )
    raise PlanStale(
        f"{subject} changed since the plan of operation {operation_id} was made ({listed}): "
        f"{held_back}, and the operation stops. Plan again (plan_recovery) for what is there "
        "now; resuming this operation stops here again. What it created so far is in its "
        f"journal (get_operation): cleanup_recovery(operation_id={operation_id!r}) deletes it."
    )

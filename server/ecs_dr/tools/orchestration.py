"""The orchestration tools: `plan_recovery` (reads only, stores the plan) and
`execute_recovery` (one confirmation, then the plan as one journaled operation).

Scenario B ("disks") only for now; the full-instance scenario comes with fleets and resume.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field

from ecs_dr.domain.decisions import CANCEL, ChoicePrompt, chosen
from ecs_dr.domain.disks import LayoutRow
from ecs_dr.domain.recovery import (
    DiskRecoveryPlan,
    PlanStep,
    Preflight,
    RecoveryRow,
    confirm_plan_prompt,
)
from ecs_dr.tools.common import Ctx, RegionArg, progress_of, services, tool_errors
from ecs_dr.tools.decisions import DecisionFlow, DecisionsArg, Settled, open_prompts
from ecs_dr.tools.operations import outcome_result
from ecs_dr.tools.recovery import CreateResult
from ecs_dr.workflows import disk_recovery
from ecs_dr.workflows.disk_recovery import DiskRecoveryResult
from ecs_dr.workflows.journal import PlanAlreadyExecuted, already_executed
from ecs_dr.workflows.operations import ProgressFn, StepRecorder
from ecs_dr.workflows.prepared import Cancelled, NeedsDecision

PLAN_ARGUMENTS = (
    "scenario",
    "source_instance_id",
    "target_instance_id",
    "disk_ids",
    "region_id",
    "decisions",
)

# --- plan_recovery ---------------------------------------------------------------------------


async def _plan(
    ctx: Ctx, arguments: Mapping[str, Any], answers: Mapping[str, str]
) -> DiskRecoveryPlan | NeedsDecision | Cancelled:
    return await disk_recovery.plan_disk_recovery(
        services(ctx).gateway,
        arguments["source_instance_id"],
        arguments["target_instance_id"],
        arguments["disk_ids"],
        arguments["region_id"],
        answers,
    )


async def _plan_questions(
    ctx: Ctx, arguments: Mapping[str, Any], answers: Mapping[str, str]
) -> list[ChoicePrompt]:
    with tool_errors("plan_recovery"):
        planned = await _plan(ctx, arguments, answers)
        if isinstance(planned, NeedsDecision):
            return open_prompts(planned.prompts, answers)
        return []


PLAN_FLOW = DecisionFlow("plan_recovery", PLAN_ARGUMENTS, _plan_questions)


class RecoveryPlanned(CreateResult):
    plan_id: str | None = Field(default=None, description="pass it to execute_recovery")
    steps: list[PlanStep] = Field(
        default_factory=list, description="every call with every parameter it will send"
    )
    findings: list[str] = Field(default_factory=list, description="what the preflight found")
    preflight: Preflight | None = None
    estimated_duration_s: float | None = Field(
        default=None, description="about how long execute_recovery takes, in seconds"
    )
    plan: DiskRecoveryPlan | None = None


async def plan_recovery(
    scenario: Annotated[
        Literal["disks"],
        Field(
            description=(
                "disks: copy disks of the source onto an existing target instance (Scenario "
                "B). The full-instance scenario is not planned by this tool yet."
            )
        ),
    ],
    source_instance_id: Annotated[str, Field(description="the instance whose disks are copied")],
    target_instance_id: Annotated[
        str, Field(description="the existing instance that receives the copies, e.g. i-bp1...")
    ],
    ctx: Ctx,
    settled: Annotated[Settled, PLAN_FLOW.resolve],
    disk_ids: Annotated[
        list[str] | None,
        Field(
            description=(
                "disks of the source to copy; default: its data disk, or a choice when it has "
                "several. The system disk only when named here (and confirmed)."
            )
        ),
    ] = None,
    region_id: RegionArg = None,
    decisions: DecisionsArg = None,
) -> RecoveryPlanned:
    """Plan a disk-level recovery without changing anything: every step with every parameter
    (a snapshot of each disk, a disk in the target's zone keeping category, size and PL, the
    attach), preflight findings (target zone's categories, target state, disk limit), the
    decisions still open as choice prompts, and an estimated duration. Returns a plan_id for
    execute_recovery."""
    if settled.stopped is not None:
        return RecoveryPlanned(
            status="cancelled", next_step=f"The user chose to {settled.stopped} the form."
        )
    arguments = {
        "scenario": scenario,
        "source_instance_id": source_instance_id,
        "target_instance_id": target_instance_id,
        "disk_ids": disk_ids,
        "region_id": region_id,
    }
    with tool_errors("plan_recovery"):
        planned = await _plan(ctx, arguments, settled.answers)
        if isinstance(planned, Cancelled):
            return RecoveryPlanned(status="cancelled", next_step=planned.message)
        if isinstance(planned, NeedsDecision):
            context = planned.context
            return RecoveryPlanned(
                status="needs_decision",
                decisions=open_prompts(planned.prompts, settled.answers),
                found=context,
                findings=list(context.get("findings", [])),
                next_step=(
                    "Show each prompt to the user and let them choose; then call plan_recovery "
                    "again with the same arguments plus decisions={decision_id: value} (keep "
                    "the answers given earlier). Nothing has been created."
                ),
            )
        plan_id = services(ctx).journal.save_plan(
            planned.scenario,
            planned.region_id,
            planned.model_dump(mode="json"),
            planned.fingerprint.digest,
        )
    return RecoveryPlanned(
        status="completed",
        plan_id=plan_id,
        steps=planned.steps(),
        findings=planned.findings,
        preflight=planned.preflight,
        estimated_duration_s=planned.estimated_duration_s,
        plan=planned,
        next_step=(
            f"Show the steps to the user, then execute_recovery(plan_id={plan_id!r}); it asks "
            "once to confirm the whole plan. Nothing has been created."
        ),
    )


# --- execute_recovery ------------------------------------------------------------------------


async def _stored(ctx: Ctx, plan_id: str) -> DiskRecoveryPlan:
    """The stored plan, still executable and still matching the cloud.

    Raises UnknownPlan, PlanAlreadyExecuted, and ValueError for a plan the world moved away
    from.
    """
    s = services(ctx)
    record = s.journal.get_plan(plan_id)
    if record.status != "planned":
        raise PlanAlreadyExecuted(already_executed(plan_id, record.operation_id))
    plan = DiskRecoveryPlan.model_validate(record.plan)
    await disk_recovery.check_current(s.gateway, plan_id, plan)
    return plan


async def _execute_questions(
    ctx: Ctx, arguments: Mapping[str, Any], answers: Mapping[str, str]
) -> list[ChoicePrompt]:
    with tool_errors("execute_recovery"):
        plan_id = arguments["plan_id"]
        prompt = confirm_plan_prompt(plan_id, await _stored(ctx, plan_id))
        return open_prompts([prompt], answers)


EXECUTE_FLOW = DecisionFlow("execute_recovery", ("plan_id", "decisions"), _execute_questions)


class RecoveryExecuted(CreateResult):
    plan_id: str
    rows: list[RecoveryRow] = Field(
        default_factory=list, description="source disk -> snapshot -> new disk -> target device"
    )
    markdown: str = Field(default="", description="the rows as a markdown table")
    layout: list[LayoutRow] = Field(
        default_factory=list, description="every disk of the target after the change"
    )
    layout_markdown: str = Field(default="", description="the target's disk layout as a table")
    reminder: str = Field(default="", description="what is left to do inside the OS")
    result: DiskRecoveryResult | None = None


async def execute_recovery(
    plan_id: Annotated[str, Field(description="the plan_recovery result's plan_id, plan-...")],
    ctx: Ctx,
    settled: Annotated[Settled, EXECUTE_FLOW.resolve],
    decisions: DecisionsArg = None,
) -> RecoveryExecuted:
    """Execute a plan from plan_recovery, once, after the user confirms it (every step's
    parameters are shown): snapshots of every disk together, waited until zone-redundant;
    the new disks together in the target's zone; attached one by one until In_use. A plan
    whose source or target changed since planning is refused. Returns the summary, the
    target's whole disk layout and the mount reminder (no OS commands)."""
    if settled.stopped is not None:
        return RecoveryExecuted(
            status="cancelled",
            plan_id=plan_id,
            next_step=f"The user chose to {settled.stopped} the form; nothing was created.",
        )
    s = services(ctx)
    with tool_errors("execute_recovery"):
        plan = await _stored(ctx, plan_id)
        prompt = confirm_plan_prompt(plan_id, plan)
        answer = chosen(prompt, settled.answers)
        if answer == CANCEL:
            return RecoveryExecuted(
                status="cancelled",
                plan_id=plan_id,
                next_step=f"Cancelled; nothing was created. {plan_id} can still be executed.",
            )
        if answer is None:
            return RecoveryExecuted(
                status="needs_decision",
                plan_id=plan_id,
                decisions=[prompt],
                next_step=(
                    "Show the plan's steps to the user; if they agree, call execute_recovery "
                    f"(plan_id={plan_id!r}, decisions={{'confirm_plan': 'proceed'}}). Nothing "
                    "has been created."
                ),
            )
        s.journal.claim_plan(plan_id)

        async def work(step: StepRecorder, progress: ProgressFn) -> DiskRecoveryResult:
            return await disk_recovery.execute_disk_recovery(
                s.gateway, plan, step, progress, timing=s.timing
            )

        outcome = await s.operations.run(
            "execute_recovery",
            plan.region_id,
            {"plan_id": plan_id, "decisions": settled.answers},
            work,
            progress_of(ctx),
            on_start=lambda operation_id: s.journal.plan_operation(plan_id, operation_id),
        )
    result = (
        DiskRecoveryResult.model_validate(outcome.result) if outcome.result is not None else None
    )
    fields = outcome_result(outcome)
    if result is not None:
        fields["next_step"] = (
            "Show the summary, the layout and the reminder to the user; do not suggest OS commands."
        )
    return RecoveryExecuted(
        **fields,
        plan_id=plan_id,
        rows=result.rows if result else [],
        markdown=result.markdown if result else "",
        layout=result.layout if result else [],
        layout_markdown=result.layout_markdown if result else "",
        reminder=result.reminder if result else "",
        result=result,
    )

"""The orchestration tools: `plan_recovery` (reads only, stores the plan) and
`execute_recovery` (one confirmation, then the plan as one journaled operation), and
`resume_recovery` for an interrupted one.

Scenario A ("full_instance": one source instance, or a list of them, a fleet) and Scenario B
("disks"); every plan lives in the journal's plans table, told apart by its scenario
("full_instance", "fleet" or "disks"). Each tool looks the scenario up once in
`workflows/scenarios.py` and runs what it binds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field

from ecs_dr.domain.arguments import MAX_INSTANCE_DISKS
from ecs_dr.domain.decisions import CANCEL, ChoicePrompt
from ecs_dr.domain.fleet_recovery import (
    MAX_FLEET_SOURCES,
)
from ecs_dr.domain.plans import Cancelled, NeedsDecision
from ecs_dr.domain.refusal import Refusal
from ecs_dr.tools.account import account_named
from ecs_dr.tools.common import (
    Ctx,
    DiskId,
    InstanceName,
    InstanceRef,
    OperationId,
    PlanId,
    RecoveryPointRef,
    RegionArg,
    ZoneId,
    progress_of,
    services,
    tool_errors,
)
from ecs_dr.tools.decisions import (
    DecisionFlow,
    DecisionsArg,
    Settled,
    confirm_next_step,
    confirmation,
    open_prompts,
)
from ecs_dr.tools.mutation import MutatingTool
from ecs_dr.tools.outcomes import client_cancel_of, outcome_result
from ecs_dr.tools.recovery_results import RecoveryExecuted, RecoveryPlanned
from ecs_dr.tools.results import once
from ecs_dr.tools.steps import STEP_TOOLS
from ecs_dr.workflows.journal import PlanAlreadyExecuted, off_loop
from ecs_dr.workflows.journaled_runs import execute_plan
from ecs_dr.workflows.operations import Outcome
from ecs_dr.workflows.point_recovery import PointReads
from ecs_dr.workflows.scenarios import (
    Scenario,
    checked_operation_body,
    operation_body,
    scenario_for,
    stored_plan,
)

# --- plan_recovery ---------------------------------------------------------------------------

PLAN_ARGUMENTS = (
    "scenario",
    "source_instance_id",
    "target_instance_id",
    "target_zone_id",
    "disk_ids",
    "instance_name",
    "drill",
    "recovery_point",
    "region_id",
    "decisions",
)


async def _plan_questions(
    ctx: Ctx, arguments: Mapping[str, Any], answers: Mapping[str, str]
) -> list[ChoicePrompt]:
    with tool_errors("plan_recovery"):
        s = services(ctx)
        planned = await scenario_for(arguments).plan(s.gateway, arguments, answers, _points(ctx))
        if isinstance(planned, NeedsDecision):
            return open_prompts(planned.prompts, answers)
        return []


PLAN_FLOW = DecisionFlow("plan_recovery", PLAN_ARGUMENTS, _plan_questions)


def _points(ctx: Ctx) -> PointReads:
    s = services(ctx)
    return PointReads(s.journal, s.timing.now)


async def plan_recovery(
    scenario: Annotated[
        Literal["full_instance", "disks"],
        Field(
            description=(
                "full_instance: a DR instance in target_zone_id; disks: copies onto "
                "target_instance_id"
            )
        ),
    ],
    source_instance_id: Annotated[
        InstanceRef
        | Annotated[list[InstanceRef], Field(min_length=1, max_length=MAX_FLEET_SOURCES)],
        Field(
            description=(
                f"id or exact name; full_instance: up to {MAX_FLEET_SOURCES} of one region "
                "(a fleet)"
            )
        ),
    ],
    ctx: Ctx,
    settled: Annotated[Settled, PLAN_FLOW.resolve],
    target_instance_id: Annotated[
        InstanceRef | None,
        Field(description="disks: the instance receiving the copies (id or exact name)"),
    ] = None,
    target_zone_id: Annotated[
        ZoneId | None,
        Field(description="full_instance: the DR instance's zone"),
    ] = None,
    disk_ids: Annotated[
        list[DiskId] | None,
        Field(
            min_length=1,
            max_length=MAX_INSTANCE_DISKS,
            description=(
                "disks: default the data disk, or a choice; the system disk only if named"
            ),
        ),
    ] = None,
    instance_name: Annotated[
        InstanceName | None,
        Field(description="full_instance: the DR instance's name; default recovery-<source>"),
    ] = None,
    drill: Annotated[
        bool,
        Field(
            strict=True,
            description="full_instance: a drill, its resources tagged for cleanup_recovery",
        ),
    ] = False,
    recovery_point: Annotated[
        RecoveryPointRef | None,
        Field(description="full_instance: 'latest' or a point id; snapshots nothing"),
    ] = None,
    region_id: RegionArg = None,
    decisions: DecisionsArg = None,
) -> RecoveryPlanned:
    """Plan a recovery, changing nothing: every step with its parameters, findings, open
    choices, duration and a plan_id for execute_recovery. Recovers a whole instance or a fleet
    (full_instance, from a recovery point too), or disks onto another instance (disks)."""
    if settled.stopped is not None:
        return RecoveryPlanned(
            status="cancelled", next_step=f"The user chose to {settled.stopped} the form."
        )
    arguments = {name: value for name, value in locals().items() if name in PLAN_ARGUMENTS}
    s = services(ctx)
    with tool_errors("plan_recovery"):
        chosen = scenario_for(arguments)
        planned = await chosen.plan(s.gateway, arguments, settled.answers, _points(ctx))
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
        settled.refuse_unasked()
        plan_id = await off_loop(
            s.journal.save_plan,
            planned.scenario,
            planned.region_id,
            planned.model_dump(mode="json"),
            chosen.digest(planned),
        )
    preflight = chosen.preflight(planned)
    return RecoveryPlanned(
        status="completed",
        plan_id=plan_id,
        steps=planned.steps(),
        findings=planned.findings,
        preflight=None if preflight is None else preflight.model_dump(mode="json"),
        estimated_duration_s=planned.estimated_duration_s,
        plan=planned.model_dump(mode="json"),
        next_step=(
            f"Show the steps to the user, then execute_recovery(plan_id={plan_id!r}); it asks "
            "the user once to confirm the whole plan (a form, or a prompt to put to them). "
            "Nothing has been created."
        ),
    )


# --- execute_recovery ------------------------------------------------------------------------


async def _stored(ctx: Ctx, plan_id: str) -> tuple[Scenario[Any, Any], Any]:
    """The stored plan and its scenario, still executable.

    Raises UnknownPlan, PlanAlreadyExecuted, Refusal for a plan this version cannot read.
    Asking for the confirmation reads nothing of the cloud: execute_recovery checks the plan
    against it once the user has answered, right before the operation starts.
    """
    s = services(ctx)
    record = await off_loop(s.journal.get_plan, plan_id)
    if record.status != "planned":
        raise PlanAlreadyExecuted(plan_id, record.operation_id)
    return stored_plan(plan_id, record.scenario, record.plan)


async def _confirm_prompt(
    ctx: Ctx, scenario: Scenario[Any, Any], plan_id: str, plan: Any
) -> ChoicePrompt:
    """The plan's one confirmation, naming the account and region it acts in."""
    return await account_named(ctx, scenario.confirm_prompt(plan_id, plan), plan.region_id)


async def _execute_questions(
    ctx: Ctx, arguments: Mapping[str, Any], answers: Mapping[str, str]
) -> list[ChoicePrompt]:
    with tool_errors("execute_recovery"):
        plan_id = arguments["plan_id"]
        scenario, plan = await _stored(ctx, plan_id)
        return open_prompts([await _confirm_prompt(ctx, scenario, plan_id, plan)], answers)


EXECUTE_FLOW = DecisionFlow("execute_recovery", ("plan_id", "decisions"), _execute_questions)


async def execute_recovery(
    plan_id: Annotated[PlanId, Field(description="from plan_recovery")],
    ctx: Ctx,
    settled: Annotated[Settled, EXECUTE_FLOW.resolve],
    decisions: DecisionsArg = None,
) -> RecoveryExecuted:
    """Run a plan from plan_recovery once, as one operation, after the user confirms it; refused
    if the source or target changed since. Ends with the comparison, or for disks the layout and
    mount reminder."""
    if settled.stopped is not None:
        return RecoveryExecuted(
            status="cancelled",
            plan_id=plan_id,
            next_step=f"The user chose to {settled.stopped} the form; nothing was created.",
        )
    s = services(ctx)
    with tool_errors("execute_recovery"):
        scenario, plan = await _stored(ctx, plan_id)
        prompt = await _confirm_prompt(ctx, scenario, plan_id, plan)
        confirmed = confirmation(ctx, prompt, settled)
        if confirmed.answer == CANCEL:
            return RecoveryExecuted(
                status="cancelled",
                plan_id=plan_id,
                next_step=f"Cancelled; nothing was created. {plan_id} can still be executed.",
            )
        if confirmed.answer is None:
            return RecoveryExecuted(
                status="needs_decision",
                plan_id=plan_id,
                decisions=[confirmed.prompt],
                error=confirmed.refused,
                next_step=confirm_next_step(
                    "execute_recovery", "Show the plan's steps too. Nothing has been created."
                ),
            )
        await scenario.check_current(s.gateway, plan_id, plan)
        outcome = await execute_plan(
            s.operations,
            "execute_recovery",
            plan_id,
            plan.region_id,
            {"plan_id": plan_id, "decisions": {prompt.decision_id: confirmed.answer}},
            checked_operation_body(scenario.execute, s.gateway, plan, s.timing),
            progress_of(ctx),
            client_cancel=client_cancel_of(ctx),
        )
    return _executed(outcome, plan_id, scenario)


def _executed(outcome: Outcome, plan_id: str, scenario: Scenario[Any, Any]) -> RecoveryExecuted:
    """execute_recovery's (and resume_recovery's) result for where the operation stands."""
    fields = outcome_result(outcome)
    if outcome.result is None:
        return RecoveryExecuted(**fields, plan_id=plan_id)
    result = scenario.result_type.model_validate(outcome.result)
    return RecoveryExecuted(
        **(fields | scenario.answer(result)),
        plan_id=plan_id,
        result=once(result.model_dump(mode="json")),
    )


# --- resume_recovery -------------------------------------------------------------------------


async def _resumable_plan(ctx: Ctx, operation_id: str) -> tuple[str, Scenario[Any, Any], Any]:
    """The plan an interrupted execute_recovery operation runs, its id and its scenario.

    Raises UnknownOperation, and Refusal for an operation that is neither an
    execute_recovery run nor a creating step tool's, or has no stored plan.
    """
    journal = services(ctx).journal
    record = await off_loop(journal.get, operation_id)
    plan_id = record.arguments.get("plan_id")
    if record.kind != "execute_recovery" or not isinstance(plan_id, str):
        raise Refusal(
            f"operation {operation_id} is a {record.kind} operation; resume_recovery continues "
            "execute_recovery operations and those of the creating step tools only. "
            "get_operation shows what this one created."
        )
    stored = await off_loop(journal.get_plan, plan_id)
    return plan_id, *stored_plan(plan_id, stored.scenario, stored.plan)


async def resume_recovery(
    operation_id: Annotated[
        OperationId, Field(description="the interrupted operation (list_operations)")
    ],
    ctx: Ctx,
) -> RecoveryExecuted:
    """Continue an interrupted or failed (cause fixed) operation with its journaled plan and the
    same ClientTokens, so nothing is created twice; never call the step tool again instead.
    Refused while another live server holds it, and once it ended."""
    s = services(ctx)
    with tool_errors("resume_recovery"):
        tool = STEP_TOOLS.get((await off_loop(s.journal.get, operation_id)).kind)
        if tool is not None:
            return await _resume_step(ctx, tool, operation_id)
        plan_id, scenario, plan = await _resumable_plan(ctx, operation_id)
        work = operation_body(scenario.execute, s.gateway, plan, s.timing)
        outcome = await s.operations.resume(
            operation_id, work, progress_of(ctx), client_cancel=client_cancel_of(ctx)
        )
    return _executed(outcome, plan_id, scenario)


async def _resume_step(
    ctx: Ctx, tool: MutatingTool[Any, Any], operation_id: str
) -> RecoveryExecuted:
    """A creating step tool's operation, continued by that tool with its journaled plan."""
    done = await tool.resume(ctx, operation_id)
    step_result = once(done.result.model_dump(mode="json")) if done.result is not None else None
    return RecoveryExecuted(**done.fields(), plan_id=None, step_result=step_result)

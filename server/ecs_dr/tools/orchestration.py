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
from ecs_dr.tools.common import (
    Ctx,
    DiskId,
    InstanceId,
    InstanceName,
    OperationId,
    PlanId,
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
from ecs_dr.tools.operations import outcome_result
from ecs_dr.tools.recovery_results import RecoveryExecuted, RecoveryPlanned
from ecs_dr.tools.results import once
from ecs_dr.tools.steps import STEP_TOOLS
from ecs_dr.workflows.journal import PlanAlreadyExecuted, off_loop
from ecs_dr.workflows.journaled_runs import execute_plan
from ecs_dr.workflows.operations import Outcome
from ecs_dr.workflows.scenarios import (
    Scenario,
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
    "region_id",
    "decisions",
)


async def _plan_questions(
    ctx: Ctx, arguments: Mapping[str, Any], answers: Mapping[str, str]
) -> list[ChoicePrompt]:
    with tool_errors("plan_recovery"):
        planned = await scenario_for(arguments).plan(services(ctx).gateway, arguments, answers)
        if isinstance(planned, NeedsDecision):
            return open_prompts(planned.prompts, answers)
        return []


PLAN_FLOW = DecisionFlow("plan_recovery", PLAN_ARGUMENTS, _plan_questions)


async def plan_recovery(
    scenario: Annotated[
        Literal["full_instance", "disks"],
        Field(
            description=(
                "full_instance: back the whole source up into another zone (snapshots, one "
                "image, a new instance; Scenario A; needs target_zone_id). disks: copy disks "
                "of the source onto an existing target instance (Scenario B; needs "
                "target_instance_id)."
            )
        ),
    ],
    source_instance_id: Annotated[
        InstanceId | Annotated[list[InstanceId], Field(min_length=1, max_length=MAX_FLEET_SOURCES)],
        Field(
            description=(
                "the instance recovered, or whose disks are copied; full_instance also takes "
                f"a list of up to {MAX_FLEET_SOURCES} instance ids of one region (a fleet: "
                "recovered together, one confirmation)"
            )
        ),
    ],
    ctx: Ctx,
    settled: Annotated[Settled, PLAN_FLOW.resolve],
    target_instance_id: Annotated[
        InstanceId | None,
        Field(description="disks: the existing instance that receives the copies, e.g. i-bp1..."),
    ] = None,
    target_zone_id: Annotated[
        ZoneId | None,
        Field(description="full_instance: the zone of the DR instance, e.g. cn-hangzhou-i"),
    ] = None,
    disk_ids: Annotated[
        list[DiskId] | None,
        Field(
            min_length=1,
            max_length=MAX_INSTANCE_DISKS,
            description=(
                "disks of the source to copy; default: its data disk, or a choice when it has "
                "several. The system disk only when named here (and confirmed)."
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
            description=(
                "full_instance: a DR drill; every resource created is tagged ecs-dr:drill=true "
                "so cleanup_recovery can remove it"
            ),
        ),
    ] = False,
    region_id: RegionArg = None,
    decisions: DecisionsArg = None,
) -> RecoveryPlanned:
    """Plan a recovery without changing anything: every step with every parameter, preflight
    findings, the decisions still open as choice prompts, and an estimated duration. Returns a
    plan_id for execute_recovery. full_instance: the snapshot group (or one snapshot, or
    per-disk snapshots with the user's consent), the image mapping every disk by device, the
    VSwitch when the zone has none and the user chose one, RunInstances with every rule
    (bandwidth 0 without a public IP, PL on every ESSD, Device= overrides). disks: a snapshot
    of each disk, a disk in the target's zone keeping category, size and PL, the attach."""
    if settled.stopped is not None:
        return RecoveryPlanned(
            status="cancelled", next_step=f"The user chose to {settled.stopped} the form."
        )
    arguments = {name: value for name, value in locals().items() if name in PLAN_ARGUMENTS}
    s = services(ctx)
    with tool_errors("plan_recovery"):
        chosen = scenario_for(arguments)
        planned = await chosen.plan(s.gateway, arguments, settled.answers)
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
    """The stored plan and its scenario, still executable and still matching the cloud.

    Raises UnknownPlan, PlanAlreadyExecuted, Refusal for a plan this version cannot read, and
    what the scenario's check raises for a plan the world moved away from.
    """
    s = services(ctx)
    record = await off_loop(s.journal.get_plan, plan_id)
    if record.status != "planned":
        raise PlanAlreadyExecuted(plan_id, record.operation_id)
    scenario, plan = stored_plan(plan_id, record.scenario, record.plan)
    await scenario.check_current(s.gateway, plan_id, plan)
    return scenario, plan


async def _execute_questions(
    ctx: Ctx, arguments: Mapping[str, Any], answers: Mapping[str, str]
) -> list[ChoicePrompt]:
    with tool_errors("execute_recovery"):
        plan_id = arguments["plan_id"]
        scenario, plan = await _stored(ctx, plan_id)
        return open_prompts([scenario.confirm_prompt(plan_id, plan)], answers)


EXECUTE_FLOW = DecisionFlow("execute_recovery", ("plan_id", "decisions"), _execute_questions)


async def execute_recovery(
    plan_id: Annotated[PlanId, Field(description="the plan_recovery result's plan_id, plan-...")],
    ctx: Ctx,
    settled: Annotated[Settled, EXECUTE_FLOW.resolve],
    decisions: DecisionsArg = None,
) -> RecoveryExecuted:
    """Execute a plan from plan_recovery, once, after the user confirms it (every step's
    parameters are shown), as one operation; a plan whose source or target changed since
    planning is refused. full_instance: the snapshots until zone-redundant, the image until
    Available, the VSwitch if planned, the DR instance until Running; returns the
    source-vs-DR comparison. disks: snapshots of every disk together, waited until
    zone-redundant; the new disks together in the target's zone; attached one by one until
    In_use; returns the summary, the target's whole disk layout and the mount reminder (no
    OS commands)."""
    if settled.stopped is not None:
        return RecoveryExecuted(
            status="cancelled",
            plan_id=plan_id,
            next_step=f"The user chose to {settled.stopped} the form; nothing was created.",
        )
    s = services(ctx)
    with tool_errors("execute_recovery"):
        scenario, plan = await _stored(ctx, plan_id)
        prompt = scenario.confirm_prompt(plan_id, plan)
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
        outcome = await execute_plan(
            s.operations,
            "execute_recovery",
            plan_id,
            plan.region_id,
            {"plan_id": plan_id, "decisions": {prompt.decision_id: confirmed.answer}},
            operation_body(scenario.execute, s.gateway, plan, s.timing),
            progress_of(ctx),
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
        OperationId, Field(description="the interrupted operation's id, op-... (list_operations)")
    ],
    ctx: Ctx,
) -> RecoveryExecuted:
    """Continue a recovery that did not finish: its server stopped (crash, restart, SIGKILL)
    or a step failed (fix the cause first; a fleet continues the sources that failed). It
    continues execute_recovery operations and the operations of the creating step tools
    (create_snapshot_group, create_snapshot, create_full_image, create_vswitch,
    run_dr_instance, create_disk_from_snapshot, attach_disk): never call such a tool again for
    an interrupted operation, that would create anew. The same plan runs again under the same
    operation, so every create reuses its ClientToken and a step the journal has a resource
    for is not sent again; a disk already attached is not attached again. Nothing is created
    twice. A step tool's operation answers with plan_id None and step_result shaped as that
    tool's `result`. One ecs-dr-mcp process runs an operation at a time: refused while another
    live server holds its lease (named, pid@host, with when the lease expires; a killed
    server's lease expires by itself) and while this server runs it (wait_operation follows
    it). Refused for an unknown operation and a completed, cancelled, cleaning_up or
    cleaned_up one: get_operation shows it; cleanup_recovery deletes what it created, or
    finishes an interrupted cleanup."""
    s = services(ctx)
    with tool_errors("resume_recovery"):
        tool = STEP_TOOLS.get((await off_loop(s.journal.get, operation_id)).kind)
        if tool is not None:
            return await _resume_step(ctx, tool, operation_id)
        plan_id, scenario, plan = await _resumable_plan(ctx, operation_id)
        work = operation_body(scenario.execute, s.gateway, plan, s.timing)
        outcome = await s.operations.resume(operation_id, work, progress_of(ctx))
    return _executed(outcome, plan_id, scenario)


async def _resume_step(
    ctx: Ctx, tool: MutatingTool[Any, Any], operation_id: str
) -> RecoveryExecuted:
    """A creating step tool's operation, continued by that tool with its journaled plan."""
    done = await tool.resume(ctx, operation_id)
    step_result = once(done.result.model_dump(mode="json")) if done.result is not None else None
    return RecoveryExecuted(**done.fields(), plan_id=None, step_result=step_result)

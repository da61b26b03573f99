"""The orchestration tools: `plan_recovery` (reads only, stores the plan) and
`execute_recovery` (one confirmation, then the plan as one journaled operation).

Scenario A ("full_instance": one source instance, or a list of them, a fleet) and Scenario B
("disks"); every plan lives in the journal's plans table, told apart by its scenario
("full_instance", "fleet" or "disks").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationError

from ecs_dr.domain.arguments import MAX_INSTANCE_DISKS
from ecs_dr.domain.cloud_text import cloud_text_field
from ecs_dr.domain.comparison import ComparisonRow
from ecs_dr.domain.decisions import CANCEL, ChoicePrompt
from ecs_dr.domain.disk_recovery import (
    DiskRecoveryPlan,
    DiskRecoveryResult,
    Preflight,
    RecoveryRow,
    confirm_disk_plan_prompt,
)
from ecs_dr.domain.disks import LayoutRow
from ecs_dr.domain.fleet_recovery import (
    MAX_FLEET_SOURCES,
    FleetMemberRow,
    FleetRecoveryPlan,
    FleetRecoveryResult,
    confirm_fleet_plan_prompt,
)
from ecs_dr.domain.instance_recovery import (
    InstancePreflight,
    InstanceRecoveryPlan,
    InstanceRecoveryResult,
    confirm_instance_plan_prompt,
)
from ecs_dr.domain.plans import Cancelled, NeedsDecision, PlanStep
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
from ecs_dr.tools.mutation import MutatingTool, step_tool
from ecs_dr.tools.operations import outcome_result
from ecs_dr.tools.recovery import CreateResult
from ecs_dr.workflows import disk_recovery, fleet_recovery, instance_recovery
from ecs_dr.workflows.journal import (
    PlanAlreadyExecuted,
    StepRecorder,
    off_loop,
)
from ecs_dr.workflows.journaled_runs import execute_plan
from ecs_dr.workflows.operations import Outcome, ProgressFn, Work

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

AnyPlan = DiskRecoveryPlan | InstanceRecoveryPlan | FleetRecoveryPlan

# --- plan_recovery ---------------------------------------------------------------------------


def _required(arguments: Mapping[str, Any], scenario: str, needed: str, stray: str) -> str:
    """The argument `scenario` needs; raises ValueError when it is missing or when the
    other scenario's argument is given (instead or as well: it would be ignored)."""
    if arguments.get(stray) is not None:
        raise ValueError(
            f"scenario={scenario!r} takes {needed}, not {stray}; pass {needed} only, or "
            "choose the other scenario."
        )
    value = arguments.get(needed)
    if not value:
        raise ValueError(f"scenario={scenario!r} needs {needed}.")
    return str(value)


def _sources(arguments: Mapping[str, Any]) -> list[str]:
    """source_instance_id as a list: one id, or a fleet's ids."""
    given = arguments["source_instance_id"]
    return [given] if isinstance(given, str) else list(given)


async def _plan(
    ctx: Ctx, arguments: Mapping[str, Any], answers: Mapping[str, str]
) -> AnyPlan | NeedsDecision | Cancelled:
    gateway = services(ctx).gateway
    sources = _sources(arguments)
    drill = bool(arguments.get("drill"))
    if arguments["scenario"] == "full_instance":
        zone = _required(arguments, "full_instance", "target_zone_id", "target_instance_id")
        if arguments.get("disk_ids") is not None:
            raise ValueError(
                "scenario='full_instance' recovers every disk of the source; disk_ids is for "
                "scenario='disks'."
            )
        if len(sources) != 1:
            if arguments.get("instance_name"):
                raise ValueError(
                    "instance_name names one DR instance; with several sources each DR "
                    "instance is named recovery-<source>. Leave instance_name out."
                )
            return await fleet_recovery.plan_fleet_recovery(
                gateway, sources, zone, arguments["region_id"], answers, drill=drill
            )
        return await instance_recovery.plan_instance_recovery(
            gateway,
            sources[0],
            zone,
            arguments["region_id"],
            arguments.get("instance_name"),
            answers,
            drill=drill,
        )
    target = _required(arguments, "disks", "target_instance_id", "target_zone_id")
    if arguments.get("instance_name") is not None:
        raise ValueError(
            "instance_name names the DR instance of scenario='full_instance'; scenario='disks' "
            "creates no instance. Leave instance_name out."
        )
    if len(sources) != 1:
        raise ValueError(
            "scenario='disks' copies disks of one source instance: give source_instance_id as "
            f"one id, not a list of {len(sources)}; or use scenario='full_instance' for a fleet."
        )
    if drill:
        raise ValueError("drill is for scenario='full_instance'.")
    return await disk_recovery.plan_disk_recovery(
        gateway,
        sources[0],
        target,
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
    findings: list[str] = cloud_text_field("what the preflight found", default_factory=list)
    preflight: Preflight | InstancePreflight | None = None
    estimated_duration_s: float | None = Field(
        default=None, description="about how long execute_recovery takes, in seconds"
    )
    plan: DiskRecoveryPlan | InstanceRecoveryPlan | FleetRecoveryPlan | None = None


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
        InstanceId | Annotated[list[InstanceId], Field(max_length=MAX_FLEET_SOURCES)],
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
    arguments = {
        "scenario": scenario,
        "source_instance_id": source_instance_id,
        "target_instance_id": target_instance_id,
        "target_zone_id": target_zone_id,
        "disk_ids": disk_ids,
        "instance_name": instance_name,
        "drill": drill,
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
        digest = (
            planned.digest if isinstance(planned, FleetRecoveryPlan) else planned.fingerprint.digest
        )
        plan_id = await off_loop(
            services(ctx).journal.save_plan,
            planned.scenario,
            planned.region_id,
            planned.model_dump(mode="json"),
            digest,
        )
    return RecoveryPlanned(
        status="completed",
        plan_id=plan_id,
        steps=planned.steps(),
        findings=planned.findings,
        preflight=None if isinstance(planned, FleetRecoveryPlan) else planned.preflight,
        estimated_duration_s=planned.estimated_duration_s,
        plan=planned,
        next_step=(
            f"Show the steps to the user, then execute_recovery(plan_id={plan_id!r}); it asks "
            "the user once to confirm the whole plan (a form, or a prompt to put to them). "
            "Nothing has been created."
        ),
    )


# --- execute_recovery ------------------------------------------------------------------------


async def _stored(ctx: Ctx, plan_id: str) -> AnyPlan:
    """The stored plan, still executable and still matching the cloud.

    Raises UnknownPlan, PlanAlreadyExecuted, and ValueError for a plan the world moved away
    from.
    """
    s = services(ctx)
    record = await off_loop(s.journal.get_plan, plan_id)
    if record.status != "planned":
        raise PlanAlreadyExecuted(plan_id, record.operation_id)
    stored = _plan_model(plan_id, record.scenario, record.plan)
    if isinstance(stored, InstanceRecoveryPlan):
        await instance_recovery.check_current(s.gateway, plan_id, stored)
        return stored
    if isinstance(stored, FleetRecoveryPlan):
        await fleet_recovery.check_current(s.gateway, plan_id, stored)
        return stored
    plan = stored
    await disk_recovery.check_current(s.gateway, plan_id, plan)
    return plan


def _confirm_prompt(plan_id: str, plan: AnyPlan) -> ChoicePrompt:
    if isinstance(plan, InstanceRecoveryPlan):
        return confirm_instance_plan_prompt(plan_id, plan)
    if isinstance(plan, FleetRecoveryPlan):
        return confirm_fleet_plan_prompt(plan_id, plan)
    return confirm_disk_plan_prompt(plan_id, plan)


async def _execute_questions(
    ctx: Ctx, arguments: Mapping[str, Any], answers: Mapping[str, str]
) -> list[ChoicePrompt]:
    with tool_errors("execute_recovery"):
        plan_id = arguments["plan_id"]
        prompt = _confirm_prompt(plan_id, await _stored(ctx, plan_id))
        return open_prompts([prompt], answers)


EXECUTE_FLOW = DecisionFlow("execute_recovery", ("plan_id", "decisions"), _execute_questions)


class RecoveryExecuted(CreateResult):
    plan_id: str | None = Field(description="the plan executed; None for a step tool's operation")
    rows: list[RecoveryRow] = Field(
        default_factory=list, description="source disk -> snapshot -> new disk -> target device"
    )
    markdown: str = cloud_text_field("the rows as a markdown table", default="")
    layout: list[LayoutRow] = Field(
        default_factory=list, description="every disk of the target after the change"
    )
    layout_markdown: str = cloud_text_field("the target's disk layout as a table", default="")
    reminder: str = Field(default="", description="what is left to do inside the OS")
    dr_instance_id: str | None = Field(
        default=None, description="full_instance: the DR instance, Running"
    )
    comparison: list[ComparisonRow] = Field(
        default_factory=list, description="full_instance: source vs DR instance, row by row"
    )
    fleet: list[FleetMemberRow] = Field(
        default_factory=list,
        description="a fleet: each source's DR instance (its comparison is in result.members)",
    )
    result: InstanceRecoveryResult | FleetRecoveryResult | DiskRecoveryResult | None = None
    step_result: dict[str, Any] | None = cloud_text_field(
        "a resumed step tool's result, shaped as that tool's result", default=None
    )


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
        plan = await _stored(ctx, plan_id)
        prompt = _confirm_prompt(plan_id, plan)
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
            _work(ctx, plan),
            progress_of(ctx),
        )
    return _executed(outcome, plan_id, plan)


def _executed(outcome: Outcome, plan_id: str, plan: AnyPlan) -> RecoveryExecuted:
    """execute_recovery's (and resume_recovery's) result for where the operation stands."""
    fields = outcome_result(outcome)
    if outcome.result is not None and isinstance(plan, FleetRecoveryPlan):
        fleet = FleetRecoveryResult.model_validate(outcome.result)
        fields["next_step"] = "Show the fleet table to the user" + (
            "; this was a drill: cleanup_recovery removes what it created." if fleet.drill else "."
        )
        return RecoveryExecuted(
            **fields, plan_id=plan_id, markdown=fleet.markdown, fleet=fleet.rows, result=fleet
        )
    if outcome.result is not None and isinstance(plan, InstanceRecoveryPlan):
        full = InstanceRecoveryResult.model_validate(outcome.result)
        fields["next_step"] = "Show the comparison table to the user" + (
            "; this was a drill: cleanup_recovery removes what it created." if full.drill else "."
        )
        return RecoveryExecuted(
            **fields,
            plan_id=plan_id,
            markdown=full.markdown,
            dr_instance_id=full.dr_instance_id,
            comparison=full.comparison,
            result=full,
        )
    result = (
        DiskRecoveryResult.model_validate(outcome.result) if outcome.result is not None else None
    )
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


# --- resume_recovery -------------------------------------------------------------------------


def _work(ctx: Ctx, plan: AnyPlan) -> Work:
    """The plan's execution as an operation's body."""
    s = services(ctx)

    async def work(step: StepRecorder, progress: ProgressFn) -> BaseModel:
        if isinstance(plan, InstanceRecoveryPlan):
            return await instance_recovery.execute_instance_recovery(
                s.gateway, plan, step, progress, timing=s.timing
            )
        if isinstance(plan, FleetRecoveryPlan):
            return await fleet_recovery.execute_fleet_recovery(
                s.gateway, plan, step, progress, timing=s.timing
            )
        return await disk_recovery.execute_disk_recovery(
            s.gateway, plan, step, progress, timing=s.timing
        )

    return work


async def _resumable_plan(ctx: Ctx, operation_id: str) -> tuple[str, AnyPlan]:
    """The plan an interrupted execute_recovery operation runs, and its id.

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
    return plan_id, _plan_model(plan_id, stored.scenario, stored.plan)


def _plan_model(plan_id: str, scenario: str, stored: Mapping[str, Any]) -> AnyPlan:
    """The journal's plan as its model. Raises ValueError for a plan an earlier version of the
    server stored without what this one binds it to (the source's facts it re-checks)."""
    models: dict[str, type[AnyPlan]] = {
        "full_instance": InstanceRecoveryPlan,
        "fleet": FleetRecoveryPlan,
    }
    try:
        return models.get(scenario, DiskRecoveryPlan).model_validate(stored)
    except ValidationError:
        raise ValueError(
            f"{plan_id} was stored by an earlier version of this server and lacks what this "
            "one checks before it acts; plan again (plan_recovery). What an operation of it "
            "created is in its journal (get_operation, cleanup_recovery)."
        ) from None


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
        tool = step_tool((await off_loop(s.journal.get, operation_id)).kind)
        if tool is not None:
            return await _resume_step(ctx, tool, operation_id)
        plan_id, plan = await _resumable_plan(ctx, operation_id)
        outcome = await s.operations.resume(operation_id, _work(ctx, plan), progress_of(ctx))
    return _executed(outcome, plan_id, plan)


async def _resume_step(
    ctx: Ctx, tool: MutatingTool[Any, Any], operation_id: str
) -> RecoveryExecuted:
    """A creating step tool's operation, continued by that tool with its journaled plan."""
    done = await tool.resume(ctx, operation_id)
    step_result = done.result.model_dump(mode="json") if done.result is not None else None
    return RecoveryExecuted(**done.fields(), plan_id=None, step_result=step_result)

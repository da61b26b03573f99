"""plan_recovery: reads only, and stores the plan for execute_recovery.

Scenario A ("full_instance": one source instance, or a list of them, a fleet) and Scenario B
("disks"); the arguments choose the scenario (`scenario_for`), which plans, and the plan is
stored in the journal's plans table under its scenario ("full_instance", "fleet" or "disks").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field

from ecs_dr.domain.arguments import MAX_INSTANCE_DISKS
from ecs_dr.domain.cloud_text import cloud_text_field
from ecs_dr.domain.decisions import ChoicePrompt
from ecs_dr.domain.fleet import MAX_FLEET_SOURCES
from ecs_dr.domain.recovery import PlanStep
from ecs_dr.tools.common import (
    Ctx,
    DiskId,
    InstanceId,
    InstanceName,
    RegionArg,
    ZoneId,
    services,
    tool_errors,
)
from ecs_dr.tools.decisions import DecisionFlow, DecisionsArg, Settled, open_prompts
from ecs_dr.tools.results import CreateResult
from ecs_dr.workflows.prepared import Cancelled, NeedsDecision
from ecs_dr.workflows.scenarios import AnyPlan, AnyPreflight, scenario_for

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


class RecoveryPlanned(CreateResult):
    plan_id: str | None = Field(default=None, description="pass it to execute_recovery")
    steps: list[PlanStep] = Field(
        default_factory=list, description="every call with every parameter it will send"
    )
    findings: list[str] = cloud_text_field("what the preflight found", default_factory=list)
    preflight: AnyPreflight | None = None
    estimated_duration_s: float | None = Field(
        default=None, description="about how long execute_recovery takes, in seconds"
    )
    plan: AnyPlan | None = None


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
        plan_id = s.journal.save_plan(
            planned.scenario,
            planned.region_id,
            planned.model_dump(mode="json"),
            chosen.digest(planned),
        )
    return RecoveryPlanned(
        status="completed",
        plan_id=plan_id,
        steps=planned.steps(),
        findings=planned.findings,
        preflight=chosen.preflight(planned),
        estimated_duration_s=planned.estimated_duration_s,
        plan=planned,
        next_step=(
            f"Show the steps to the user, then execute_recovery(plan_id={plan_id!r}); it asks "
            "the user once to confirm the whole plan (a form, or a prompt to put to them). "
            "Nothing has been created."
        ),
    )

"""Read-only tools: what the source is, what the target zone offers, how the DR copy compares."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, WithJsonSchema
from pydantic.json_schema import SkipJsonSchema

from ecs_dr.domain.arguments import MAX_NAME_LENGTH
from ecs_dr.domain.decisions import ChoicePrompt
from ecs_dr.domain.dr_instance import Verification
from ecs_dr.domain.instances import (
    FoundInstances,
    InstanceQuery,
    check_name_pattern,
)
from ecs_dr.domain.models import Instance
from ecs_dr.domain.source import SourceReport
from ecs_dr.domain.target_zone import ZoneCheck
from ecs_dr.tools.common import (
    Ctx,
    EveryRegionArg,
    InstanceRef,
    InstanceRefArg,
    RegionArg,
    ZoneArg,
    ZoneId,
    services,
    tool_errors,
)
from ecs_dr.tools.decisions import DecisionsArg
from ecs_dr.tools.results import AskingResult, Status, ToolResult
from ecs_dr.workflows import scenario_a, source

# The length bound on the string itself, where a strict schema validator wants it (beside
# `type: string`); check_name_pattern refuses a longer one in its own words.
NamePatternArg = Annotated[
    Annotated[str, WithJsonSchema({"type": "string", "maxLength": MAX_NAME_LENGTH})] | None,
    AfterValidator(lambda value: value if value is None else check_name_pattern(value)),
    Field(description="exact, or with * as a wildcard (pay-*, *db*)"),
]
ZoneFilterArg = Annotated[ZoneId | None, Field(description="only this zone")]
StatusArg = Annotated[
    Literal["Pending", "Starting", "Running", "Stopping", "Stopped"] | None,
    Field(description="only this status"),
]


class SourceDescription(SourceReport, ToolResult):
    """The source instance, every disk, and what its recovery will do."""


class InstanceList(FoundInstances, ToolResult):
    """Instances by name, zone or status: one row each, at most 50, and how many were left out."""

    TEXT_OMITS = frozenset({"instances"})

    def text_tables(self) -> list[str]:
        return [self.table]


class TargetZoneCheck(ZoneCheck, AskingResult):
    """What the zone offers the DR copy, and a choice prompt for each gap (in `decisions`: the
    check's own `prompts` are not sent twice)."""

    prompts: SkipJsonSchema[list[ChoicePrompt]] = Field(default_factory=list, exclude=True)


class TargetInstance(ToolResult):
    instance: Instance


class DrVerification(Verification, ToolResult):
    """The source-vs-DR comparison as ECS describes both instances now."""

    TEXT_OMITS = frozenset({"comparison"})

    def text_tables(self) -> list[str]:
        return [self.markdown]


def _plan_call(instance_id: str, zone_id: str) -> str:
    return (
        f"plan_recovery(scenario='full_instance', source_instance_id={instance_id!r}, "
        f"target_zone_id={zone_id!r})"
    )


def _plan_next_step(report: SourceReport) -> str:
    """describe_source's next step: the plan path, whatever the snapshot strategy (the plan
    asks for what the strategy needs, per-disk snapshots' consent among it)."""
    instance = report.instance
    return (
        f"{_plan_call(instance.instance_id, '<a zone other than ' + instance.zone_id + '>')} "
        "plans the whole recovery (check_target_zone shows a zone's offer first, if wanted); "
        "scenario='disks' with target_instance_id copies its disks onto an existing instance."
    )


async def find_instances(
    ctx: Ctx,
    name: NamePatternArg = None,
    zone_id: ZoneFilterArg = None,
    region_id: EveryRegionArg = None,
    status: StatusArg = None,
) -> InstanceList:
    """Find instances by name (exact, or * as a wildcard), zone or status: id, name, zone, type,
    status, disk count and public IP, at most 50 rows. Use it when the user names an instance or
    asks for several. Read-only."""
    query = InstanceQuery(name=name, zone_id=zone_id, status=status)
    with tool_errors("find_instances"):
        found = await source.find_instances(services(ctx).gateway, query, region_id)
    if not found.instances:
        next_step = "No instance matched; try a wider name (*part*) or omit zone_id and status."
    else:
        narrow = (
            f" {found.left_out} more matched; narrow with name, zone_id or status."
            if found.left_out
            else ""
        )
        next_step = (
            "describe_source(instance_id) shows one instance; plan_recovery("
            f"source_instance_id=...) plans its recovery.{narrow}"
        )
    return InstanceList(status="completed", next_step=next_step, **found.model_dump())


async def describe_source(
    instance_id: InstanceRefArg, ctx: Ctx, region_id: RegionArg = None
) -> SourceDescription:
    """Start here: the instance to recover (id or exact name) with every disk, its network,
    type, billing and public IP, the snapshot strategy, the default DR name and warnings.
    Read-only."""
    with tool_errors("describe_source"):
        report = await scenario_a.describe_source(services(ctx).gateway, instance_id, region_id)
    return SourceDescription(
        status="completed", next_step=_plan_next_step(report), **report.model_dump()
    )


async def check_target_zone(
    instance_id: InstanceRefArg,
    target_zone_id: ZoneArg,
    ctx: Ctx,
    region_id: RegionArg = None,
    decisions: DecisionsArg = None,
) -> TargetZoneCheck:
    """Whether a zone can take the DR copy: a VSwitch of the source's VPC, stock of its type,
    every disk's category; each gap is a choice for the user. Read-only."""
    gw = services(ctx).gateway
    with tool_errors("check_target_zone"):
        source_id = await source.instance_by_ref(gw, instance_id, region_id)
        check = await scenario_a.check_target_zone(
            gw, source_id, target_zone_id, region_id, decisions
        )
    status: Status
    if check.cancelled_by is not None:
        status, next_step = "cancelled", f"The user cancelled at {check.cancelled_by}."
    elif check.prompts:
        status = "needs_decision"
        next_step = (
            "Show each prompt to the user; pass their answers as decisions to "
            f"{_plan_call(check.source_instance_id, check.requested_zone_id)} (or to "
            "check_target_zone, to see the zone's offer with them)."
        )
    else:
        status = "completed"
        next_step = (
            f"{check.zone_id} can take the DR copy: "
            f"{_plan_call(check.source_instance_id, check.zone_id)} plans the recovery."
        )
    return TargetZoneCheck(
        status=status, decisions=check.prompts, next_step=next_step, **check.model_dump()
    )


async def describe_target_instance(
    instance_id: InstanceRefArg, ctx: Ctx, region_id: RegionArg = None
) -> TargetInstance:
    """An instance that receives a copy (a DR instance or a disks target): zone, status and
    every attached disk. Read-only."""
    with tool_errors("describe_target_instance"):
        instance = await scenario_a.describe_target_instance(
            services(ctx).gateway, instance_id, region_id
        )
    return TargetInstance(
        status="completed",
        instance=instance,
        next_step=(
            "plan_recovery(scenario='disks', source_instance_id=..., target_instance_id="
            f"{instance.instance_id!r}) copies disks onto it; for a DR instance, "
            "verify_dr_instance(source_instance_id=..., dr_instance_id="
            f"{instance.instance_id!r}) compares it with its source."
        ),
    )


async def verify_dr_instance(
    source_instance_id: Annotated[InstanceRef, Field(description="the recovered instance")],
    dr_instance_id: Annotated[InstanceRef, Field(description="its DR instance")],
    ctx: Ctx,
    region_id: RegionArg = None,
) -> DrVerification:
    """Compare a DR instance with its source as ECS describes both now, row by row: zone, type,
    network, billing, bandwidth, image, every disk. Read-only."""
    gw = services(ctx).gateway
    refs = {"source_instance_id": source_instance_id, "dr_instance_id": dr_instance_id}
    with tool_errors("verify_dr_instance"):
        ids = await source.instances_by_ref(gw, refs, region_id, {})
        verification = await scenario_a.verify_dr_instance(
            gw,
            str(ids["source_instance_id"]),
            str(ids["dr_instance_id"]),
            region_id,
            journal=services(ctx).journal,
        )
    looked_at = "" if verification.all_match else " Rows with match=false need a look."
    return DrVerification(
        status="completed",
        next_step=(
            f"Show the comparison to the user.{looked_at} After a drill, "
            "cleanup_recovery(operation_id=<the recovery's operation>) removes what it created."
        ),
        **verification.model_dump(),
    )

"""Read-only tools: what the source is, what the target zone offers, how the DR copy compares."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from ecs_dr.domain.dr_instance import Verification
from ecs_dr.domain.instances import (
    FoundInstances,
    InstanceQuery,
    check_instance_ref,
    check_name_pattern,
)
from ecs_dr.domain.models import Instance
from ecs_dr.domain.source import SourceReport
from ecs_dr.domain.target_zone import ZoneCheck
from ecs_dr.tools.common import (
    Ctx,
    InstanceId,
    InstanceIdArg,
    RegionArg,
    RegionId,
    ZoneArg,
    ZoneId,
    services,
    tool_errors,
)
from ecs_dr.tools.decisions import DecisionsArg
from ecs_dr.tools.results import Status, ToolResult
from ecs_dr.workflows import scenario_a, source

InstanceRefArg = Annotated[
    str,
    AfterValidator(check_instance_ref),
    Field(
        description="ECS instance id (i-bp1...) or the instance's exact name",
        json_schema_extra={"maxLength": 128},
    ),
]
NamePatternArg = Annotated[
    str | None,
    AfterValidator(lambda value: value if value is None else check_name_pattern(value)),
    Field(
        description=(
            "Instance name as ECS matches it: exact (pay-db-primary), or with * as a wildcard "
            "(pay-*, *db*)"
        ),
        json_schema_extra={"maxLength": 128},
    ),
]
ZoneFilterArg = Annotated[ZoneId | None, Field(description="only instances in this zone")]
RegionFilterArg = Annotated[
    RegionId | None,
    Field(description="Region id such as cn-hangzhou. Optional: every region is searched."),
]
StatusArg = Annotated[
    Literal["Pending", "Starting", "Running", "Stopping", "Stopped"] | None,
    Field(description="only instances in this status"),
]


class SourceDescription(SourceReport, ToolResult):
    """The source instance, every disk, and what its recovery will do."""


class InstanceList(FoundInstances, ToolResult):
    """Instances by name, zone or status: one row each, at most 50, and how many were left out."""

    TEXT_OMITS = frozenset({"instances"})

    def text_tables(self) -> list[str]:
        return [self.table]


class TargetZoneCheck(ZoneCheck, ToolResult):
    """What the zone offers the DR copy, and a choice prompt for each gap."""


class TargetInstance(ToolResult):
    instance: Instance


class DrVerification(Verification, ToolResult):
    """The source-vs-DR comparison as ECS describes both instances now."""

    TEXT_OMITS = frozenset({"comparison"})

    def text_tables(self) -> list[str]:
        return [self.markdown]


async def find_instances(
    ctx: Ctx,
    name: NamePatternArg = None,
    zone_id: ZoneFilterArg = None,
    region_id: RegionFilterArg = None,
    status: StatusArg = None,
) -> InstanceList:
    """List instances by (part of) their name, zone or status: id, name, zone, type, status,
    disk count and public IP, at most 50 rows (left_out counts the rest). Use it to find the
    id of an instance the user names. Creates nothing."""
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
    """Describe the instance to recover (by id, or by its exact name): every disk (id,
    system/data, device, category, size, performance level), VPC, VSwitch, security groups,
    type, billing, bandwidth, whether it has a public IP, the snapshot strategy
    (snapshot_group, single_snapshot, or per_disk_snapshots when a group is impossible), the
    default DR name and warnings. Start every recovery here. Creates nothing."""
    with tool_errors("describe_source"):
        report = await scenario_a.describe_source(services(ctx).gateway, instance_id, region_id)
    strategy = report.snapshot_strategy
    first = (
        "create_snapshot(disk_id=<system disk>)"
        if strategy == "single_snapshot"
        else "create_snapshot_group(instance_id)"
    )
    return SourceDescription(
        status="completed",
        next_step=f"check_target_zone(instance_id, target_zone_id), then {first}.",
        **report.model_dump(),
    )


async def check_target_zone(
    instance_id: InstanceIdArg,
    target_zone_id: ZoneArg,
    ctx: Ctx,
    region_id: RegionArg = None,
    decisions: DecisionsArg = None,
) -> TargetZoneCheck:
    """Check whether a zone can take the DR copy: a VSwitch of the source's VPC there, stock
    of its instance type, every disk's category. Each gap comes back as a choice prompt
    (status needs_decision); the answers go to run_dr_instance as its decisions. Creates
    nothing."""
    with tool_errors("check_target_zone"):
        check = await scenario_a.check_target_zone(
            services(ctx).gateway, instance_id, target_zone_id, region_id, decisions
        )
    status: Status
    if check.cancelled_by is not None:
        status, next_step = "cancelled", f"The user cancelled at {check.cancelled_by}."
    elif check.prompts:
        status = "needs_decision"
        next_step = (
            "Show each prompt to the user; pass their answers as decisions to "
            "check_target_zone (to see the result) or straight to run_dr_instance."
        )
    else:
        status, next_step = "completed", f"{check.zone_id} can take the DR copy."
    return TargetZoneCheck(
        status=status, decisions=check.prompts, next_step=next_step, **check.model_dump()
    )


async def describe_target_instance(
    instance_id: InstanceIdArg, ctx: Ctx, region_id: RegionArg = None
) -> TargetInstance:
    """Describe an instance that receives a copy (a DR instance, or a target of disks): its
    zone, status and every attached disk. Creates nothing."""
    with tool_errors("describe_target_instance"):
        instance = await scenario_a.describe_target_instance(
            services(ctx).gateway, instance_id, region_id
        )
    return TargetInstance(status="completed", instance=instance)


async def verify_dr_instance(
    source_instance_id: Annotated[InstanceId, Field(description="the instance that was recovered")],
    dr_instance_id: Annotated[
        InstanceId, Field(description="the DR instance run_dr_instance made")
    ],
    ctx: Ctx,
    region_id: RegionArg = None,
) -> DrVerification:
    """Compare a DR instance with its source again, as ECS describes both now: ids, names,
    zones, type, VPC, VSwitch, security groups, billing, bandwidth, public IP, image, status
    and every disk's category, size and performance level; rows and a markdown table.
    Creates nothing."""
    with tool_errors("verify_dr_instance"):
        verification = await scenario_a.verify_dr_instance(
            services(ctx).gateway, source_instance_id, dr_instance_id, region_id
        )
    return DrVerification(
        status="completed",
        next_step="" if verification.all_match else "Rows with match=false need a look.",
        **verification.model_dump(),
    )

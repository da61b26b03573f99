"""Scenario A's creating tools: snapshots, the full image, a VSwitch, the DR instance.

Each is the same few lines: the decision flow settles the answers before the body runs, the
workflow prepares the exact plan, and `mutate` asks what is open or runs the confirmed plan as
a journaled operation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, Field

from ecs_dr.tools.common import Ctx, InstanceIdArg, RegionArg, ZoneArg, services
from ecs_dr.tools.decisions import DecisionFlow, DecisionsArg, Settled
from ecs_dr.tools.mutation import Mutation, mutate, questions
from ecs_dr.tools.results import ToolResult
from ecs_dr.workflows import scenario_a
from ecs_dr.workflows.operations import ProgressFn, StepRecorder
from ecs_dr.workflows.prepared import Prepared
from ecs_dr.workflows.scenario_a import (
    DrInstancePlan,
    DrInstanceResult,
    ImagePlan,
    ImageResult,
    SnapshotGroupPlan,
    SnapshotPlan,
    SnapshotResult,
    SnapshotSetResult,
    VSwitchPlan,
    VSwitchResult,
)

NameArg = Annotated[
    str | None, Field(description="Name for the new resource; a default if omitted")
]


class CreateResult(ToolResult):
    found: dict[str, Any] = Field(
        default_factory=dict, description="what the checks found, when decisions are open"
    )


def _done(done: Mutation, model: type[BaseModel]) -> Any:
    return model.model_validate(done.result) if done.result is not None else None


# --- create_snapshot_group -----------------------------------------------------------------


async def _prepare_group(
    ctx: Ctx, a: Mapping[str, Any], answers: Mapping[str, str]
) -> Prepared[SnapshotGroupPlan]:
    return await scenario_a.prepare_snapshot_group(
        services(ctx).gateway, a["instance_id"], a["region_id"], a["name"], answers
    )


async def _execute_group(
    ctx: Ctx, plan: SnapshotGroupPlan, step: StepRecorder, progress: ProgressFn
) -> SnapshotSetResult:
    s = services(ctx)
    return await scenario_a.execute_snapshot_group(s.gateway, plan, step, progress, timing=s.timing)


GROUP_FLOW = DecisionFlow(
    "create_snapshot_group",
    ("instance_id", "region_id", "name", "decisions"),
    questions("create_snapshot_group", _prepare_group),
)


class SnapshotGroupCreated(CreateResult):
    snapshot_group_id: str | None = Field(default=None, description="None for per-disk snapshots")
    snapshot_ids: list[str] = Field(default_factory=list)
    result: SnapshotSetResult | None = None


async def create_snapshot_group(
    instance_id: InstanceIdArg,
    ctx: Ctx,
    settled: Annotated[Settled, GROUP_FLOW.resolve],
    region_id: RegionArg = None,
    name: NameArg = None,
    decisions: DecisionsArg = None,
) -> SnapshotGroupCreated:
    """Snapshot every disk of a multi-disk instance at one point in time (a snapshot-consistent
    group) and wait until every snapshot is zone-redundant (accomplished, 100%): only then is
    the recovery point safe from a zone failure. When a group is impossible (a non-ESSD disk),
    the user may choose per-disk snapshots, which are not crash-consistent. Shows the exact
    parameters for confirmation first. For a system-disk-only instance use create_snapshot."""
    done = await mutate(
        ctx,
        tool="create_snapshot_group",
        arguments={"instance_id": instance_id, "region_id": region_id, "name": name},
        settled=settled,
        prepare=_prepare_group,
        execute=_execute_group,
    )
    result: SnapshotSetResult | None = _done(done, SnapshotSetResult)
    fields = done.fields()
    if result is not None:
        ids = [s.snapshot_id for s in result.snapshots]
        source = (
            f"snapshot_group_id={result.snapshot_group_id!r}"
            if result.snapshot_group_id
            else f"snapshot_ids={ids!r}"
        )
        fields["next_step"] = f"create_full_image(instance_id={instance_id!r}, {source})"
    return SnapshotGroupCreated(
        **fields,
        snapshot_group_id=result.snapshot_group_id if result else None,
        snapshot_ids=[s.snapshot_id for s in result.snapshots] if result else [],
        result=result,
    )


# --- create_snapshot -----------------------------------------------------------------------


async def _prepare_snapshot(
    ctx: Ctx, a: Mapping[str, Any], answers: Mapping[str, str]
) -> Prepared[SnapshotPlan]:
    return await scenario_a.prepare_snapshot(
        services(ctx).gateway, a["disk_id"], a["region_id"], a["name"], answers
    )


async def _execute_snapshot(
    ctx: Ctx, plan: SnapshotPlan, step: StepRecorder, progress: ProgressFn
) -> SnapshotResult:
    s = services(ctx)
    return await scenario_a.execute_snapshot(s.gateway, plan, step, progress, timing=s.timing)


SNAPSHOT_FLOW = DecisionFlow(
    "create_snapshot",
    ("disk_id", "region_id", "name", "decisions"),
    questions("create_snapshot", _prepare_snapshot),
)


class SnapshotCreated(CreateResult):
    snapshot_id: str | None = None
    result: SnapshotResult | None = None


async def create_snapshot(
    disk_id: Annotated[str, Field(description="ECS disk id, e.g. d-bp1...")],
    ctx: Ctx,
    settled: Annotated[Settled, SNAPSHOT_FLOW.resolve],
    region_id: RegionArg = None,
    name: NameArg = None,
    decisions: DecisionsArg = None,
) -> SnapshotCreated:
    """Snapshot one disk (the system disk of a single-disk instance) and wait until it is
    zone-redundant (accomplished, 100%). Shows the exact parameters for confirmation first."""
    done = await mutate(
        ctx,
        tool="create_snapshot",
        arguments={"disk_id": disk_id, "region_id": region_id, "name": name},
        settled=settled,
        prepare=_prepare_snapshot,
        execute=_execute_snapshot,
    )
    result: SnapshotResult | None = _done(done, SnapshotResult)
    fields = done.fields()
    if result is not None and result.instance_id:
        fields["next_step"] = (
            f"create_full_image(instance_id={result.instance_id!r}, "
            f"snapshot_id={result.snapshot_id!r})"
        )
    return SnapshotCreated(
        **fields, snapshot_id=result.snapshot_id if result else None, result=result
    )


# --- create_full_image ---------------------------------------------------------------------


async def _prepare_image(
    ctx: Ctx, a: Mapping[str, Any], answers: Mapping[str, str]
) -> Prepared[ImagePlan]:
    return await scenario_a.prepare_full_image(
        services(ctx).gateway,
        a["instance_id"],
        a["region_id"],
        snapshot_group_id=a["snapshot_group_id"],
        snapshot_id=a["snapshot_id"],
        snapshot_ids=a["snapshot_ids"] or (),
        image_name=a["image_name"],
        decisions=answers,
    )


async def _execute_image(
    ctx: Ctx, plan: ImagePlan, step: StepRecorder, progress: ProgressFn
) -> ImageResult:
    s = services(ctx)
    return await scenario_a.execute_full_image(s.gateway, plan, step, progress, timing=s.timing)


IMAGE_FLOW = DecisionFlow(
    "create_full_image",
    (
        "instance_id",
        "region_id",
        "snapshot_group_id",
        "snapshot_id",
        "snapshot_ids",
        "image_name",
        "decisions",
    ),
    questions("create_full_image", _prepare_image),
)


class ImageCreated(CreateResult):
    image_id: str | None = None
    result: ImageResult | None = None


async def create_full_image(
    instance_id: InstanceIdArg,
    ctx: Ctx,
    settled: Annotated[Settled, IMAGE_FLOW.resolve],
    snapshot_group_id: Annotated[
        str | None, Field(description="the group create_snapshot_group made (multi-disk)")
    ] = None,
    snapshot_id: Annotated[
        str | None, Field(description="the system disk's snapshot (single-disk source)")
    ] = None,
    snapshot_ids: Annotated[
        list[str] | None,
        Field(description="per-disk snapshots, one per disk (when a group was impossible)"),
    ] = None,
    region_id: RegionArg = None,
    image_name: Annotated[
        str | None, Field(description="default Create_from_<instance id>_<YYYYMMDD>")
    ] = None,
    decisions: DecisionsArg = None,
) -> ImageCreated:
    """Build one custom image holding every disk of the source, each mapped by device, from
    its snapshots (give exactly one of snapshot_group_id, snapshot_id, snapshot_ids), and
    wait until it is Available. Shows the exact parameters for confirmation first."""
    done = await mutate(
        ctx,
        tool="create_full_image",
        arguments={
            "instance_id": instance_id,
            "region_id": region_id,
            "snapshot_group_id": snapshot_group_id,
            "snapshot_id": snapshot_id,
            "snapshot_ids": snapshot_ids,
            "image_name": image_name,
        },
        settled=settled,
        prepare=_prepare_image,
        execute=_execute_image,
    )
    result: ImageResult | None = _done(done, ImageResult)
    fields = done.fields()
    if result is not None:
        fields["next_step"] = (
            f"run_dr_instance(instance_id={instance_id!r}, image_id={result.image_id!r}, "
            "target_zone_id=<the zone checked with check_target_zone>)"
        )
    return ImageCreated(**fields, image_id=result.image_id if result else None, result=result)


# --- create_vswitch ------------------------------------------------------------------------


async def _prepare_vswitch(
    ctx: Ctx, a: Mapping[str, Any], answers: Mapping[str, str]
) -> Prepared[VSwitchPlan]:
    return await scenario_a.prepare_vswitch(
        services(ctx).gateway,
        a["vpc_id"],
        a["zone_id"],
        a["region_id"],
        a["cidr_block"],
        a["name"],
        answers,
    )


async def _execute_vswitch(
    ctx: Ctx, plan: VSwitchPlan, step: StepRecorder, progress: ProgressFn
) -> VSwitchResult:
    s = services(ctx)
    return await scenario_a.execute_vswitch(s.gateway, plan, step, progress, timing=s.timing)


VSWITCH_FLOW = DecisionFlow(
    "create_vswitch",
    ("vpc_id", "zone_id", "region_id", "cidr_block", "name", "decisions"),
    questions("create_vswitch", _prepare_vswitch),
)


class VSwitchCreated(CreateResult):
    vswitch_id: str | None = None
    result: VSwitchResult | None = None


async def create_vswitch(
    vpc_id: Annotated[str, Field(description="the source's VPC id (describe_source shows it)")],
    zone_id: ZoneArg,
    ctx: Ctx,
    settled: Annotated[Settled, VSWITCH_FLOW.resolve],
    region_id: RegionArg = None,
    cidr_block: Annotated[
        str | None,
        Field(description="e.g. 172.16.9.0/24; default: the VPC's first free /24"),
    ] = None,
    name: NameArg = None,
    decisions: DecisionsArg = None,
) -> VSwitchCreated:
    """Create a VSwitch of the VPC in a zone that has none (picks a free CIDR block inside the
    VPC when none is given) and wait until it is Available. Shows the exact parameters for
    confirmation first. run_dr_instance can also create it as part of its plan."""
    done = await mutate(
        ctx,
        tool="create_vswitch",
        arguments={
            "vpc_id": vpc_id,
            "zone_id": zone_id,
            "region_id": region_id,
            "cidr_block": cidr_block,
            "name": name,
        },
        settled=settled,
        prepare=_prepare_vswitch,
        execute=_execute_vswitch,
    )
    result: VSwitchResult | None = _done(done, VSwitchResult)
    fields = done.fields()
    if result is not None:
        fields["next_step"] = f"run_dr_instance(..., vswitch_id={result.vswitch_id!r})"
    return VSwitchCreated(**fields, vswitch_id=result.vswitch_id if result else None, result=result)


# --- run_dr_instance -----------------------------------------------------------------------


async def _prepare_dr(
    ctx: Ctx, a: Mapping[str, Any], answers: Mapping[str, str]
) -> Prepared[DrInstancePlan]:
    return await scenario_a.prepare_dr_instance(
        services(ctx).gateway,
        a["instance_id"],
        a["image_id"],
        a["target_zone_id"],
        a["region_id"],
        a["vswitch_id"],
        a["instance_name"],
        a["instance_type"],
        answers,
    )


async def _execute_dr(
    ctx: Ctx, plan: DrInstancePlan, step: StepRecorder, progress: ProgressFn
) -> DrInstanceResult:
    s = services(ctx)
    return await scenario_a.execute_dr_instance(s.gateway, plan, step, progress, timing=s.timing)


DR_FLOW = DecisionFlow(
    "run_dr_instance",
    (
        "instance_id",
        "image_id",
        "target_zone_id",
        "region_id",
        "vswitch_id",
        "instance_name",
        "instance_type",
        "decisions",
    ),
    questions("run_dr_instance", _prepare_dr),
)


class DrInstanceCreated(CreateResult):
    dr_instance_id: str | None = None
    markdown: str = Field(default="", description="the source-vs-DR comparison table")
    result: DrInstanceResult | None = None


async def run_dr_instance(
    instance_id: InstanceIdArg,
    image_id: Annotated[str, Field(description="the image create_full_image made")],
    target_zone_id: ZoneArg,
    ctx: Ctx,
    settled: Annotated[Settled, DR_FLOW.resolve],
    region_id: RegionArg = None,
    vswitch_id: Annotated[
        str | None,
        Field(description="a VSwitch of the source's VPC in the target zone; default: found"),
    ] = None,
    instance_name: Annotated[
        str | None, Field(description="default recovery-<source name>; only if the user names it")
    ] = None,
    instance_type: Annotated[
        str | None, Field(description="default: the source's type; only if the user chose one")
    ] = None,
    decisions: DecisionsArg = None,
) -> DrInstanceCreated:
    """Launch the DR instance from the image in the target zone and wait until it is Running,
    then compare it with the source. It inherits the source's VPC, security groups, type,
    billing and every disk's category, size and performance level; no public IP on the source
    means bandwidth 0. A missing VSwitch, no stock, or an unsupported disk category becomes a
    choice for the user; the exact RunInstances parameters are shown for confirmation first."""
    done = await mutate(
        ctx,
        tool="run_dr_instance",
        arguments={
            "instance_id": instance_id,
            "image_id": image_id,
            "target_zone_id": target_zone_id,
            "region_id": region_id,
            "vswitch_id": vswitch_id,
            "instance_name": instance_name,
            "instance_type": instance_type,
        },
        settled=settled,
        prepare=_prepare_dr,
        execute=_execute_dr,
    )
    result: DrInstanceResult | None = _done(done, DrInstanceResult)
    fields = done.fields()
    if result is not None:
        fields["next_step"] = (
            "Show the markdown comparison to the user."
            if result.all_match
            else "Some rows do not match (match=false): show them to the user."
        )
    return DrInstanceCreated(
        **fields,
        dr_instance_id=result.dr_instance_id if result else None,
        markdown=result.markdown if result else "",
        result=result,
    )

"""Scenario A's creating tools: snapshots, the full image, a VSwitch, the DR instance.

Each is the same few lines: the decision flow settles the answers before the body runs, and
its `MutatingTool` (tools/steps.py) prepares the exact plan through the workflow, asks what is
open or runs the confirmed plan as a journaled operation; the body only picks what its result
shows.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from ecs_dr.domain.arguments import MAX_IMAGE_SNAPSHOTS
from ecs_dr.tools.common import (
    CidrBlock,
    Ctx,
    DiskId,
    ImageId,
    ImageName,
    InstanceIdArg,
    InstanceName,
    InstanceType,
    RegionArg,
    SnapshotGroupId,
    SnapshotGroupName,
    SnapshotId,
    SnapshotName,
    VpcId,
    VSwitchId,
    VSwitchName,
    ZoneArg,
)
from ecs_dr.tools.decisions import DecisionsArg, Settled
from ecs_dr.tools.recovery_results import recovery_tables
from ecs_dr.tools.results import CreateResult, step_result_field
from ecs_dr.tools.steps import DR_INSTANCE, GROUP, IMAGE, SNAPSHOT, VSWITCH

_NAME_DESCRIPTION = "Name for the new resource; a default if omitted"


# --- create_snapshot_group -----------------------------------------------------------------


class SnapshotGroupCreated(CreateResult):
    snapshot_group_id: str | None = Field(default=None, description="None for per-disk snapshots")
    snapshot_ids: list[str] = Field(default_factory=list)
    result: dict[str, Any] | None = step_result_field()


async def create_snapshot_group(
    instance_id: InstanceIdArg,
    ctx: Ctx,
    settled: Annotated[Settled, GROUP.flow.resolve],
    region_id: RegionArg = None,
    name: Annotated[SnapshotGroupName | None, Field(description=_NAME_DESCRIPTION)] = None,
    decisions: DecisionsArg = None,
) -> SnapshotGroupCreated:
    """Snapshot every disk of a multi-disk instance at one point in time (a snapshot-consistent
    group) and wait until every snapshot is zone-redundant (accomplished, 100%): only then is
    the recovery point safe from a zone failure. When a group is impossible (a non-ESSD disk),
    the user may choose per-disk snapshots, which are not crash-consistent. Shows the exact
    parameters for confirmation first. For a system-disk-only instance use create_snapshot."""
    done = await GROUP.run(ctx, settled, locals())
    return done.answer(
        SnapshotGroupCreated,
        lambda result: {
            "snapshot_group_id": result.snapshot_group_id,
            "snapshot_ids": [s.snapshot_id for s in result.snapshots],
        },
    )


# --- create_snapshot -----------------------------------------------------------------------


class SnapshotCreated(CreateResult):
    snapshot_id: str | None = None
    result: dict[str, Any] | None = step_result_field()


async def create_snapshot(
    disk_id: Annotated[DiskId, Field(description="ECS disk id, e.g. d-bp1...")],
    ctx: Ctx,
    settled: Annotated[Settled, SNAPSHOT.flow.resolve],
    region_id: RegionArg = None,
    name: Annotated[SnapshotName | None, Field(description=_NAME_DESCRIPTION)] = None,
    decisions: DecisionsArg = None,
) -> SnapshotCreated:
    """Snapshot one disk (the system disk of a single-disk instance) and wait until it is
    zone-redundant (accomplished, 100%). Shows the exact parameters for confirmation first."""
    done = await SNAPSHOT.run(ctx, settled, locals())
    return done.answer(SnapshotCreated, lambda result: {"snapshot_id": result.snapshot_id})


# --- create_full_image ---------------------------------------------------------------------


class ImageCreated(CreateResult):
    image_id: str | None = None
    result: dict[str, Any] | None = step_result_field()


async def create_full_image(
    instance_id: InstanceIdArg,
    ctx: Ctx,
    settled: Annotated[Settled, IMAGE.flow.resolve],
    snapshot_group_id: Annotated[
        SnapshotGroupId | None,
        Field(description="the group create_snapshot_group made (multi-disk)"),
    ] = None,
    snapshot_id: Annotated[
        SnapshotId | None, Field(description="the system disk's snapshot (single-disk source)")
    ] = None,
    snapshot_ids: Annotated[
        list[SnapshotId] | None,
        Field(
            min_length=1,
            max_length=MAX_IMAGE_SNAPSHOTS,
            description="per-disk snapshots, one per disk (when a group was impossible)",
        ),
    ] = None,
    region_id: RegionArg = None,
    image_name: Annotated[
        ImageName | None, Field(description="default Create_from_<instance id>_<YYYYMMDD>")
    ] = None,
    decisions: DecisionsArg = None,
) -> ImageCreated:
    """Build one custom image holding every disk of the source, each mapped by device, from
    its snapshots (give exactly one of snapshot_group_id, snapshot_id, snapshot_ids), and
    wait until it is Available. Shows the exact parameters for confirmation first."""
    done = await IMAGE.run(ctx, settled, locals())
    return done.answer(ImageCreated, lambda result: {"image_id": result.image_id})


# --- create_vswitch ------------------------------------------------------------------------


class VSwitchCreated(CreateResult):
    vswitch_id: str | None = None
    result: dict[str, Any] | None = step_result_field()


async def create_vswitch(
    vpc_id: Annotated[VpcId, Field(description="the source's VPC id (describe_source shows it)")],
    zone_id: ZoneArg,
    ctx: Ctx,
    settled: Annotated[Settled, VSWITCH.flow.resolve],
    region_id: RegionArg = None,
    cidr_block: Annotated[
        CidrBlock | None,
        Field(description="e.g. 172.16.9.0/24; default: the VPC's first free /24"),
    ] = None,
    name: Annotated[VSwitchName | None, Field(description=_NAME_DESCRIPTION)] = None,
    decisions: DecisionsArg = None,
) -> VSwitchCreated:
    """Create a VSwitch of the VPC in a zone that has none (picks a free CIDR block inside the
    VPC when none is given) and wait until it is Available. Shows the exact parameters for
    confirmation first. run_dr_instance can also create it as part of its plan."""
    done = await VSWITCH.run(ctx, settled, locals())
    return done.answer(VSwitchCreated, lambda result: {"vswitch_id": result.vswitch_id})


# --- run_dr_instance -----------------------------------------------------------------------


class DrInstanceCreated(CreateResult):
    dr_instance_id: str | None = None
    result: dict[str, Any] | None = step_result_field()

    TEXT_OMITS = frozenset({"result"})

    def text_tables(self) -> list[str]:
        return recovery_tables(self.result)


async def run_dr_instance(
    instance_id: InstanceIdArg,
    image_id: Annotated[ImageId, Field(description="the image create_full_image made")],
    target_zone_id: ZoneArg,
    ctx: Ctx,
    settled: Annotated[Settled, DR_INSTANCE.flow.resolve],
    region_id: RegionArg = None,
    vswitch_id: Annotated[
        VSwitchId | None,
        Field(description="a VSwitch of the source's VPC in the target zone; default: found"),
    ] = None,
    instance_name: Annotated[
        InstanceName | None,
        Field(description="default recovery-<source name>; only if the user names it"),
    ] = None,
    instance_type: Annotated[
        InstanceType | None,
        Field(description="default: the source's type; only if the user chose one"),
    ] = None,
    decisions: DecisionsArg = None,
) -> DrInstanceCreated:
    """Launch the DR instance from the image in the target zone and wait until it is Running,
    then compare it with the source. It inherits the source's VPC, security groups, type,
    billing and every disk's category, size and performance level; no public IP on the source
    means bandwidth 0. A missing VSwitch, no stock, or an unsupported disk category becomes a
    choice for the user; the exact RunInstances parameters are shown for confirmation first."""
    done = await DR_INSTANCE.run(ctx, settled, locals())
    return done.answer(
        DrInstanceCreated,
        lambda result: {"dr_instance_id": result.dr_instance_id},
    )

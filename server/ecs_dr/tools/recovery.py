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
    InstanceName,
    InstanceRefArg,
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

_NAME_DESCRIPTION = "default: the runbook's name"


# --- create_snapshot_group -----------------------------------------------------------------


class SnapshotGroupCreated(CreateResult):
    snapshot_group_id: str | None = Field(default=None, description="None for per-disk snapshots")
    snapshot_ids: list[str] = Field(default_factory=list)
    result: dict[str, Any] | None = step_result_field()


async def create_snapshot_group(
    instance_id: InstanceRefArg,
    ctx: Ctx,
    settled: Annotated[Settled, GROUP.flow.resolve],
    region_id: RegionArg = None,
    name: Annotated[SnapshotGroupName | None, Field(description=_NAME_DESCRIPTION)] = None,
    decisions: DecisionsArg = None,
) -> SnapshotGroupCreated:
    """Step tool: snapshot every disk of a multi-disk source at one point in time, waited until
    zone-redundant; where a group is impossible the user may choose per-disk snapshots (not
    crash-consistent). One disk: create_snapshot."""
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
    disk_id: Annotated[DiskId, Field(description="ECS disk id")],
    ctx: Ctx,
    settled: Annotated[Settled, SNAPSHOT.flow.resolve],
    region_id: RegionArg = None,
    name: Annotated[SnapshotName | None, Field(description=_NAME_DESCRIPTION)] = None,
    decisions: DecisionsArg = None,
) -> SnapshotCreated:
    """Step tool: snapshot one disk (a single-disk source's system disk, or a disk to copy) and
    wait until it is zone-redundant."""
    done = await SNAPSHOT.run(ctx, settled, locals())
    return done.answer(SnapshotCreated, lambda result: {"snapshot_id": result.snapshot_id})


# --- create_full_image ---------------------------------------------------------------------


class ImageCreated(CreateResult):
    image_id: str | None = None
    result: dict[str, Any] | None = step_result_field()


async def create_full_image(
    instance_id: InstanceRefArg,
    ctx: Ctx,
    settled: Annotated[Settled, IMAGE.flow.resolve],
    snapshot_group_id: Annotated[
        SnapshotGroupId | None,
        Field(description="multi-disk: from create_snapshot_group"),
    ] = None,
    snapshot_id: Annotated[
        SnapshotId | None, Field(description="single-disk: the system disk's")
    ] = None,
    snapshot_ids: Annotated[
        list[SnapshotId] | None,
        Field(
            min_length=1,
            max_length=MAX_IMAGE_SNAPSHOTS,
            description="per-disk snapshots, one per disk",
        ),
    ] = None,
    region_id: RegionArg = None,
    image_name: Annotated[
        ImageName | None, Field(description="default Create_from_<instance id>_<YYYYMMDD>")
    ] = None,
    decisions: DecisionsArg = None,
) -> ImageCreated:
    """Step tool: build the recovery image from the source's snapshots (exactly one of
    snapshot_group_id, snapshot_id, snapshot_ids), every disk mapped by device, and wait until
    it is Available."""
    done = await IMAGE.run(ctx, settled, locals())
    return done.answer(ImageCreated, lambda result: {"image_id": result.image_id})


# --- create_vswitch ------------------------------------------------------------------------


class VSwitchCreated(CreateResult):
    vswitch_id: str | None = None
    result: dict[str, Any] | None = step_result_field()


async def create_vswitch(
    vpc_id: Annotated[VpcId, Field(description="the source's VPC")],
    zone_id: ZoneArg,
    ctx: Ctx,
    settled: Annotated[Settled, VSWITCH.flow.resolve],
    region_id: RegionArg = None,
    cidr_block: Annotated[
        CidrBlock | None,
        Field(description="default: the VPC's first free /24"),
    ] = None,
    name: Annotated[VSwitchName | None, Field(description=_NAME_DESCRIPTION)] = None,
    decisions: DecisionsArg = None,
) -> VSwitchCreated:
    """Step tool: create a VSwitch of the source's VPC in a zone that has none (a free /24
    unless cidr_block is given) and wait until it is Available. run_dr_instance can create it
    too."""
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
    instance_id: InstanceRefArg,
    image_id: Annotated[ImageId, Field(description="from create_full_image")],
    target_zone_id: ZoneArg,
    ctx: Ctx,
    settled: Annotated[Settled, DR_INSTANCE.flow.resolve],
    region_id: RegionArg = None,
    vswitch_id: Annotated[
        VSwitchId | None,
        Field(description="default: the VPC's VSwitch in the zone"),
    ] = None,
    instance_name: Annotated[
        InstanceName | None,
        Field(description="default recovery-<source name>"),
    ] = None,
    instance_type: Annotated[
        InstanceType | None,
        Field(description="default: the source's; only if the user chose one"),
    ] = None,
    decisions: DecisionsArg = None,
) -> DrInstanceCreated:
    """Step tool: launch the DR instance from the image in the target zone with the source's
    VPC, security groups, type, billing and disks, wait until it is Running, and compare it with
    the source. A missing VSwitch, no stock or an unavailable disk category is a choice."""
    done = await DR_INSTANCE.run(ctx, settled, locals())
    return done.answer(
        DrInstanceCreated,
        lambda result: {"dr_instance_id": result.dr_instance_id},
    )

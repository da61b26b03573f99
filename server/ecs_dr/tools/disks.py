"""Scenario B's creating tools: a disk from a snapshot in the target's zone, then attached.

As in recovery.py, each is a `MutatingTool` over its workflow (prepare, decide, execute as a
journaled operation); the body only shapes the result.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ecs_dr.domain.arguments import MAX_DISK_GIB
from ecs_dr.domain.cloud_text import cloud_text_field
from ecs_dr.domain.disks import (
    AttachDiskPlan,
    AttachResult,
    CreateDiskPlan,
    LayoutRow,
    NewDiskResult,
)
from ecs_dr.tools.common import Ctx, DiskId, DiskName, InstanceId, RegionArg, SnapshotId
from ecs_dr.tools.decisions import DecisionsArg, Settled
from ecs_dr.tools.mutation import MutatingTool
from ecs_dr.tools.recovery import CreateResult
from ecs_dr.workflows import scenario_b

DiskCategory = Literal[
    "cloud_essd", "cloud_auto", "cloud_essd_entry", "cloud_ssd", "cloud_efficiency", "cloud"
]
TargetArg = Annotated[
    InstanceId, Field(description="the existing instance that receives the disk, e.g. i-bp1...")
]

# --- create_disk_from_snapshot --------------------------------------------------------------

NEW_DISK = MutatingTool(
    "create_disk_from_snapshot",
    (
        "snapshot_id",
        "target_instance_id",
        "region_id",
        "disk_category",
        "performance_level",
        "size",
        "disk_name",
    ),
    prepare=scenario_b.prepare_disk_from_snapshot,
    execute=scenario_b.execute_disk_from_snapshot,
    plan_type=CreateDiskPlan,
    result=NewDiskResult,
    next_step=lambda result: (
        f"attach_disk(disk_id={result.disk_id!r}, target_instance_id={result.target_instance_id!r})"
    ),
)


class DiskCreated(CreateResult):
    disk_id: str | None = None
    zone_id: str | None = Field(default=None, description="the target instance's zone")
    result: NewDiskResult | None = None


async def create_disk_from_snapshot(
    snapshot_id: Annotated[
        SnapshotId, Field(description="the snapshot create_snapshot made, s-...")
    ],
    target_instance_id: TargetArg,
    ctx: Ctx,
    settled: Annotated[Settled, NEW_DISK.flow.resolve],
    region_id: RegionArg = None,
    disk_category: Annotated[
        DiskCategory | None,
        Field(description="default: the source disk's category; only if the user chose one"),
    ] = None,
    performance_level: Annotated[
        Literal["PL0", "PL1", "PL2", "PL3"] | None,
        Field(description="cloud_essd only; default: the source disk's; only if the user chose"),
    ] = None,
    size: Annotated[
        int | None,
        Field(
            ge=1,
            le=MAX_DISK_GIB,
            strict=True,
            description="GiB; default: the source disk's size; never below the snapshot's",
        ),
    ] = None,
    disk_name: Annotated[
        DiskName | None, Field(description="default recovery-<source disk name>")
    ] = None,
    decisions: DecisionsArg = None,
) -> DiskCreated:
    """Create a disk from a snapshot in the target instance's zone (which may differ from the
    source's), keeping the source disk's category, size and performance level (PL always
    sent for cloud_essd). Waits until the snapshot is accomplished (zone-redundant) and the
    disk is Available. A category the zone does not offer the target becomes a choice for the
    user; the exact CreateDisk parameters are shown for confirmation first. Attach it with
    attach_disk."""
    done = await NEW_DISK.run(
        ctx,
        settled,
        snapshot_id=snapshot_id,
        target_instance_id=target_instance_id,
        region_id=region_id,
        disk_category=disk_category,
        performance_level=performance_level,
        size=size,
        disk_name=disk_name,
    )
    result = done.result
    return DiskCreated(
        **done.fields(),
        disk_id=result.disk_id if result else None,
        zone_id=result.zone_id if result else None,
        result=result,
    )


# --- attach_disk ---------------------------------------------------------------------------

ATTACH = MutatingTool(
    "attach_disk",
    ("disk_id", "target_instance_id", "region_id"),
    prepare=scenario_b.prepare_attach_disk,
    execute=scenario_b.execute_attach_disk,
    plan_type=AttachDiskPlan,
    result=AttachResult,
    next_step=lambda _: (
        "Show the markdown layout and the reminder to the user; do not suggest OS commands."
    ),
)


class DiskAttached(CreateResult):
    disk_id: str | None = None
    device: str | None = Field(default=None, description="where ECS attached the disk")
    layout: list[LayoutRow] = Field(
        default_factory=list, description="every disk of the target after the change"
    )
    markdown: str = cloud_text_field("the target's disk layout as a table", default="")
    reminder: str = Field(default="", description="what is left to do inside the OS")
    result: AttachResult | None = None


async def attach_disk(
    disk_id: Annotated[DiskId, Field(description="the disk create_disk_from_snapshot made, d-...")],
    target_instance_id: TargetArg,
    ctx: Ctx,
    settled: Annotated[Settled, ATTACH.flow.resolve],
    region_id: RegionArg = None,
    decisions: DecisionsArg = None,
) -> DiskAttached:
    """Attach an Available disk to an instance of its zone and wait until it is In_use; returns
    the instance's whole disk layout and a reminder that the disk must still be mounted inside
    the OS (no OS commands: the server does not know the OS). An instance that is not Running
    or Stopped becomes a choice: wait for it, or cancel. The exact AttachDisk parameters are
    shown for confirmation first."""
    done = await ATTACH.run(
        ctx, settled, disk_id=disk_id, target_instance_id=target_instance_id, region_id=region_id
    )
    result = done.result
    return DiskAttached(
        **done.fields(),
        disk_id=result.disk_id if result else None,
        device=result.device if result else None,
        layout=result.layout if result else [],
        markdown=result.markdown if result else "",
        reminder=result.reminder if result else "",
        result=result,
    )

"""Scenario B's creating tools: a disk from a snapshot in the target's zone, then attached.

As in recovery.py, each is a `MutatingTool` over its workflow (tools/steps.py: prepare, decide,
execute as a journaled operation); the body only picks what its result shows.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from ecs_dr.domain.arguments import MAX_DISK_GIB
from ecs_dr.tools.common import Ctx, DiskId, DiskName, InstanceRef, RegionArg, SnapshotId
from ecs_dr.tools.decisions import DecisionsArg, Settled
from ecs_dr.tools.recovery_results import recovery_tables
from ecs_dr.tools.results import CreateResult, step_result_field
from ecs_dr.tools.steps import ATTACH, NEW_DISK

DiskCategory = Literal[
    "cloud_essd", "cloud_auto", "cloud_essd_entry", "cloud_ssd", "cloud_efficiency", "cloud"
]
TargetArg = Annotated[
    InstanceRef, Field(description="the instance that receives the disk (id or exact name)")
]

# --- create_disk_from_snapshot --------------------------------------------------------------


class DiskCreated(CreateResult):
    disk_id: str | None = None
    zone_id: str | None = Field(default=None, description="the target instance's zone")
    result: dict[str, Any] | None = step_result_field()


async def create_disk_from_snapshot(
    snapshot_id: Annotated[SnapshotId, Field(description="from create_snapshot")],
    target_instance_id: TargetArg,
    ctx: Ctx,
    settled: Annotated[Settled, NEW_DISK.flow.resolve],
    region_id: RegionArg = None,
    disk_category: Annotated[
        DiskCategory | None,
        Field(description="default: the source disk's; only if the user chose one"),
    ] = None,
    performance_level: Annotated[
        Literal["PL0", "PL1", "PL2", "PL3"] | None,
        Field(description="cloud_essd; default: the source disk's"),
    ] = None,
    size: Annotated[
        int | None,
        Field(
            ge=1,
            le=MAX_DISK_GIB,
            strict=True,
            description="GiB; default: the source disk's; not below the snapshot's",
        ),
    ] = None,
    disk_name: Annotated[
        DiskName | None, Field(description="default recovery-<source disk name>")
    ] = None,
    decisions: DecisionsArg = None,
) -> DiskCreated:
    """Step tool (disks): create a disk from a snapshot in the target instance's zone, keeping
    the source disk's category, size and PL, and wait until it is Available; then attach_disk.
    """
    done = await NEW_DISK.run(ctx, settled, locals())
    return done.answer(
        DiskCreated, lambda result: {"disk_id": result.disk_id, "zone_id": result.zone_id}
    )


# --- attach_disk ---------------------------------------------------------------------------


class DiskAttached(CreateResult):
    disk_id: str | None = None
    device: str | None = Field(default=None, description="where ECS attached the disk")
    result: dict[str, Any] | None = step_result_field()

    TEXT_OMITS = frozenset({"result"})

    def text_tables(self) -> list[str]:
        return recovery_tables(self.result)


async def attach_disk(
    disk_id: Annotated[DiskId, Field(description="from create_disk_from_snapshot")],
    target_instance_id: TargetArg,
    ctx: Ctx,
    settled: Annotated[Settled, ATTACH.flow.resolve],
    region_id: RegionArg = None,
    decisions: DecisionsArg = None,
) -> DiskAttached:
    """Step tool (disks): attach an Available disk to an instance of its zone and wait until it
    is In_use; returns the disk layout and the reminder to mount it inside the OS."""
    done = await ATTACH.run(ctx, settled, locals())
    return done.answer(
        DiskAttached,
        lambda result: {
            "disk_id": result.disk_id,
            "device": result.device,
        },
    )

"""Recovery points as plans and results: a snapshot-consistent group of every disk, per-disk
snapshots when the user accepts that a group is impossible, or one snapshot of one disk.

A result says when each snapshot became zone-redundant (accomplished, 100%): only from then on
does the recovery point survive the loss of the source's zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar, Literal

from ecs_dr.domain.models import Disk, DiskKind, Frozen, Snapshot
from ecs_dr.domain.names import device_key

GroupStrategy = Literal["snapshot_group", "per_disk_snapshots"]


class SnapshotGroupPlan(Frozen):
    """Snapshots of every disk of one instance: one consistency group, or one per disk."""

    region_id: str
    instance_id: str
    strategy: GroupStrategy
    name: str
    disks: list[Disk]

    @property
    def action(self) -> str:
        return "CreateSnapshotGroup" if self.strategy == "snapshot_group" else "CreateSnapshot"

    def snapshot_name(self, disk: Disk) -> str:
        """Per-disk snapshots share the plan's name, told apart by device."""
        return f"{self.name}_{device_key(disk.device)}"

    def parameters(self) -> dict[str, Any]:
        if self.strategy == "snapshot_group":
            return {"RegionId": self.region_id, "InstanceId": self.instance_id, "Name": self.name}
        return {
            "RegionId": self.region_id,
            "Snapshots": [
                {"DiskId": d.disk_id, "SnapshotName": self.snapshot_name(d)} for d in self.disks
            ],
        }


class SnapshotPlan(Frozen):
    """One snapshot of one disk."""

    region_id: str
    disk: Disk
    name: str

    action: ClassVar[str] = "CreateSnapshot"

    def parameters(self) -> dict[str, Any]:
        return {"DiskId": self.disk.disk_id, "SnapshotName": self.name}


class SnapshotRecord(Frozen):
    """One snapshot as a result reports it: the disk it copies and when it became safe."""

    snapshot_id: str
    disk_id: str
    kind: DiskKind
    device: str
    size_gib: int
    status: str
    progress: int
    taken_at: str
    zone_redundant: bool
    zone_redundant_at: datetime | None


class SnapshotSetResult(Frozen):
    """Every disk of the instance snapshotted; `zone_redundant_at` is when the last one was."""

    region_id: str
    instance_id: str
    strategy: GroupStrategy
    snapshot_group_id: str | None
    crash_consistent: bool
    snapshots: list[SnapshotRecord]
    zone_redundant_at: datetime | None
    note: str


class SnapshotResult(SnapshotRecord):
    """One snapshot of one disk."""

    region_id: str
    instance_id: str | None


def snapshot_record(
    snapshot: Snapshot, disk: Disk | None, redundant_at: datetime | None
) -> SnapshotRecord:
    return SnapshotRecord(
        snapshot_id=snapshot.snapshot_id,
        disk_id=snapshot.source_disk_id,
        kind=disk.kind if disk is not None else snapshot.source_disk_kind,
        device=disk.device if disk is not None else "",
        size_gib=snapshot.source_disk_size_gib,
        status=snapshot.status,
        progress=snapshot.progress,
        taken_at=snapshot.created_at,
        zone_redundant=snapshot.zone_redundant,
        zone_redundant_at=redundant_at if snapshot.zone_redundant else None,
    )


def snapshot_set_result(
    plan: SnapshotGroupPlan,
    group_id: str | None,
    taken: Sequence[tuple[Snapshot, datetime | None]],
) -> SnapshotSetResult:
    """The plan's snapshots, each with the disk it copies and when it became zone-redundant."""
    disks = {d.disk_id: d for d in plan.disks}
    records = [snapshot_record(s, disks.get(s.source_disk_id), at) for s, at in taken]
    times = [r.zone_redundant_at for r in records]
    safe_at = max(t for t in times if t is not None) if all(times) and times else None
    consistent = plan.strategy == "snapshot_group"
    note = (
        "Crash-consistent across disks (one snapshot-consistent group)."
        if consistent
        else "NOT crash-consistent across disks: one snapshot per disk, started together."
    )
    return SnapshotSetResult(
        region_id=plan.region_id,
        instance_id=plan.instance_id,
        strategy=plan.strategy,
        snapshot_group_id=group_id,
        crash_consistent=consistent,
        snapshots=sorted(records, key=lambda r: (r.kind != "system", r.device)),
        zone_redundant_at=safe_at,
        note=note,
    )

"""Scenario B's rules: a new disk from a snapshot in the target instance's zone, keeping the
source disk's category, size and performance level, then attached to that instance.

A snapshot belongs to a region, a disk to a zone: the new disk goes to the target's zone,
which may differ from the source's. CreateDisk is sent with ZoneId, never InstanceId, which
would attach the disk at once, before the user confirmed an attach.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, ClassVar

from pydantic import model_validator

from ecs_dr.domain.cloud_text import cloud_text_field, table_markdown
from ecs_dr.domain.comparison import NONE
from ecs_dr.domain.models import Disk, DiskKind, Frozen, Instance, Snapshot, device_order
from ecs_dr.domain.names import default_disk_name, validate_disk_name
from ecs_dr.domain.refusal import Refusal
from ecs_dr.domain.rules import (
    ESSD_ENTRY_FAMILIES,
    check_performance_level,
    default_performance_level,
    essd_entry_allowed,
    performance_level_mismatch,
)
from ecs_dr.domain.statuses import DiskStatus, InstanceStatus, SnapshotStatus

# ECS attaches a disk only to an instance in one of these states.
ATTACHABLE_STATUSES = (InstanceStatus.RUNNING, InstanceStatus.STOPPED)
# How long attach_disk follows a target into an attachable state when the user asks it to.
INSTANCE_SETTLE_WAIT_S = 600.0


class CreateDiskPlan(Frozen):
    """Everything CreateDisk will be sent, decided before any call; cloud_essd always carries
    its performance level (ECS would otherwise give PL1), other categories never do."""

    region_id: str
    zone_id: str
    snapshot_id: str
    category: str
    size_gib: int
    performance_level: str | None = None
    disk_name: str = cloud_text_field("the new disk's name, derived from the source disk's")
    target_instance_id: str
    source_disk_id: str
    source_disk_kind: DiskKind
    source_instance_id: str | None = None

    @model_validator(mode="after")
    def _pl_matches_category(self) -> CreateDiskPlan:
        if mismatch := performance_level_mismatch(self.category, self.performance_level):
            raise ValueError(mismatch)
        return self

    action: ClassVar[str] = "CreateDisk"

    def parameters(self) -> dict[str, Any]:
        """The exact CreateDisk wire parameters (besides the ClientToken and the tags)."""
        params: dict[str, Any] = {
            "RegionId": self.region_id,
            "ZoneId": self.zone_id,
            "SnapshotId": self.snapshot_id,
            "DiskCategory": self.category,
            "Size": self.size_gib,
        }
        if self.performance_level is not None:
            params["PerformanceLevel"] = self.performance_level
        params["DiskName"] = self.disk_name
        return params


class AttachDiskPlan(Frozen):
    """AttachDisk, after waiting for the target to become attachable when the user chose that."""

    region_id: str
    zone_id: str
    disk_id: str
    target_instance_id: str
    wait_for_instance: bool = False

    action: ClassVar[str] = "AttachDisk"

    def parameters(self) -> dict[str, Any]:
        """The exact AttachDisk wire parameters (it takes no RegionId and no ClientToken)."""
        return {"InstanceId": self.target_instance_id, "DiskId": self.disk_id}


# --- the new disk ------------------------------------------------------------------------


def categories_for(instance_type: str, offered: Sequence[str]) -> list[str]:
    """The offered categories an instance of this type can take: cloud_essd_entry only with
    the ecs.u1 and ecs.e families, whatever a zone-wide offer lists."""
    return [c for c in offered if c != "cloud_essd_entry" or essd_entry_allowed(instance_type)]


def check_snapshot_usable(snapshot: Snapshot) -> None:
    """A failed snapshot restores nothing; a progressing one is waited for before CreateDisk.

    Raises Refusal for a failed snapshot.
    """
    if snapshot.status == SnapshotStatus.FAILED:
        raise Refusal(
            f"The snapshot {snapshot.snapshot_id} failed; a disk cannot be created from it. "
            f"Take a new one of {snapshot.source_disk_id or 'the disk'} with create_snapshot."
        )


def new_disk_category(snapshot: Snapshot, source: Disk | None, requested: str | None) -> str:
    """The category the new disk gets: the user's choice, else the source disk's.

    Raises Refusal when neither is known (the source disk no longer exists).
    """
    if requested:
        return requested
    if source is None:
        raise Refusal(
            f"The disk {snapshot.source_disk_id or '?'} that {snapshot.snapshot_id} was taken "
            "of no longer exists, so its category and performance level are unknown; pass "
            "disk_category (and performance_level for cloud_essd)."
        )
    return source.category


def new_disk_size(snapshot: Snapshot, source: Disk | None, requested: int | None) -> int:
    """The source disk's size unless the user asks for more; never below the snapshot's.

    Raises Refusal for a size below the size of the disk the snapshot was taken of.
    """
    floor = snapshot.source_disk_size_gib
    if requested is not None:
        if requested < floor:
            raise Refusal(
                f"size {requested} GiB is below {floor} GiB, the size of the disk "
                f"{snapshot.snapshot_id} was taken of; a disk from a snapshot is at least that "
                f"large. Pass size >= {floor}, or omit it to keep the source's size."
            )
        return requested
    return max(floor, source.size_gib if source is not None else 0)


def essd_level(size_gib: int, source: Disk | None, requested: str | None) -> str:
    """The PL a cloud_essd copy gets: the user's, else the source's (when it was cloud_essd),
    else ECS's default for the size. Raises Refusal when it does not allow the size."""
    kept = source.performance_level if source and source.category == "cloud_essd" else None
    level = requested or kept or default_performance_level(size_gib)
    check_performance_level(level, size_gib)
    return level


def new_disk_level(
    category: str, size_gib: int, source: Disk | None, requested: str | None
) -> str | None:
    """cloud_essd always gets an explicit PL (`essd_level`); other categories take none.

    Raises Refusal for a PL on another category, or one that does not allow the size.
    """
    if category != "cloud_essd":
        if requested is not None:
            raise Refusal(f"performance_level applies to cloud_essd only, not {category}; omit it.")
        return None
    return essd_level(size_gib, source, requested)


def create_disk_plan(
    snapshot: Snapshot,
    source: Disk | None,
    target: Instance,
    *,
    category: str,
    size_gib: int | None = None,
    performance_level: str | None = None,
    disk_name: str | None = None,
) -> CreateDiskPlan:
    """CreateDisk in the target's zone from the snapshot; `category` is already settled (the
    source's, or the user's choice among those the zone offers).

    Raises Refusal for a failed snapshot, a size below the snapshot's, a PL that does not
    fit, a name ECS would reject, and cloud_essd_entry for a type that cannot take it.
    """
    check_snapshot_usable(snapshot)
    if category == "cloud_essd_entry" and not essd_entry_allowed(target.instance_type):
        raise Refusal(
            f"{target.instance_id} is {target.instance_type}; cloud_essd_entry disks attach "
            f"only to {' and '.join(sorted(ESSD_ENTRY_FAMILIES))} instance types. Choose "
            "another disk_category."
        )
    size = new_disk_size(snapshot, source, size_gib)
    level = new_disk_level(category, size, source, performance_level)
    name = disk_name or default_disk_name(snapshot, source)
    validate_disk_name(name)
    return CreateDiskPlan(
        region_id=target.region_id,
        zone_id=target.zone_id,
        snapshot_id=snapshot.snapshot_id,
        category=category,
        size_gib=size,
        performance_level=level,
        disk_name=name,
        target_instance_id=target.instance_id,
        source_disk_id=snapshot.source_disk_id,
        source_disk_kind=source.kind if source is not None else snapshot.source_disk_kind,
        source_instance_id=source.instance_id if source is not None else None,
    )


class NewDiskResult(Frozen):
    """The new disk, Available in the target's zone, beside the disk it copies."""

    region_id: str
    disk_id: str
    zone_id: str
    target_instance_id: str
    snapshot_id: str
    source_disk_id: str
    source_disk_kind: DiskKind
    source_instance_id: str | None
    source_disk: Disk | None
    disk: Disk
    note: str


# --- attaching it ------------------------------------------------------------------------


def can_take_disk(instance: Instance) -> bool:
    """Only a Running or Stopped instance takes a disk; any other state is waited out."""
    return instance.status in ATTACHABLE_STATUSES


def attached_to(disk: Disk, instance_id: str) -> bool:
    """The disk is (being) attached to this instance: AttachDisk must not be sent again."""
    return disk.instance_id == instance_id and disk.status in (
        DiskStatus.ATTACHING,
        DiskStatus.IN_USE,
    )


def check_attach(disk: Disk, target: Instance, max_data_disks: int | None) -> None:
    """What ECS requires of the disk and the target, besides the target's state.

    Raises Refusal for a disk already on the target or on another instance, in another
    zone, not Available, of a category the target's type cannot take, or a target at its
    data disk limit.
    """
    where = f"{target.instance_id} ({target.zone_id})"
    if disk.instance_id == target.instance_id:
        raise Refusal(
            f"{disk.disk_id} is already attached to {target.instance_id} at {disk.device} "
            f"({disk.status}); nothing to attach. describe_target_instance shows its disks."
        )
    if disk.instance_id:
        raise Refusal(
            f"{disk.disk_id} is attached to another instance, {disk.instance_id} "
            f"({disk.device}, {disk.status}); a disk attaches to one instance at a time. Copy "
            f"it instead: create_snapshot, then create_disk_from_snapshot for {where}."
        )
    if disk.zone_id != target.zone_id:
        raise Refusal(
            f"{disk.disk_id} is in {disk.zone_id} and {target.instance_id} in "
            f"{target.zone_id}; ECS attaches a disk only to an instance of its own zone. "
            f"create_disk_from_snapshot(target_instance_id={target.instance_id!r}) makes a "
            f"copy in {target.zone_id}."
        )
    if disk.status != DiskStatus.AVAILABLE:
        raise Refusal(
            f"{disk.disk_id} is {disk.status}; ECS attaches only an Available disk. Wait for "
            "it (wait_operation, if an operation is creating it), then call again."
        )
    if disk.category == "cloud_essd_entry" and not essd_entry_allowed(target.instance_type):
        raise Refusal(
            f"{disk.disk_id} is cloud_essd_entry, which attaches only to "
            f"{' and '.join(sorted(ESSD_ENTRY_FAMILIES))} instance types; {target.instance_id} "
            f"is {target.instance_type}."
        )
    count = len(target.data_disks)
    if max_data_disks is not None and count >= max_data_disks:
        raise Refusal(
            f"{target.instance_id} ({target.instance_type}) already has {count} data disks, "
            f"the most its type takes ({max_data_disks}); detach one there first or choose "
            "another target instance."
        )


# --- the target's layout -----------------------------------------------------------------


class LayoutRow(Frozen):
    """One disk of the target instance as ECS describes it after the change."""

    device: str
    disk_id: str
    kind: DiskKind
    category: str
    size_gib: int
    performance_level: str | None
    status: str
    new: bool


def disk_layout(instance: Instance, new_disk_ids: Collection[str]) -> list[LayoutRow]:
    """Every disk of the instance, system disk first, then by device."""
    ordered = sorted(instance.disks, key=device_order)
    return [
        LayoutRow(
            device=d.device,
            disk_id=d.disk_id,
            kind=d.kind,
            category=d.category,
            size_gib=d.size_gib,
            performance_level=d.performance_level,
            status=d.status,
            new=d.disk_id in new_disk_ids,
        )
        for d in ordered
    ]


def layout_markdown(rows: Sequence[LayoutRow]) -> str:
    """The layout as a GitHub-flavoured markdown table; cloud text cannot break it."""
    return table_markdown(
        ["Device", "Disk ID", "Type", "Category", "Size (GiB)", "PL", "Status", "Note"],
        [
            [
                r.device or NONE,
                r.disk_id,
                r.kind,
                r.category,
                str(r.size_gib),
                r.performance_level or NONE,
                r.status,
                "attached now" if r.new else "",
            ]
            for r in rows
        ],
    )


def mount_reminder(disk_id: str, device: str, instance_id: str) -> str:
    """What is left to do inside the OS, said without a single OS command: the server does not
    know the instance's operating system or how the disk is meant to be used."""
    return (
        f"{disk_id} is attached to {instance_id} at {device}, but the operating system does "
        "not use it yet: it still has to be mounted inside the instance (made visible to the "
        "OS, its file system mounted where the workload expects it, and kept across reboots "
        "if that is wanted). Do this as that OS and workload require; no commands are given "
        "here, since the server does not know the OS."
    )


class AttachResult(Frozen):
    """The disk In_use on the target, the target's whole disk layout, what is left to do."""

    region_id: str
    disk_id: str
    target_instance_id: str
    device: str
    instance_status: str
    layout: list[LayoutRow]
    reminder: str

    @property
    def markdown(self) -> str:
        """The disk layout as a markdown table, cells escaped."""
        return layout_markdown(self.layout)

"""Snapshots and snapshot-consistent groups (ECS-FACTS: CreateSnapshotGroup; Snapshots and
zone failure).

A snapshot is `progressing` until its upload to zone-redundant storage ends (`accomplished`, or
`failed` when a fault says so). ESSD-family snapshots are usable for new ESSD disks a few
seconds in (instant access, the `Available` field); others only once accomplished.

Codes and statuses: the ECS API reference pages CreateSnapshot, CreateSnapshotGroup and
DeleteSnapshot, their error tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.errors import (
    CapacityExceedTooManyDisks,
    DiskCategoryOperationNotSupported,
    ExcludeDiskIdsAndDiskIdsConflict,
    IncorrectDiskStatus,
    IncorrectDiskStatusCreatingSnapshot,
    IncorrectDiskStatusNeverAttached,
    InvalidDiskIdNotFound,
    InvalidDiskIdsNotInSameZone,
    InvalidInstanceIdNotFound,
    InvalidInstanceNoDisk,
    InvalidOperationMultiAttachDisk,
    InvalidSnapshotIdNotFound,
    InvalidSnapshotIdNotReady,
    MissingParamterInstanceId,
    NumberExceedTooManyDisks,
    SnapshotCreatedDisk,
    SnapshotCreatedImage,
)
from ecs_dr.sandbox.models import durations, quotas
from ecs_dr.sandbox.models.disks import attached_disks, check_instance_operable
from ecs_dr.sandbox.models.lifecycle import Lifecycle
from ecs_dr.sandbox.models.resources import Disk, Region, Snapshot, SnapshotGroup
from ecs_dr.sandbox.models.tags import drop_tags

SNAPSHOT_STATUSES = ("progressing", "accomplished", "failed")
# CreateSnapshot's page: no snapshot of a disk "while a snapshot is being created for the disk"
# (the user guide lets an ESSD have 10 at once; the sandbox keeps to the API reference, the
# stricter). CreateSnapshotGroup counts the same in-flight snapshots.
MAX_SNAPSHOTS_IN_FLIGHT = 1
# CreateSnapshotGroup's page: DiskId.N 1-16 and at most 32 TiB in all, in every region. (The
# user guide and an older reading of the page allowed 128 disks / 256 TiB in a few regions;
# that could not be confirmed against the API reference, so no region gets more.)
MAX_GROUP_DISKS = 16
MAX_GROUP_GIB = 32 * 1024


# --- reading a snapshot's state ------------------------------------------------------------
def status(snapshot: Snapshot, now: float) -> str:
    return snapshot.lifecycle.status(now)


def instant_access(snapshot: Snapshot) -> bool:
    """ECS turns instant access on for every ESSD-family snapshot and never for others."""
    return snapshot.source_disk_category in durations.ESSD_FAMILY


def is_available(snapshot: Snapshot, now: float) -> bool:
    """Usable to create disks now: instant access reached, and the snapshot is not failing."""
    return snapshot.lifecycle.final == "accomplished" and now >= snapshot.available_at


def progress(snapshot: Snapshot, now: float) -> int:
    """Percent uploaded; a failed upload never reached 100."""
    percent = snapshot.lifecycle.progress(now)
    return min(percent, 99) if status(snapshot, now) == "failed" else percent


def remain_time(snapshot: Snapshot, now: float) -> int:
    """Seconds until the upload ends (0 once it has)."""
    return max(0, int(snapshot.lifecycle.finishes_at - now + 0.999))


def usage(region: Region, snapshot_id: str) -> str:
    """DescribeSnapshots' `Usage`: what was created from the snapshot."""
    by_image = is_used_by_image(region, snapshot_id)
    by_disk = is_used_by_disk(region, snapshot_id)
    if by_image and by_disk:
        return "image_disk"
    return "image" if by_image else "disk" if by_disk else "none"


def is_used_by_image(region: Region, snapshot_id: str) -> bool:
    return any(m.snapshot_id == snapshot_id for i in region.images.values() for m in i.mappings)


def is_used_by_disk(region: Region, snapshot_id: str) -> bool:
    return any(d.source_snapshot_id == snapshot_id for d in region.disks.values())


def in_flight(region: Region, disk_id: str, now: float) -> int:
    return sum(
        1
        for s in region.snapshots.values()
        if s.source_disk_id == disk_id and status(s, now) == "progressing"
    )


def group_status(region: Region, group: SnapshotGroup, now: float) -> str:
    """`failed` once any member failed, `progressing` while any uploads, else `accomplished`."""
    members = [
        status(region.snapshots[s], now) for s in group.snapshot_ids if s in region.snapshots
    ]
    if "failed" in members:
        return "failed"
    return "progressing" if "progressing" in members else "accomplished"


def find_snapshot(backend: Backend, snapshot_id: str) -> tuple[Region, Snapshot] | None:
    """The snapshot and its region, looked up by id alone (DeleteSnapshot has no RegionId)."""
    return backend.locate(lambda region: region.snapshots, snapshot_id)


def snapshot_for_disk(region: Region, snapshot_id: str, category: str, now: float) -> Snapshot:
    """The snapshot CreateDisk may restore into a `category` disk.

    An ESSD-family disk may come from an in-progress snapshot with instant access; anything
    else needs `accomplished`. Raises InvalidSnapshotId.NotFound (404) / .NotReady (403).
    """
    snapshot = region.snapshots.get(snapshot_id)
    if snapshot is None:
        raise InvalidSnapshotIdNotFound(snapshot_id)
    current = status(snapshot, now)
    essd_target = category in durations.ESSD_FAMILY
    if current == "accomplished" or (essd_target and is_available(snapshot, now)):
        return snapshot
    raise InvalidSnapshotIdNotReady(
        f"The snapshot {snapshot_id} is {current} ({progress(snapshot, now)}%); a {category} "
        "disk needs it accomplished" + (" or instantly available." if essd_target else ".")
    )


# --- CreateSnapshot --------------------------------------------------------------------------
def check_snapshottable(region: Region, disk: Disk, now: float) -> None:
    """A disk takes a snapshot when `In_use` on a Running/Stopped instance, or `Available`
    after it was attached once, and no snapshot of it is in progress.

    Raises IncorrectDiskStatus (403), IncorrectDiskStatus.NeverAttached (403),
    IncorrectInstanceStatus (400) and IncorrectDiskStatus.CreatingSnapshot (403).
    """
    current = disk.lifecycle.status(now)
    if current == "In_use":
        instance = region.instances.get(disk.instance_id or "")
        if instance is not None:
            check_instance_operable(instance, now)
    elif current != "Available":
        raise IncorrectDiskStatus(
            f"The disk {disk.disk_id} is {current}; it must be In_use or Available."
        )
    elif not disk.attached_once:
        raise IncorrectDiskStatusNeverAttached(
            f"The disk {disk.disk_id} has never been attached to an instance; it has no data "
            "to snapshot."
        )
    if in_flight(region, disk.disk_id, now) >= MAX_SNAPSHOTS_IN_FLIGHT:
        raise IncorrectDiskStatusCreatingSnapshot(
            f"A snapshot of the disk {disk.disk_id} is in progress; try again once it is "
            "accomplished."
        )


def _add_snapshot(
    backend: Backend,
    region: Region,
    disk: Disk,
    *,
    name: str,
    description: str,
    final: str,
    group_id: str = "",
) -> Snapshot:
    now = backend.now()
    upload = durations.snapshot_upload(disk.size, disk.category)
    upload *= backend.durations.factor("snapshot")
    essd = disk.category in durations.ESSD_FAMILY
    snapshot = Snapshot(
        snapshot_id=backend.new_id("s", region.region_id),
        snapshot_name=name,
        source_disk_id=disk.disk_id,
        source_disk_type=disk.type,
        source_disk_size=disk.size,
        source_disk_category=disk.category,
        available_at=now + (durations.SNAPSHOT_INSTANT_ACCESS_S if essd else upload),
        lifecycle=Lifecycle(started_at=now, stages=[("progressing", upload)], final=final),
        created_at=now,
        snapshot_group_id=group_id,
        description=description,
    )
    region.snapshots[snapshot.snapshot_id] = snapshot
    return snapshot


def create_snapshot(
    backend: Backend, region: Region, disk: Disk, *, name: str, description: str
) -> Snapshot:
    """Start a snapshot of `disk`; see check_snapshottable and quotas.check_snapshots for what
    it raises."""
    check_snapshottable(region, disk, backend.now())
    quotas.check_snapshots(backend, region, 1)
    final = backend.outcomes.take("CreateSnapshot") or "accomplished"
    return _add_snapshot(backend, region, disk, name=name, description=description, final=final)


# --- CreateSnapshotGroup ---------------------------------------------------------------------
@dataclass(frozen=True)
class GroupRequest:
    """CreateSnapshotGroup's parameters, parsed."""

    instance_id: str | None
    disk_ids: list[str]
    exclude_disk_ids: list[str]
    name: str
    description: str


def _group_disks(backend: Backend, region: Region, request: GroupRequest) -> list[Disk]:
    """The disks a group covers: DiskId.N, or the instance's disks minus ExcludeDiskId.N."""
    now = backend.now()
    if request.disk_ids and request.exclude_disk_ids:
        raise ExcludeDiskIdsAndDiskIdsConflict()
    wanted = list(dict.fromkeys(request.disk_ids))
    if request.instance_id is None:
        if not wanted:
            raise MissingParamterInstanceId()
        disks = []
        for disk_id in wanted:
            disk = region.disks.get(disk_id)
            if disk is None:
                raise InvalidDiskIdNotFound(disk_id)
            disks.append(disk)
        zones = sorted({d.zone_id for d in disks})
        if len(zones) > 1:
            raise InvalidDiskIdsNotInSameZone(
                f"The disks of one group must be in one zone; these are in {', '.join(zones)}."
            )
        return disks
    instance = region.instances.get(request.instance_id)
    if instance is None:
        raise InvalidInstanceIdNotFound(request.instance_id)
    check_instance_operable(instance, now)
    on_instance = {d.disk_id: d for d in attached_disks(region, instance.instance_id)}
    if not on_instance:
        raise InvalidInstanceNoDisk()
    for disk_id in (*wanted, *request.exclude_disk_ids):
        if disk_id not in on_instance:
            raise InvalidDiskIdNotFound(disk_id)
    if wanted:
        return [on_instance[d] for d in wanted]
    chosen = [d for d in on_instance.values() if d.disk_id not in request.exclude_disk_ids]
    if not chosen:
        raise InvalidInstanceNoDisk("Every disk of the instance was excluded.")
    return chosen


def _check_group_disks(region: Region, disks: list[Disk], now: float) -> None:
    for disk in disks:
        if disk.category not in durations.ESSD_FAMILY:
            raise DiskCategoryOperationNotSupported(
                f"The disk {disk.disk_id} is {disk.category}; snapshot-consistent groups take "
                "only cloud_essd, cloud_auto and cloud_essd_entry disks. Exclude it with "
                "ExcludeDiskId.N and snapshot it with CreateSnapshot."
            )
        if disk.multi_attach:
            raise InvalidOperationMultiAttachDisk(
                f"The disk {disk.disk_id} is multi-attach; exclude it with ExcludeDiskId.N."
            )
        check_snapshottable(region, disk, now)
    if len(disks) > MAX_GROUP_DISKS:
        raise NumberExceedTooManyDisks(
            f"A group holds at most {MAX_GROUP_DISKS} disks, not {len(disks)}."
        )
    total = sum(d.size for d in disks)
    if total > MAX_GROUP_GIB:
        raise CapacityExceedTooManyDisks(
            f"A group holds at most {MAX_GROUP_GIB} GiB, not {total} GiB."
        )


def create_snapshot_group(backend: Backend, region: Region, request: GroupRequest) -> SnapshotGroup:
    """Validate every rule of CreateSnapshotGroup, then start one snapshot per disk."""
    now = backend.now()
    disks = _group_disks(backend, region, request)
    _check_group_disks(region, disks, now)
    quotas.check_snapshots(backend, region, len(disks))
    group_id = backend.new_id("ssg", region.region_id)
    final = backend.outcomes.take("CreateSnapshotGroup") or "accomplished"
    snapshots = [
        _add_snapshot(
            backend,
            region,
            disk,
            name="",
            description=f"Created by snapshot-consistent group {group_id}",
            final=final,
            group_id=group_id,
        )
        for disk in disks
    ]
    group = SnapshotGroup(
        snapshot_group_id=group_id,
        name=request.name,
        instance_id=request.instance_id or "",
        snapshot_ids=[s.snapshot_id for s in snapshots],
        created_at=now,
        description=request.description,
    )
    region.snapshot_groups[group_id] = group
    return group


# --- deletion ------------------------------------------------------------------------------
def _remove_snapshot(region: Region, snapshot: Snapshot) -> None:
    del region.snapshots[snapshot.snapshot_id]
    drop_tags(region, "snapshot", snapshot.snapshot_id)
    group = region.snapshot_groups.get(snapshot.snapshot_group_id)
    if group is not None and snapshot.snapshot_id in group.snapshot_ids:
        group.snapshot_ids.remove(snapshot.snapshot_id)


def delete_snapshot(region: Region, snapshot: Snapshot, *, force: bool, now: float) -> None:
    """Delete an accomplished or failed snapshot.

    Raises IncorrectDiskStatus.CreatingSnapshot (400) while it is in progress, SnapshotCreatedImage
    (403) while an image uses it, SnapshotCreatedDisk (403) while a disk came from it and `force`
    is false.
    """
    # DeleteSnapshot's page contradicts itself: its description says deleting a snapshot being
    # created cancels it; its error table lists IncorrectDiskStatus.CreatingSnapshot (400, "A
    # previous snapshot creation is in process"). The table wins, and is the stricter.
    if status(snapshot, now) == "progressing":
        raise IncorrectDiskStatusCreatingSnapshot(
            f"The snapshot {snapshot.snapshot_id} is in progress; delete it once it is "
            "accomplished.",
            status=400,
        )
    if is_used_by_image(region, snapshot.snapshot_id):
        raise SnapshotCreatedImage(
            f"The snapshot {snapshot.snapshot_id} backs a custom image; delete the image first."
        )
    if not force and is_used_by_disk(region, snapshot.snapshot_id):
        raise SnapshotCreatedDisk(
            f"Disks were created from {snapshot.snapshot_id}; pass Force=true to delete it anyway."
        )
    _remove_snapshot(region, snapshot)


def delete_snapshot_group(region: Region, group: SnapshotGroup) -> list[tuple[str, str]]:
    """Delete the group and its snapshots; a snapshot backing an image is kept (ECS keeps it).

    Returns (snapshot id, error code or "") per member, for OperationProgressSet.
    """
    outcome: list[tuple[str, str]] = []
    for snapshot_id in list(group.snapshot_ids):
        snapshot = region.snapshots.get(snapshot_id)
        if snapshot is None:
            continue
        if is_used_by_image(region, snapshot_id):
            snapshot.snapshot_group_id = ""
            outcome.append((snapshot_id, SnapshotCreatedImage.code))
        else:
            _remove_snapshot(region, snapshot)
            outcome.append((snapshot_id, ""))
    del region.snapshot_groups[group.snapshot_group_id]
    drop_tags(region, "snapshotgroup", group.snapshot_group_id)
    return outcome

"""Disks: finding them (and their instances) across regions, and the rules CreateDisk,
AttachDisk, DeleteDisk and ResizeDisk (an operator's change of a source disk) enforce
(ECS-FACTS: CreateDisk, AttachDisk; codes and statuses from those actions' API reference pages).

Several disk actions (AttachDisk, DeleteDisk, CreateSnapshot) carry no RegionId in the SDK's
request, so ECS resolves the resource by id; so do we.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.errors import (
    IncorrectDiskStatus,
    IncorrectDiskStatusInitializing,
    IncorrectInstanceStatus,
    InstanceDiskLimitExceeded,
    InvalidDeviceInUse,
    InvalidDeviceMalformed,
    InvalidDiskCategoryNotSupported,
    InvalidDiskIdNotFound,
    InvalidDiskSizeTooSmall,
    InvalidInstanceIdNotFound,
    InvalidInstanceTypeNotSupportDiskCategory,
    InvalidParameter,
    InvalidParameterNewSize,
    InvalidZoneIdNotFound,
    OperationDenied,
    ResourcesNotInSameZone,
)
from ecs_dr.sandbox.models import durations, quotas
from ecs_dr.sandbox.models.disk_rules import (
    CATEGORY_SIZE_RANGES,
    DATA_DEVICE,
    ESSD_ENTRY_FAMILIES,
    PL_SIZE_RANGES,
    SYSTEM_DISK_MAX_GIB,
    check_size,
    resolve_performance_level,
)
from ecs_dr.sandbox.models.lifecycle import Lifecycle
from ecs_dr.sandbox.models.resources import Disk, Instance, Region, Snapshot
from ecs_dr.sandbox.models.tags import drop_tags

# An instance takes attach/snapshot operations only in these states.
OPERABLE_INSTANCE_STATUSES = ("Running", "Stopped")
DATA_DEVICES = tuple(f"/dev/xvd{letter}" for letter in "bcdefghijklmnopqrstuvwxyz")
DISK_STATUSES = ("In_use", "Available", "Attaching", "Detaching", "Creating", "ReIniting")


def find_disk(backend: Backend, disk_id: str, region_id: str | None = None) -> tuple[Region, Disk]:
    """The disk and its region; raises InvalidDiskId.NotFound (404)."""
    found = backend.locate(lambda region: region.disks, disk_id, region_id)
    if found is None:
        raise InvalidDiskIdNotFound(disk_id)
    return found


def check_instance_operable(instance: Instance, now: float) -> None:
    """Raises IncorrectInstanceStatus (400) unless the instance is Running or Stopped."""
    status = instance.lifecycle.status(now)
    if status not in OPERABLE_INSTANCE_STATUSES:
        raise IncorrectInstanceStatus(
            f"The instance {instance.instance_id} is {status}; it must be Running or Stopped."
        )


def attached_disks(region: Region, instance_id: str) -> list[Disk]:
    """Disks on the instance (attached or attaching), system disk first."""
    disks = [d for d in region.disks.values() if d.instance_id == instance_id]
    return sorted(disks, key=lambda d: (d.type != "system", d.device))


def multi_attach_label(disk: Disk) -> str:
    return "Enabled" if disk.multi_attach else "Disabled"


# --- AttachDisk ----------------------------------------------------------------------------
def check_attachable(backend: Backend, region: Region, instance: Instance, category: str) -> None:
    """What the instance must allow before a data disk of `category` joins it.

    Raises IncorrectInstanceStatus (400), InstanceDiskLimitExceeded (403) and
    InvalidInstanceType.NotSupportDiskCategory (403).
    """
    check_instance_operable(instance, backend.now())
    spec = backend.instance_types.get(instance.instance_type)
    data_disks = [d for d in attached_disks(region, instance.instance_id) if d.type == "data"]
    if spec is not None and len(data_disks) >= spec.max_data_disks:
        raise InstanceDiskLimitExceeded(
            f"{instance.instance_type} takes at most {spec.max_data_disks} data disks."
        )
    family = spec.family if spec is not None else ""
    if category == "cloud_essd_entry" and family not in ESSD_ENTRY_FAMILIES:
        raise InvalidInstanceTypeNotSupportDiskCategory(
            f"cloud_essd_entry disks attach only to {' and '.join(ESSD_ENTRY_FAMILIES)} "
            f"instance types, not {instance.instance_type}."
        )


def next_device(region: Region, instance_id: str) -> str:
    """The first free data device (`/dev/xvdb` onwards) on the instance."""
    taken = {d.device for d in attached_disks(region, instance_id)}
    for device in DATA_DEVICES:
        if device not in taken:
            return device
    raise InstanceDiskLimitExceeded("The instance has no free data device left.")


def check_device(region: Region, instance_id: str, device: str) -> None:
    """An explicitly requested device must be a free `/dev/xvd[b-z]`."""
    if not DATA_DEVICE.match(device):
        raise InvalidDeviceMalformed(f"{device} is not a data device (/dev/xvdb../dev/xvdz).")
    if any(d.device == device for d in attached_disks(region, instance_id)):
        raise InvalidDeviceInUse(f"{device} is already used on {instance_id}.")


def _attaching(backend: Backend) -> tuple[str, float]:
    return ("Attaching", durations.DISK_ATTACHING_S * backend.durations.factor("attach"))


def attach_disk(
    backend: Backend,
    region: Region,
    instance: Instance,
    disk: Disk,
    *,
    device: str | None,
    delete_with_instance: bool | None,
) -> None:
    """Attach an `Available` disk: `Attaching`, then `In_use`.

    Raises ResourcesNotInSameZone (403), IncorrectDiskStatus (403: AttachDisk's page, "The
    expected disk status is Available"; a disk still Creating gets it too) and check_attachable's
    codes.
    """
    now = backend.now()
    if disk.zone_id != instance.zone_id:
        raise ResourcesNotInSameZone(
            f"The disk {disk.disk_id} is in {disk.zone_id}; the instance is in {instance.zone_id}."
        )
    status = disk.lifecycle.status(now)
    if status != "Available":
        raise IncorrectDiskStatus(f"The disk {disk.disk_id} is {status}; it must be Available.")
    check_attachable(backend, region, instance, disk.category)
    if device is not None:
        check_device(region, instance.instance_id, device)
    disk.device = device or next_device(region, instance.instance_id)
    disk.instance_id = instance.instance_id
    disk.attached_once = True
    if delete_with_instance is not None:
        disk.delete_with_instance = delete_with_instance
    disk.lifecycle = Lifecycle(
        started_at=now,
        stages=[_attaching(backend)],
        final="In_use",
    )


# --- CreateDisk ----------------------------------------------------------------------------
@dataclass(frozen=True)
class DiskRequest:
    """CreateDisk's parameters, parsed."""

    category: str
    size: int | None
    performance_level: str | None
    disk_name: str
    multi_attach: bool
    zone_id: str | None = None
    instance_id: str | None = None


def new_disk(
    backend: Backend, region: Region, request: DiskRequest, source: Snapshot | None
) -> Disk:
    """Validate a CreateDisk request and add the disk, `Creating` then `Available`.

    With InstanceId the disk lands in that instance's zone and is attached when created.
    `source` must already be checked as usable (snapshots.snapshot_for_disk). A snapshot larger
    than `Size` wins, as ECS documents; without `Size` the snapshot's size is taken. A new
    pay-as-you-go disk must fit the region's quota (QuotaExceed.PostPaidDisk, 403).
    """
    now = backend.now()
    instance = None
    if request.instance_id is not None:
        instance = region.instances.get(request.instance_id)
        if instance is None:
            raise InvalidInstanceIdNotFound(request.instance_id)
        zone_id = instance.zone_id
    else:
        zone_id = request.zone_id or ""
    zone = region.zones.get(zone_id)
    if zone is None:
        raise InvalidZoneIdNotFound(zone_id)
    if request.category not in zone.disk_categories:
        raise InvalidDiskCategoryNotSupported(
            f"{request.category} disks are not sold in {zone_id}; "
            f"it sells {', '.join(zone.disk_categories)}."
        )
    if request.multi_attach and request.category != "cloud_essd":
        raise InvalidParameter("MultiAttach", "only cloud_essd disks can be multi-attached")
    size = request.size
    if source is not None:
        size = max(size or 0, source.source_disk_size)
    if size is None:
        raise InvalidParameter("Size", "Size is required unless SnapshotId is given")
    level = resolve_performance_level(
        request.category, request.performance_level, "PerformanceLevel"
    )
    check_size(request.category, level, size, system=False)
    if instance is not None:
        check_attachable(backend, region, instance, request.category)
    # A disk created for an instance bills as the instance does; any other is pay-as-you-go.
    charge_type = instance.instance_charge_type if instance is not None else quotas.POSTPAID
    if charge_type == quotas.POSTPAID:
        quotas.check_postpaid_disks(backend, region, [size])

    stages = [("Creating", durations.disk_creation(size) * backend.durations.factor("disk"))]
    final = "Available"
    if instance is not None:
        stages.append(_attaching(backend))
        final = "In_use"
    disk = Disk(
        disk_id=backend.new_id("d", region.region_id),
        disk_name=request.disk_name,
        zone_id=zone_id,
        category=request.category,
        size=size,
        performance_level=level,
        type="data",
        lifecycle=Lifecycle(
            started_at=now, stages=stages, final=backend.outcomes.take("CreateDisk") or final
        ),
        created_at=now,
        source_snapshot_id=source.snapshot_id if source is not None else "",
        multi_attach=request.multi_attach,
        charge_type=charge_type,
    )
    if instance is not None:
        disk.instance_id = instance.instance_id
        disk.device = next_device(region, instance.instance_id)
        disk.attached_once = True
    region.disks[disk.disk_id] = disk
    return disk


# --- DeleteDisk ----------------------------------------------------------------------------
def delete_disk(backend: Backend, region: Region, disk: Disk) -> None:
    """Release an `Available` disk.

    Raises (DeleteDisk's page) IncorrectDiskStatus.Initializing (403) while it is still being
    created, IncorrectDiskStatus (403) in any other state but Available.
    """
    status = disk.lifecycle.status(backend.now())
    if status == "Creating":
        raise IncorrectDiskStatusInitializing(
            f"The disk {disk.disk_id} is still being created; release it once it is Available."
        )
    if status != "Available" or disk.instance_id:
        raise IncorrectDiskStatus(
            f"The disk {disk.disk_id} is {status}; only an Available disk can be released."
        )
    del region.disks[disk.disk_id]
    drop_tags(region, "disk", disk.disk_id)


# --- ResizeDisk ----------------------------------------------------------------------------
RESIZE_TYPES = ("offline", "online")


def _largest(disk: Disk) -> int:
    """The most GiB the disk's category (and PL) holds; a system disk at most 2048."""
    if disk.category == "cloud_essd" and disk.performance_level is not None:
        _, high = PL_SIZE_RANGES[disk.performance_level]
    else:
        _, high = CATEGORY_SIZE_RANGES.get(disk.category, (1, 65536))
    return min(high, SYSTEM_DISK_MAX_GIB) if disk.type == "system" else high


def resize_disk(
    backend: Backend, region: Region, disk: Disk, new_size: int, *, snapshot_in_progress: bool
) -> None:
    """ResizeDisk: larger only, within what the category holds; the disk Available, or In_use
    on a Running or Stopped instance, with no snapshot of it in progress.

    Raises (ResizeDisk's page) OperationDenied (403) for the disk's or its instance's status
    or a snapshot in progress, InvalidDiskSize.TooSmall (403) for a NewSize not larger than
    the disk, InvalidParameter (403) for one beyond its category.
    """
    now = backend.now()
    status = disk.lifecycle.status(now)
    instance = region.instances.get(disk.instance_id or "")
    operable = status == "Available" or (
        status == "In_use"
        and (instance is None or instance.lifecycle.status(now) in OPERABLE_INSTANCE_STATUSES)
    )
    if not operable or snapshot_in_progress:
        raise OperationDenied(
            "The status of the disk or the instance that this disk is attaching with does not "
            "support the operation."
        )
    if new_size <= disk.size:
        raise InvalidDiskSizeTooSmall(
            f"NewSize {new_size} GiB is not larger than the disk's {disk.size} GiB."
        )
    if new_size > _largest(disk):
        raise InvalidParameterNewSize(
            f'The specified parameter "NewSize" is not valid: a {disk.category} {disk.type} '
            f"disk holds at most {_largest(disk)} GiB."
        )
    disk.size = new_size

"""Images: CreateImage's mapping rules, the public images every region offers, DeleteImage.

A custom image is a list of disk device mappings (one system snapshot at `/dev/xvda`, up to 16
data snapshots at `/dev/xvdb`..`/dev/xvdz`). It is `Creating` for a while, then `Available`, or
whatever status an injected outcome fault names (`CreateFailed`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.clock import EPOCH
from ecs_dr.sandbox.errors import (
    DryRunOperation,
    ImageIsCreating,
    ImageUsingByInstance,
    IncorrectDiskStatusCreatingSnapshot,
    IncorrectInstanceStatus,
    InvalidDeviceInUse,
    InvalidDeviceMalformed,
    InvalidImageNameDuplicated,
    InvalidImageNameMalformed,
    InvalidInstanceIdNotFound,
    InvalidParameter,
    InvalidSizeValueNotSupported,
    InvalidSnapshotIdNotFound,
    InvalidSnapshotIdNotReady,
    InvalidSystemSnapshotMissing,
    OperationDenied,
)
from ecs_dr.sandbox.models import durations, quotas, snapshots
from ecs_dr.sandbox.models.disk_rules import DATA_DEVICE, SYSTEM_DEVICE, SYSTEM_DISK_MAX_GIB
from ecs_dr.sandbox.models.lifecycle import Lifecycle
from ecs_dr.sandbox.models.resources import (
    Disk,
    DiskDeviceMapping,
    Image,
    Instance,
    Region,
    Snapshot,
)
from ecs_dr.sandbox.models.tags import drop_tags

MAX_DATA_MAPPINGS = 16
MAX_DATA_DISK_GIB = 65536
IMAGE_STATUSES = ("Creating", "Waiting", "Available", "UnAvailable", "CreateFailed", "Deprecated")
DEFAULT_OS_NAME = "Alibaba Cloud Linux 3"
DEFAULT_PLATFORM = "Aliyun"
DATA_DEVICES = tuple(f"/dev/xvd{letter}" for letter in "bcdefghijklmnopqrstuvwxyz")


def _public_image(image_id: str, os_name: str, platform: str) -> Image:
    return Image(
        image_id=image_id,
        image_name=image_id,
        mappings=[DiskDeviceMapping(SYSTEM_DEVICE, "system", "", 20)],
        lifecycle=Lifecycle.fixed("Available", EPOCH),
        created_at=EPOCH,
        description=f"{os_name}, the public image ECS offers in every region.",
        os_name=os_name,
        platform=platform,
        image_owner_alias="system",
    )


# The public images the seeded instances were launched from; RunInstances takes them too.
PUBLIC_IMAGES = {
    image.image_id: image
    for image in (
        _public_image(
            "aliyun_3_x64_20G_alibase_20260101.vhd",
            "Alibaba Cloud Linux 3.2104 LTS 64 bit",
            "Aliyun",
        ),
        _public_image("ubuntu_22_04_x64_20G_alibase_20260101.vhd", "Ubuntu 22.04 64 bit", "Ubuntu"),
    )
}


@dataclass(frozen=True)
class MappingRequest:
    """One `DiskDeviceMapping.N` as sent; every field may be omitted."""

    snapshot_id: str | None = None
    size: int | None = None
    device: str | None = None
    disk_type: str | None = None
    format: str = ""


@dataclass(frozen=True)
class ImageRequest:
    image_name: str | None
    description: str
    snapshot_id: str | None
    mappings: list[MappingRequest]
    instance_id: str | None
    platform: str | None
    architecture: str


def progression(
    now: float, stages: list[tuple[str, float]], final: str, fault: str | None
) -> Lifecycle:
    """A lifecycle through `stages` to `final`, or stopping at the status a fault names."""
    if fault is None:
        return Lifecycle(started_at=now, final=final, stages=stages)
    names = [name for name, _ in stages]
    if fault not in names:
        return Lifecycle(started_at=now, final=fault, stages=stages)
    held = names.index(fault)
    return Lifecycle(started_at=now, final=fault, stages=stages[:held], held=(final, stages[held:]))


def find_image(region: Region, image_id: str) -> Image | None:
    """A custom image of the region or a public image."""
    return region.images.get(image_id) or PUBLIC_IMAGES.get(image_id)


def all_images(region: Region) -> list[Image]:
    """Public images first, then the region's custom images, newest first (as ECS lists them)."""
    custom = sorted(region.images.values(), key=lambda image: image.created_at, reverse=True)
    return [*PUBLIC_IMAGES.values(), *custom]


def image_size(image: Image) -> int:
    """ECS reports an image's size as its system disk's."""
    return next((m.size for m in image.mappings if m.type == "system"), 0)


def image_usage(region: Region, image_id: str) -> str:
    in_use = any(inst.image_id == image_id for inst in region.instances.values())
    return "instance" if in_use else "none"


def check_image_name(region: Region, name: str | None) -> None:
    """ECS's name rule (2-128 characters, a letter first, no URL) and uniqueness in the region."""
    if name is None:
        return
    if (
        not 2 <= len(name) <= 128
        or not name[0].isalpha()
        or name.startswith(("http://", "https://"))
    ):
        raise InvalidImageNameMalformed()
    if any(image.image_name == name for image in region.images.values()):
        raise InvalidImageNameDuplicated(f"The image name {name!r} is already used in the region.")


def _ready_snapshot(region: Region, snapshot_id: str, now: float) -> Snapshot:
    snapshot = region.snapshots.get(snapshot_id)
    if snapshot is None:
        raise InvalidSnapshotIdNotFound(snapshot_id)
    status = snapshot.lifecycle.status(now)
    if status != "accomplished":
        raise InvalidSnapshotIdNotReady(
            f"The snapshot {snapshot_id} is {status}; an image needs an accomplished snapshot."
        )
    return snapshot


def _disk_type(request: MappingRequest, region: Region) -> str:
    """DiskType when given, else what the device or the snapshot's source disk says."""
    if request.disk_type is not None:
        if request.disk_type not in ("system", "data"):
            raise InvalidParameter("DiskDeviceMapping.N.DiskType", "use system or data")
        return request.disk_type
    if request.device is not None:
        return "system" if request.device == SYSTEM_DEVICE else "data"
    snapshot = region.snapshots.get(request.snapshot_id or "")
    return snapshot.source_disk_type if snapshot is not None else "data"


def plan_mappings(
    region: Region, requests: list[MappingRequest], now: float
) -> list[DiskDeviceMapping]:
    """Validate DiskDeviceMapping.N the way ECS does and resolve defaults (device, size).

    Raises OperationDenied (400: no or several system snapshots), InvalidSystemSnapshot.Missing
    (403), InvalidDevice.Malformed / .InUse, InvalidSize.ValueNotSupported (400),
    InvalidSnapshotId.NotFound (404) / .NotReady (403).
    """
    typed = [(request, _disk_type(request, region)) for request in requests]
    systems = [request for request, kind in typed if kind == "system"]
    if len(systems) != 1:
        # 400 on CreateImage's page for both (none, two or more); its other OperationDenied: 403.
        raise OperationDenied(
            f"An image needs exactly one system disk snapshot; the request has {len(systems)}.",
            status=400,
        )
    if systems[0].snapshot_id is None:
        raise InvalidSystemSnapshotMissing()
    if len(typed) - 1 > MAX_DATA_MAPPINGS:
        raise InvalidParameter(
            "DiskDeviceMapping.N", f"at most {MAX_DATA_MAPPINGS} data disk snapshots"
        )
    taken: set[str] = set()
    for request, kind in typed:
        if request.device is None:
            continue
        valid = (
            request.device == SYSTEM_DEVICE
            if kind == "system"
            else bool(DATA_DEVICE.match(request.device))
        )
        if not valid:
            raise InvalidDeviceMalformed(
                f"The device {request.device!r} is not valid for a {kind} disk: the system disk "
                f"is {SYSTEM_DEVICE}, data disks /dev/xvdb to /dev/xvdz."
            )
        if request.device in taken:
            # 400 on CreateImage's page (403 on AttachDisk's and RunInstances').
            raise InvalidDeviceInUse(
                f"The device {request.device} is used by two mappings.", status=400
            )
        taken.add(request.device)
    free = iter(device for device in DATA_DEVICES if device not in taken)
    mappings = []
    for request, kind in typed:
        device = request.device or (SYSTEM_DEVICE if kind == "system" else next(free))
        mappings.append(_mapping(region, request, kind, device, now))
    return sorted(mappings, key=lambda m: m.device)


def _mapping(
    region: Region, request: MappingRequest, kind: str, device: str, now: float
) -> DiskDeviceMapping:
    source_size = 0
    if request.snapshot_id is not None:
        source_size = _ready_snapshot(region, request.snapshot_id, now).source_disk_size
    size = request.size if request.size is not None else source_size
    high = SYSTEM_DISK_MAX_GIB if kind == "system" else MAX_DATA_DISK_GIB
    if size < max(source_size, 1) or size > high:
        raise InvalidSizeValueNotSupported(
            f"The mapping at {device} has Size {size} GiB; it must be from "
            f"{max(source_size, 1)} (the snapshot's source disk) to {high} GiB."
        )
    return DiskDeviceMapping(
        device=device,
        type=kind,
        snapshot_id=request.snapshot_id or "",
        size=size,
        format=request.format,
    )


def _source_instance(region: Region, instance_id: str, now: float) -> Instance:
    """CreateImage from an instance needs it Running or Stopped, and no snapshot of its disks
    in progress (it snapshots each of them; CreateImage's page lists
    IncorrectDiskStatus.CreatingSnapshot, 403)."""
    instance = region.instances.get(instance_id)
    if instance is None:
        raise InvalidInstanceIdNotFound(instance_id)
    status = instance.lifecycle.status(now)
    if status not in ("Running", "Stopped"):
        raise IncorrectInstanceStatus(
            f"The instance {instance_id} is {status}; it must be Running or Stopped."
        )
    for disk in _instance_disks(region, instance):
        if snapshots.in_flight(region, disk.disk_id, now) >= snapshots.MAX_SNAPSHOTS_IN_FLIGHT:
            raise IncorrectDiskStatusCreatingSnapshot(
                f"A snapshot of the disk {disk.disk_id} is in progress; try again once it is "
                "accomplished."
            )
    return instance


def _instance_disks(region: Region, instance: Instance) -> list[Disk]:
    return sorted(
        (d for d in region.disks.values() if d.instance_id == instance.instance_id),
        key=lambda d: d.device,
    )


def _snapshot_instance(
    backend: Backend, region: Region, instance: Instance, now: float
) -> tuple[list[DiskDeviceMapping], float]:
    """Take one new snapshot per disk of the instance, as ECS does for CreateImage with an
    InstanceId; returns the mappings and when the last snapshot is uploaded."""
    mappings, ready_at = [], now
    for disk in _instance_disks(region, instance):
        upload = durations.snapshot_upload(disk.size, disk.category)
        upload *= backend.durations.factor("snapshot")
        instant = disk.category in durations.ESSD_FAMILY
        snapshot = Snapshot(
            snapshot_id=backend.new_id("s", region.region_id),
            snapshot_name="",
            source_disk_id=disk.disk_id,
            source_disk_type=disk.type,
            source_disk_size=disk.size,
            source_disk_category=disk.category,
            available_at=now + (durations.SNAPSHOT_INSTANT_ACCESS_S if instant else upload),
            lifecycle=Lifecycle(
                started_at=now, final="accomplished", stages=[("progressing", upload)]
            ),
            created_at=now,
            description=f"Created for an image of {instance.instance_id}.",
        )
        region.snapshots[snapshot.snapshot_id] = snapshot
        mappings.append(DiskDeviceMapping(disk.device, disk.type, snapshot.snapshot_id, disk.size))
        ready_at = max(ready_at, snapshot.lifecycle.finishes_at)
    return mappings, ready_at


def create_image(
    backend: Backend, region: Region, request: ImageRequest, *, dry_run: bool = False
) -> str:
    """Validate, then add an image in `Creating`; its id is answered at once.

    Sources by ECS's priority: InstanceId > DiskDeviceMapping > SnapshotId. Raises every
    mapping error of `plan_mappings`, InvalidImageName.*, QuotaExceed.Image (403),
    QuotaExceed.Snapshot / .ConcurrentSnapshotQuota (403) for an instance's snapshots, and
    DryRunOperation once everything is valid when `dry_run`.
    """
    now = backend.now()
    check_image_name(region, request.image_name)
    quotas.check_images(backend, region)
    instance = None
    mappings: list[DiskDeviceMapping] = []
    if request.instance_id is not None:
        instance = _source_instance(region, request.instance_id, now)
        # ECS snapshots every disk of the instance for the image: those count as snapshots.
        quotas.check_snapshots(backend, region, len(_instance_disks(region, instance)))
    else:
        requests = request.mappings
        if not requests and request.snapshot_id is not None:
            requests = [MappingRequest(snapshot_id=request.snapshot_id, disk_type="system")]
        if not requests:
            raise InvalidSystemSnapshotMissing()
        mappings = plan_mappings(region, requests, now)
    if dry_run:
        raise DryRunOperation()
    ready_at = now
    if instance is not None:
        mappings, ready_at = _snapshot_instance(backend, region, instance, now)
        os_name = instance.os_name
    else:
        os_name = _source_os(region, mappings) or DEFAULT_OS_NAME
    image_id = backend.new_id("m", region.region_id)
    creation = durations.image_creation(sum(m.size for m in mappings))
    creating = ready_at - now + creation * backend.durations.factor("image")
    image = Image(
        image_id=image_id,
        image_name=request.image_name or "",
        mappings=mappings,
        lifecycle=progression(
            now, [("Creating", creating)], "Available", backend.outcomes.take("CreateImage")
        ),
        created_at=now,
        description=request.description,
        os_name=os_name,
        platform=request.platform or DEFAULT_PLATFORM,
        architecture=request.architecture,
    )
    region.images[image_id] = image
    return image_id


def _source_os(region: Region, mappings: list[DiskDeviceMapping]) -> str | None:
    """The OS of the instance the system snapshot came from, when that is still known."""
    system = next(m for m in mappings if m.type == "system")
    snapshot = region.snapshots[system.snapshot_id]
    disk = region.disks.get(snapshot.source_disk_id)
    instance = region.instances.get(disk.instance_id or "") if disk is not None else None
    return instance.os_name if instance is not None else None


def delete_image(region: Region, image_id: str, force: bool, now: float) -> None:
    """Remove a custom image. An unknown id is ignored, as ECS documents.

    Raises ImageIsCreating (403) and, without Force, ImageUsingByInstance (403).
    """
    image = region.images.get(image_id)
    if image is None:
        return
    if image.lifecycle.status(now) == "Creating":
        raise ImageIsCreating()
    if not force and image_usage(region, image_id) == "instance":
        raise ImageUsingByInstance()
    del region.images[image_id]
    drop_tags(region, "image", image_id)

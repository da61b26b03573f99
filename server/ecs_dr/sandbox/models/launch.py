"""RunInstances: its checks and its launch.

A launch is planned first (every rule checked, nothing changed) and only then carried out, so a
refused request, or a DryRun, leaves the world as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.errors import (
    IncorrectVSwitchStatus,
    InstanceDiskLimitExceeded,
    InvalidDataDeviceMalformed,
    InvalidDataDiskCategoryValueNotSupported,
    InvalidDiskCategoryNotSupported,
    InvalidDiskSizeTooSmall,
    InvalidImageIdNotFound,
    InvalidInstanceTypeNotFound,
    InvalidInstanceTypeZoneNotSupported,
    InvalidParameter,
    InvalidParameterMismatch,
    InvalidSystemDiskCategoryValueNotSupported,
    InvalidSystemDiskSizeLessThanImageSize,
    InvalidZoneIdNotFound,
    MissingParameter,
    OperationDeniedNoStock,
    ZoneNotOnSale,
)
from ecs_dr.sandbox.models import durations, quotas
from ecs_dr.sandbox.models.catalog import stock_left, take_stock
from ecs_dr.sandbox.models.disk_rules import (
    DATA_DEVICE,
    ESSD_ENTRY_FAMILIES,
    check_size,
    resolve_performance_level,
)
from ecs_dr.sandbox.models.images import DATA_DEVICES, find_image, image_size, progression
from ecs_dr.sandbox.models.lifecycle import Lifecycle
from ecs_dr.sandbox.models.network import check_security_groups, require_vswitch
from ecs_dr.sandbox.models.resources import (
    Disk,
    Image,
    Instance,
    InstanceTypeSpec,
    Region,
    VSwitch,
    Zone,
)
from ecs_dr.sandbox.models.snapshots import snapshot_for_disk
from ecs_dr.sandbox.models.tags import tag_resource

DEFAULT_SYSTEM_CATEGORY = "cloud_essd"
DEFAULT_DATA_CATEGORY = "cloud_efficiency"
# An image's data disk with no DataDisk.N.Device override comes up as ESSD AutoPL (ECS-FACTS).
IMAGE_DATA_DISK_CATEGORY = "cloud_auto"
MIN_SYSTEM_DISK_GIB = 20


@dataclass(frozen=True)
class DiskRequest:
    """`SystemDisk.*` or one `DataDisk.N.*` as sent."""

    category: str | None = None
    size: int | None = None
    performance_level: str | None = None
    device: str | None = None
    snapshot_id: str | None = None
    delete_with_instance: bool = True


@dataclass(frozen=True)
class LaunchRequest:
    image_id: str
    instance_type: str
    vswitch_id: str
    security_group_ids: list[str]
    zone_id: str | None = None
    instance_name: str | None = None
    host_name: str | None = None
    instance_charge_type: str = "PostPaid"
    internet_charge_type: str = "PayByTraffic"
    internet_max_bandwidth_out: int = 0
    system_disk: DiskRequest = field(default_factory=DiskRequest)
    data_disks: list[DiskRequest] = field(default_factory=list)
    amount: int = 1
    min_amount: int | None = None


@dataclass(frozen=True)
class DiskPlan:
    type: str
    device: str
    category: str
    size: int
    performance_level: str | None
    snapshot_id: str
    delete_with_instance: bool


@dataclass(frozen=True)
class LaunchPlan:
    zone: Zone
    vswitch: VSwitch
    image: Image
    disks: list[DiskPlan]
    count: int


def plan_launch(backend: Backend, region: Region, request: LaunchRequest) -> LaunchPlan:
    """Check every RunInstances rule without changing anything; raise ECS's error for the first
    broken one."""
    now = backend.now()
    image = find_image(region, request.image_id)
    if image is None:
        raise InvalidImageIdNotFound(request.image_id)
    if image.lifecycle.status(now) != "Available":
        # ECS treats an image that cannot be launched yet as not found, naming its status.
        error = InvalidImageIdNotFound(request.image_id)
        error.message = (
            f"The image {request.image_id} is {image.lifecycle.status(now)}, not Available."
        )
        raise error
    spec = backend.instance_types.get(request.instance_type)
    if spec is None:
        raise InvalidInstanceTypeNotFound(request.instance_type)
    vswitch = require_vswitch(region, request.vswitch_id)
    if vswitch.lifecycle.status(now) != "Available":
        raise IncorrectVSwitchStatus()
    zone_id = request.zone_id or vswitch.zone_id
    zone = region.zones.get(zone_id)
    if zone is None:
        raise InvalidZoneIdNotFound(zone_id)
    if not zone.selling:
        raise ZoneNotOnSale()
    if vswitch.zone_id != zone_id:
        raise InvalidParameterMismatch(
            f"The VSwitch {vswitch.vswitch_id} is in {vswitch.zone_id}, not in {zone_id}."
        )
    check_security_groups(region, request.security_group_ids, vswitch.vpc_id)
    if request.instance_type not in zone.stock:
        raise InvalidInstanceTypeZoneNotSupported(
            f"The instance type {request.instance_type} is not sold in zone {zone_id}."
        )
    count = _launch_count(backend, region, zone, request)
    disks = _plan_disks(region, zone, spec, image, request, now)
    if request.instance_charge_type == quotas.POSTPAID:
        added = [disk.size for disk in disks if disk.type == "data"]
        quotas.check_postpaid_disks(backend, region, added * count)
    return LaunchPlan(zone=zone, vswitch=vswitch, image=image, disks=disks, count=count)


def _launch_count(backend: Backend, region: Region, zone: Zone, request: LaunchRequest) -> int:
    """Amount when the stock and the vCPU quota allow it; else as many as they allow if that
    meets MinAmount. Raises OperationDenied.NoStock or QuotaExceed.ElasticQuota (403)."""
    left = stock_left(zone, request.instance_type)
    allowed = left
    if request.instance_charge_type == quotas.POSTPAID:
        allowed = min(left, quotas.instance_room(backend, region, request.instance_type))
    if allowed >= request.amount:
        return request.amount
    least = request.min_amount if request.min_amount is not None else request.amount
    if request.min_amount is not None and allowed >= least:
        return allowed
    if left < least:
        raise OperationDeniedNoStock()
    raise quotas.elastic_quota_exceeded(backend, region, request.instance_type, least)


def _check_category(zone: Zone, spec: InstanceTypeSpec, category: str, *, system: bool) -> None:
    if category not in zone.disk_categories:
        error = (
            InvalidSystemDiskCategoryValueNotSupported
            if system
            else InvalidDataDiskCategoryValueNotSupported
        )
        raise error(f"The disk category {category} is not sold in zone {zone.zone_id}.")
    if category == "cloud_essd_entry" and spec.family not in ESSD_ENTRY_FAMILIES:
        raise InvalidDiskCategoryNotSupported(
            f"cloud_essd_entry is sold only with {' and '.join(ESSD_ENTRY_FAMILIES)} instance "
            f"types, not with {spec.instance_type}."
        )
    boots_from = spec.system_disk_categories
    if system and boots_from is not None and category not in boots_from:
        raise InvalidDiskCategoryNotSupported(
            f"{spec.instance_type} boots only from {', '.join(boots_from)} system disks."
        )


def _plan_disks(
    region: Region,
    zone: Zone,
    spec: InstanceTypeSpec,
    image: Image,
    request: LaunchRequest,
    now: float,
) -> list[DiskPlan]:
    system = request.system_disk
    category = system.category or DEFAULT_SYSTEM_CATEGORY
    _check_category(zone, spec, category, system=True)
    level = resolve_performance_level(
        category, system.performance_level, "SystemDisk.PerformanceLevel"
    )
    image_gib = image_size(image)
    if system.size is not None and system.size < image_gib:
        raise InvalidSystemDiskSizeLessThanImageSize(
            f"SystemDisk.Size {system.size} GiB is less than the image's {image_gib} GiB."
        )
    size = system.size if system.size is not None else max(MIN_SYSTEM_DISK_GIB, image_gib)
    check_size(category, level, size, system=True)
    system_mapping = next(m for m in image.mappings if m.type == "system")
    plans = [
        DiskPlan(
            "system", system_mapping.device, category, size, level, system_mapping.snapshot_id, True
        )
    ]
    overrides = _overrides(image, request.data_disks)
    for mapping in (m for m in image.mappings if m.type == "data"):
        number, override = overrides.get(mapping.device, (0, DiskRequest()))
        category = override.category or IMAGE_DATA_DISK_CATEGORY
        _check_category(zone, spec, category, system=False)
        level = resolve_performance_level(
            category, override.performance_level, f"DataDisk.{number}.PerformanceLevel"
        )
        size = override.size if override.size is not None else mapping.size
        if size < mapping.size:
            raise InvalidDiskSizeTooSmall(
                f"DataDisk.{number}.Size {size} GiB is below the image disk's {mapping.size} GiB."
            )
        check_size(category, level, size, system=False)
        plans.append(
            DiskPlan(
                "data",
                mapping.device,
                category,
                size,
                level,
                mapping.snapshot_id,
                override.delete_with_instance,
            )
        )
    free = iter(d for d in DATA_DEVICES if d not in {p.device for p in plans})
    added = [(n, d) for n, d in enumerate(request.data_disks, start=1) if d.device is None]
    if len(plans) - 1 + len(added) > min(spec.max_data_disks, len(DATA_DEVICES)):
        raise InstanceDiskLimitExceeded(
            f"{spec.instance_type} takes at most {spec.max_data_disks} data disks."
        )
    for number, disk in added:
        plans.append(_added_disk(region, zone, spec, number, disk, next(free), now))
    return plans


def _overrides(image: Image, disks: list[DiskRequest]) -> dict[str, tuple[int, DiskRequest]]:
    """DataDisk.N with a Device: each must name one of the image's data disks, once."""
    image_devices = {m.device for m in image.mappings if m.type == "data"}
    overrides: dict[str, tuple[int, DiskRequest]] = {}
    for number, disk in enumerate(disks, start=1):
        if disk.device is None:
            continue
        if not DATA_DEVICE.match(disk.device) or disk.device not in image_devices:
            raise InvalidDataDeviceMalformed(
                f"DataDisk.{number}.Device {disk.device!r} is not a data disk of image "
                f"{image.image_id} (it has {', '.join(sorted(image_devices)) or 'none'})."
            )
        if disk.device in overrides:
            raise InvalidDataDeviceMalformed(f"DataDisk.N.Device {disk.device} is given twice.")
        if disk.snapshot_id is not None:
            raise InvalidParameter(
                f"DataDisk.{number}.SnapshotId",
                "a Device override takes the image's snapshot; send SnapshotId without Device "
                "to add a disk",
            )
        overrides[disk.device] = (number, disk)
    return overrides


def _added_disk(
    region: Region,
    zone: Zone,
    spec: InstanceTypeSpec,
    number: int,
    disk: DiskRequest,
    device: str,
    now: float,
) -> DiskPlan:
    category = disk.category or DEFAULT_DATA_CATEGORY
    _check_category(zone, spec, category, system=False)
    level = resolve_performance_level(
        category, disk.performance_level, f"DataDisk.{number}.PerformanceLevel"
    )
    source_gib = 0
    if disk.snapshot_id is not None:
        # ESSD-family disks may use an in-progress snapshot with instant access (ECS-FACTS).
        source_gib = snapshot_for_disk(region, disk.snapshot_id, category, now).source_disk_size
    if disk.size is None and not source_gib:
        raise MissingParameter(f"DataDisk.{number}.Size")
    size = disk.size if disk.size is not None else source_gib
    if size < source_gib:
        raise InvalidDiskSizeTooSmall(
            f"DataDisk.{number}.Size {size} GiB is below its snapshot's {source_gib} GiB."
        )
    check_size(category, level, size, system=False)
    return DiskPlan(
        "data", device, category, size, level, disk.snapshot_id or "", disk.delete_with_instance
    )


def launch(
    backend: Backend,
    region: Region,
    plan: LaunchPlan,
    request: LaunchRequest,
    tags: dict[str, str],
) -> list[str]:
    """Create the planned instances (`Pending` -> `Starting` -> `Running`) with their disks."""
    take_stock(plan.zone, request.instance_type, plan.count)
    now = backend.now()
    taken = {instance.private_ip for instance in region.instances.values()}
    ids = []
    for _ in range(plan.count):
        factor = backend.durations.factor("instance")
        stages = [
            ("Pending", durations.INSTANCE_PENDING_S * factor),
            ("Starting", durations.INSTANCE_STARTING_S * factor),
        ]
        instance_id = backend.new_id("i", region.region_id)
        private_ip = backend.next_private_ip(plan.vswitch.cidr_block, taken)
        taken.add(private_ip)
        bandwidth = request.internet_max_bandwidth_out
        region.instances[instance_id] = Instance(
            instance_id=instance_id,
            instance_name=request.instance_name or instance_id,
            zone_id=plan.zone.zone_id,
            instance_type=request.instance_type,
            vpc_id=plan.vswitch.vpc_id,
            vswitch_id=plan.vswitch.vswitch_id,
            security_group_ids=list(request.security_group_ids),
            private_ip=private_ip,
            public_ip=backend.new_public_ip() if bandwidth > 0 else None,
            instance_charge_type=request.instance_charge_type,
            internet_charge_type=request.internet_charge_type,
            internet_max_bandwidth_out=bandwidth,
            image_id=plan.image.image_id,
            lifecycle=progression(now, stages, "Running", backend.outcomes.take("RunInstances")),
            created_at=now,
            hostname=request.host_name or f"iZ{instance_id[2:]}Z",
            os_name=plan.image.os_name,
        )
        tag_resource(region, "instance", instance_id, tags)
        for disk in plan.disks:
            disk_id = backend.new_id("d", region.region_id)
            region.disks[disk_id] = Disk(
                disk_id=disk_id,
                disk_name="",
                zone_id=plan.zone.zone_id,
                category=disk.category,
                size=disk.size,
                performance_level=disk.performance_level,
                type=disk.type,
                lifecycle=Lifecycle.fixed("In_use", now),
                created_at=now,
                instance_id=instance_id,
                device=disk.device,
                source_snapshot_id=disk.snapshot_id,
                delete_with_instance=disk.delete_with_instance,
                attached_once=True,
                portable=disk.type == "data",
                charge_type=request.instance_charge_type,
            )
            tag_resource(region, "disk", disk_id, tags)
        ids.append(instance_id)
    return ids

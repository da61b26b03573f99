"""Typed ECS calls: domain models in, domain models out.

The only module above the gateway that touches the SDK's request and response models, so
workflows never see one. Every function takes the gateway and a region; a missing id raises
`NotFound` with a message naming where it looked.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import json
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from alibabacloud_ecs20140526 import models as ecs

from ecs_dr.cloud.errors import NotFound
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.waiters import (
    IMAGE,
    INSTANCE,
    SNAPSHOT,
    SNAPSHOT_GROUP,
    VSWITCH,
    Clock,
    ProgressCallback,
    Sleep,
    WaiterSpec,
    wait_for,
)
from ecs_dr.domain.models import (
    Disk,
    Image,
    ImageDiskMapping,
    Instance,
    InstanceTypeSpec,
    Snapshot,
    SnapshotGroup,
    VSwitch,
    ZoneOffer,
)
from ecs_dr.domain.rules import RunInstancesPlan
from ecs_dr.domain.statuses import ImageStatus

# TagResources takes at most 50 resources a call.
TAG_BATCH = 50
# DescribeSnapshots takes at most 100 ids a call.
SNAPSHOT_BATCH = 100
# DescribeRegions answers in any region; this one asks when no default region is configured.
DISCOVERY_REGION = "cn-hangzhou"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Timing:
    """How waits pass time: real sleeps in the server, a virtual clock in tests."""

    sleep: Sleep = asyncio.sleep
    clock: Clock = time.monotonic
    now: Callable[[], datetime] = _utc_now
    timeout_s: float | None = None


REAL_TIME = Timing()


# --- finding things ------------------------------------------------------------------------
async def region_ids(gw: EcsGateway) -> list[str]:
    """Every region the account can use (DescribeRegions)."""
    region = gw.settings.region_id or DISCOVERY_REGION
    body = await gw.call(region, "DescribeRegions", ecs.DescribeRegionsRequest())
    return [r.region_id for r in body.regions.region]


async def _find_region(
    gw: EcsGateway, what: str, resource_id: str, present: Callable[[str], Awaitable[bool]]
) -> str:
    """The configured default region first, then every other region at once."""
    default = gw.settings.region_id
    if default and await present(default):
        return default
    others = [r for r in await region_ids(gw) if r != default]
    found = await asyncio.gather(*(present(r) for r in others))
    for region, hit in zip(others, found, strict=True):
        if hit:
            return region
    searched = ", ".join([default, *others] if default else others)
    raise NotFound(
        f"Invalid{what.title().replace(' ', '')}Id.NotFound",
        f"no {what} {resource_id} in any region of this account (searched {searched}); "
        "check the id",
    )


async def find_instance_region(gw: EcsGateway, instance_id: str) -> str:
    """The region holding the instance; raises NotFound naming the regions searched."""

    async def present(region: str) -> bool:
        return bool(await _instances(gw, region, [instance_id]))

    return await _find_region(gw, "instance", instance_id, present)


async def find_disk_region(gw: EcsGateway, disk_id: str) -> str:
    """The region holding the disk; raises NotFound naming the regions searched."""

    async def present(region: str) -> bool:
        return bool(await _disks(gw, region, disk_ids=[disk_id]))

    return await _find_region(gw, "disk", disk_id, present)


async def find_vpc_region(gw: EcsGateway, vpc_id: str) -> str:
    """The region holding the VPC; raises NotFound naming the regions searched."""

    async def present(region: str) -> bool:
        request = ecs.DescribeVpcsRequest(vpc_id=vpc_id)
        return bool(await gw.collect(region, "DescribeVpcs", request))

    return await _find_region(gw, "vpc", vpc_id, present)


# --- instances and disks -------------------------------------------------------------------
async def _instances(gw: EcsGateway, region_id: str, instance_ids: list[str]) -> list[Any]:
    request = ecs.DescribeInstancesRequest(instance_ids=json.dumps(instance_ids))
    return await gw.collect(region_id, "DescribeInstances", request)


async def _disks(
    gw: EcsGateway,
    region_id: str,
    *,
    disk_ids: list[str] | None = None,
    instance_id: str | None = None,
) -> list[Disk]:
    request = ecs.DescribeDisksRequest(
        disk_ids=json.dumps(disk_ids) if disk_ids else None, instance_id=instance_id
    )
    items = await gw.collect(region_id, "DescribeDisks", request)
    return sorted((_disk(d) for d in items), key=lambda d: (d.kind != "system", d.device))


def _disk(d: Any) -> Disk:
    return Disk(
        disk_id=d.disk_id,
        kind="system" if (d.type or "").lower() == "system" else "data",
        device=d.device or "",
        category=d.category,
        size_gib=int(d.size),
        performance_level=d.performance_level or None,
        status=d.status or "",
        zone_id=d.zone_id or "",
        instance_id=d.instance_id or None,
        name=d.disk_name or "",
        multi_attach=d.multi_attach == "Enabled",
    )


def _instance(i: Any, disks: list[Disk]) -> Instance:
    vpc = i.vpc_attributes
    private = vpc.private_ip_address.ip_address if vpc and vpc.private_ip_address else None
    public = i.public_ip_address.ip_address if i.public_ip_address else None
    return Instance(
        instance_id=i.instance_id,
        name=i.instance_name or "",
        region_id=i.region_id,
        zone_id=i.zone_id,
        instance_type=i.instance_type,
        status=i.status,
        vpc_id=vpc.vpc_id if vpc else "",
        vswitch_id=vpc.v_switch_id if vpc else "",
        security_group_ids=list(i.security_group_ids.security_group_id or []),
        instance_charge_type=i.instance_charge_type or "",
        internet_charge_type=i.internet_charge_type or "",
        internet_max_bandwidth_out=int(i.internet_max_bandwidth_out or 0),
        public_ips=list(public or []),
        private_ips=list(private or []),
        image_id=i.image_id or "",
        cpu=int(i.cpu or 0),
        memory_mib=int(i.memory or 0),
        disks=disks,
    )


async def describe_instance(gw: EcsGateway, region_id: str, instance_id: str) -> Instance:
    """The instance with every attached disk; raises NotFound when the region lacks it."""
    found, disks = await asyncio.gather(
        _instances(gw, region_id, [instance_id]), _disks(gw, region_id, instance_id=instance_id)
    )
    if not found:
        raise NotFound(
            "InvalidInstanceId.NotFound",
            f"no instance {instance_id} in {region_id}; check the id, or omit region_id to "
            "search every region",
            action="DescribeInstances",
            region_id=region_id,
        )
    return _instance(found[0], disks)


async def describe_disk(gw: EcsGateway, region_id: str, disk_id: str) -> Disk:
    """One disk; raises NotFound when the region lacks it."""
    found = await _disks(gw, region_id, disk_ids=[disk_id])
    if not found:
        raise NotFound(
            "InvalidDiskId.NotFound",
            f"no disk {disk_id} in {region_id}; check the id, or omit region_id to search "
            "every region",
            action="DescribeDisks",
            region_id=region_id,
        )
    return found[0]


# --- zones, types, stock --------------------------------------------------------------------
async def describe_zones(gw: EcsGateway, region_id: str) -> list[str]:
    """The region's zone ids."""
    body = await gw.call(region_id, "DescribeZones", ecs.DescribeZonesRequest(verbose=False))
    return sorted(z.zone_id for z in body.zones.zone)


async def _available(
    gw: EcsGateway,
    region_id: str,
    destination: str,
    *,
    zone_id: str | None = None,
    instance_type: str | None = None,
) -> dict[str, list[str]]:
    """DescribeAvailableResource: zone -> the values it can supply now (status Available)."""
    request = ecs.DescribeAvailableResourceRequest(
        destination_resource=destination, zone_id=zone_id, instance_type=instance_type
    )
    body = await gw.call(region_id, "DescribeAvailableResource", request)
    offers: dict[str, list[str]] = {}
    for zone in _items(body.available_zones, "available_zone"):
        values = offers.setdefault(zone.zone_id, [])
        if zone.status != "Available":
            continue
        for resource in _items(zone.available_resources, "available_resource"):
            for supported in _items(resource.supported_resources, "supported_resource"):
                if supported.status == "Available":
                    values.append(supported.value)
    return offers


def _items(wrapper: Any, name: str) -> list[Any]:
    return list(getattr(wrapper, name, None) or []) if wrapper is not None else []


async def vswitches(
    gw: EcsGateway, region_id: str, vpc_id: str, zone_id: str | None = None
) -> list[VSwitch]:
    """The VPC's VSwitches, in one zone when `zone_id` is given, by id."""
    request = ecs.DescribeVSwitchesRequest(vpc_id=vpc_id, zone_id=zone_id)
    items = await gw.collect(region_id, "DescribeVSwitches", request)
    return sorted((_vswitch(v) for v in items), key=lambda v: v.vswitch_id)


def _vswitch(v: Any) -> VSwitch:
    return VSwitch(
        vswitch_id=v.v_switch_id,
        vpc_id=v.vpc_id,
        zone_id=v.zone_id,
        cidr_block=v.cidr_block,
        status=v.status,
        name=v.v_switch_name or "",
    )


async def zone_offer(
    gw: EcsGateway, region_id: str, zone_id: str, vpc_id: str, instance_type: str
) -> ZoneOffer:
    """What the zone can supply for this instance type now, and the VPC's VSwitches there."""
    switches, types, system, data = await asyncio.gather(
        vswitches(gw, region_id, vpc_id, zone_id),
        _available(gw, region_id, "InstanceType", zone_id=zone_id, instance_type=instance_type),
        _available(gw, region_id, "SystemDisk", zone_id=zone_id, instance_type=instance_type),
        _available(gw, region_id, "DataDisk", zone_id=zone_id, instance_type=instance_type),
    )
    return ZoneOffer(
        zone_id=zone_id,
        vswitches=switches,
        instance_type_in_stock=instance_type in types.get(zone_id, []),
        system_disk_categories=system.get(zone_id, []),
        data_disk_categories=data.get(zone_id, []),
    )


async def instance_type_specs(
    gw: EcsGateway,
    region_id: str,
    *,
    min_cpu: int | None = None,
    min_memory_gib: float | None = None,
) -> list[InstanceTypeSpec]:
    """Instance types (DescribeInstanceTypes), optionally only those at least this large."""
    request = ecs.DescribeInstanceTypesRequest(
        minimum_cpu_core_count=min_cpu, minimum_memory_size=min_memory_gib
    )
    items = await gw.collect(region_id, "DescribeInstanceTypes", request)
    return [
        InstanceTypeSpec(
            instance_type=t.instance_type_id,
            cpu=int(t.cpu_core_count or 0),
            memory_gib=float(t.memory_size or 0),
            family=t.instance_type_family or "",
        )
        for t in items
    ]


async def zones_with_stock(gw: EcsGateway, region_id: str, instance_type: str) -> list[str]:
    """Zones of the region where `instance_type` can be bought now."""
    offers = await _available(gw, region_id, "InstanceType", instance_type=instance_type)
    return sorted(zone for zone, types in offers.items() if instance_type in types)


async def types_in_stock(gw: EcsGateway, region_id: str, zone_id: str) -> list[str]:
    """Instance types the zone can sell now."""
    offers = await _available(gw, region_id, "InstanceType", zone_id=zone_id)
    return sorted(offers.get(zone_id, []))


# --- tags -----------------------------------------------------------------------------------
def _tag_list(cls: type[Any], tags: Mapping[str, str]) -> list[Any]:
    return [cls(key=k, value=v) for k, v in tags.items()]


async def tag_resources(
    gw: EcsGateway,
    region_id: str,
    resource_type: str,
    resource_ids: Sequence[str],
    tags: Mapping[str, str],
) -> None:
    """Tag resources that their create call could not tag (group snapshots, VSwitches)."""
    for start in range(0, len(resource_ids), TAG_BATCH):
        request = ecs.TagResourcesRequest(
            resource_type=resource_type,
            resource_id=list(resource_ids[start : start + TAG_BATCH]),
            tag=_tag_list(ecs.TagResourcesRequestTag, tags),
        )
        await gw.call(region_id, "TagResources", request)


# --- snapshots ------------------------------------------------------------------------------
async def create_snapshot_group(
    gw: EcsGateway,
    region_id: str,
    instance_id: str,
    name: str,
    client_token: str,
    tags: Mapping[str, str],
) -> str:
    """A snapshot-consistent group of every disk of the instance; returns its id."""
    request = ecs.CreateSnapshotGroupRequest(
        instance_id=instance_id,
        name=name,
        client_token=client_token,
        tag=_tag_list(ecs.CreateSnapshotGroupRequestTag, tags),
    )
    body = await gw.call(region_id, "CreateSnapshotGroup", request)
    return str(body.snapshot_group_id)


async def describe_snapshot_group(gw: EcsGateway, region_id: str, group_id: str) -> SnapshotGroup:
    """The group and its snapshots in full; raises NotFound when the region lacks it."""
    request = ecs.DescribeSnapshotGroupsRequest(snapshot_group_id=[group_id])
    found = await gw.collect(region_id, "DescribeSnapshotGroups", request)
    if not found:
        raise NotFound(
            "InvalidSnapshotGroupId.NotFound",
            f"no snapshot group {group_id} in {region_id}; create one with create_snapshot_group",
            action="DescribeSnapshotGroups",
            region_id=region_id,
        )
    group = found[0]
    members = _items(group.snapshots, "snapshot")
    snapshots = await describe_snapshots(gw, region_id, [s.snapshot_id for s in members])
    return SnapshotGroup(
        snapshot_group_id=group.snapshot_group_id,
        instance_id=group.instance_id or "",
        status=group.status,
        snapshots=[s.model_copy(update={"snapshot_group_id": group_id}) for s in snapshots],
        name=group.name or "",
        created_at=group.creation_time or "",
    )


async def create_snapshot(
    gw: EcsGateway,
    region_id: str,
    disk_id: str,
    name: str,
    client_token: str,
    tags: Mapping[str, str],
) -> str:
    """One snapshot of one disk; returns its id."""
    request = ecs.CreateSnapshotRequest(
        disk_id=disk_id,
        snapshot_name=name,
        client_token=client_token,
        tag=_tag_list(ecs.CreateSnapshotRequestTag, tags),
    )
    body = await gw.call(region_id, "CreateSnapshot", request)
    return str(body.snapshot_id)


async def describe_snapshots(
    gw: EcsGateway, region_id: str, snapshot_ids: Sequence[str]
) -> list[Snapshot]:
    """The snapshots found, in the order asked; ids the region lacks are left out."""
    found: dict[str, Snapshot] = {}
    for start in range(0, len(snapshot_ids), SNAPSHOT_BATCH):
        batch = list(snapshot_ids[start : start + SNAPSHOT_BATCH])
        request = ecs.DescribeSnapshotsRequest(snapshot_ids=json.dumps(batch))
        for item in await gw.collect(region_id, "DescribeSnapshots", request):
            found[item.snapshot_id] = _snapshot(item)
    return [found[s] for s in snapshot_ids if s in found]


def _percent(text: object) -> int:
    try:
        return int(str(text).strip().rstrip("%"))
    except ValueError:
        return 0


def _snapshot(s: Any) -> Snapshot:
    return Snapshot(
        snapshot_id=s.snapshot_id,
        source_disk_id=s.source_disk_id or "",
        source_disk_kind="system" if (s.source_disk_type or "").lower() == "system" else "data",
        source_disk_size_gib=int(s.source_disk_size or 0),
        status=s.status,
        progress=_percent(s.progress),
        available=bool(s.available),
        created_at=s.creation_time or "",
    )


# --- images ---------------------------------------------------------------------------------
async def create_image(
    gw: EcsGateway,
    region_id: str,
    name: str,
    mappings: Sequence[ImageDiskMapping],
    client_token: str,
    tags: Mapping[str, str],
) -> str:
    """A custom image holding one snapshot per mapping; returns its id."""
    request = ecs.CreateImageRequest(
        image_name=name,
        disk_device_mapping=[
            ecs.CreateImageRequestDiskDeviceMapping(
                device=m.device, disk_type=m.kind, snapshot_id=m.snapshot_id, size=m.size_gib
            )
            for m in mappings
        ],
        client_token=client_token,
        tag=_tag_list(ecs.CreateImageRequestTag, tags),
    )
    body = await gw.call(region_id, "CreateImage", request)
    return str(body.image_id)


async def _images(gw: EcsGateway, region_id: str, **filters: str) -> list[Image]:
    # DescribeImages hides every image that is not Available unless Status names it.
    request = ecs.DescribeImagesRequest(status=",".join(ImageStatus), **filters)
    return [_image(i) for i in await gw.collect(region_id, "DescribeImages", request)]


async def describe_image(gw: EcsGateway, region_id: str, image_id: str) -> Image:
    """The image in any status; raises NotFound when the region lacks it."""
    found = await _images(gw, region_id, image_id=image_id)
    if not found:
        raise NotFound(
            "InvalidImageId.NotFound",
            f"no image {image_id} in {region_id}; build one with create_full_image",
            action="DescribeImages",
            region_id=region_id,
        )
    return found[0]


async def images_named(gw: EcsGateway, region_id: str, name: str) -> list[Image]:
    """This account's images called exactly `name`, in any status."""
    return await _images(gw, region_id, image_name=name, image_owner_alias="self")


def _image(i: Any) -> Image:
    mappings = _items(i.disk_device_mappings, "disk_device_mapping")
    return Image(
        image_id=i.image_id,
        name=i.image_name or "",
        status=i.status,
        progress=_percent(i.progress),
        mappings=[
            ImageDiskMapping(
                device=m.device,
                kind="system" if (m.type or "").lower() == "system" else "data",
                snapshot_id=m.snapshot_id or "",
                size_gib=int(m.size or 0),
            )
            for m in mappings
        ],
    )


# --- network --------------------------------------------------------------------------------
async def create_vswitch(
    gw: EcsGateway,
    region_id: str,
    vpc_id: str,
    zone_id: str,
    cidr_block: str,
    name: str,
    client_token: str,
    tags: Mapping[str, str] | None = None,
) -> str:
    """A VSwitch of the VPC in the zone, tagged afterwards (CreateVSwitch takes no tags)."""
    request = ecs.CreateVSwitchRequest(
        vpc_id=vpc_id,
        zone_id=zone_id,
        cidr_block=cidr_block,
        v_switch_name=name,
        client_token=client_token,
    )
    body = await gw.call(region_id, "CreateVSwitch", request)
    vswitch_id = str(body.v_switch_id)
    if tags:
        await tag_resources(gw, region_id, "vswitch", [vswitch_id], tags)
    return vswitch_id


async def vpc_cidr_block(gw: EcsGateway, region_id: str, vpc_id: str) -> str:
    """The VPC's CIDR block; raises NotFound when the region lacks the VPC."""
    found = await gw.collect(region_id, "DescribeVpcs", ecs.DescribeVpcsRequest(vpc_id=vpc_id))
    if not found:
        raise NotFound(
            "InvalidVpcId.NotFound",
            f"no VPC {vpc_id} in {region_id}; check the id",
            action="DescribeVpcs",
            region_id=region_id,
        )
    return str(found[0].cidr_block)


def first_free_block(vpc_cidr: str, used: Iterable[str], prefix: int) -> str | None:
    """The lowest /prefix block inside the VPC that overlaps no used block, or None."""
    vpc = ipaddress.ip_network(vpc_cidr)
    taken = [ipaddress.ip_network(c) for c in used]
    if not isinstance(vpc, ipaddress.IPv4Network) or prefix < vpc.prefixlen:
        return None
    for block in vpc.subnets(new_prefix=prefix):
        if not any(block.overlaps(t) for t in taken):
            return str(block)
    return None


async def free_cidr_block(gw: EcsGateway, region_id: str, vpc_id: str, prefix: int = 24) -> str:
    """A block inside the VPC that no VSwitch of it uses; raises ValueError when it is full."""
    vpc_cidr, switches = await asyncio.gather(
        vpc_cidr_block(gw, region_id, vpc_id), vswitches(gw, region_id, vpc_id)
    )
    block = first_free_block(vpc_cidr, (v.cidr_block for v in switches), prefix)
    if block is None:
        raise ValueError(
            f"the VPC {vpc_id} ({vpc_cidr}) has no free /{prefix} block left; pass a "
            "smaller cidr_block that its VSwitches do not use"
        )
    return block


# --- instances ------------------------------------------------------------------------------
async def run_instance(
    gw: EcsGateway, plan: RunInstancesPlan, client_token: str, tags: Mapping[str, str]
) -> str:
    """RunInstances exactly as planned (Device= overrides, PL on every ESSD); returns the id."""
    system = plan.system_disk
    request = ecs.RunInstancesRequest(
        zone_id=plan.zone_id,
        image_id=plan.image_id,
        instance_type=plan.instance_type,
        v_switch_id=plan.vswitch_id,
        security_group_ids=list(plan.security_group_ids),
        instance_name=plan.instance_name,
        instance_charge_type=plan.instance_charge_type,
        internet_charge_type=plan.internet_charge_type,
        internet_max_bandwidth_out=plan.internet_max_bandwidth_out,
        period=plan.period if plan.instance_charge_type == "PrePaid" else None,
        period_unit=plan.period_unit if plan.instance_charge_type == "PrePaid" else None,
        amount=1,
        system_disk=ecs.RunInstancesRequestSystemDisk(
            category=system.category,
            size=str(system.size_gib),
            performance_level=system.performance_level,
        ),
        data_disk=[
            ecs.RunInstancesRequestDataDisk(
                device=d.device,
                category=d.category,
                size=d.size_gib,
                performance_level=d.performance_level,
            )
            for d in plan.data_disks
        ]
        or None,
        client_token=client_token,
        tag=_tag_list(ecs.RunInstancesRequestTag, tags),
    )
    body = await gw.call(plan.region_id, "RunInstances", request)
    return str(body.instance_id_sets.instance_id_set[0])


# --- waits ----------------------------------------------------------------------------------
async def wait_snapshot_group(
    gw: EcsGateway,
    region_id: str,
    group_id: str,
    *,
    on_progress: ProgressCallback | None = None,
    timing: Timing = REAL_TIME,
) -> tuple[SnapshotGroup, dict[str, datetime]]:
    """Wait for `accomplished`; also returns when each snapshot was first seen at 100%,
    the moment its recovery point became zone-redundant."""
    latest: dict[str, int] = {}
    redundant_at: dict[str, datetime] = {}

    def progress(item: Any) -> int | None:
        for member in _items(item.snapshots, "snapshot"):
            latest[member.snapshot_id] = _percent(member.progress)
        return sum(latest.values()) // len(latest) if latest else None

    async def observe(status: str, percent: int | None, elapsed_s: float) -> None:
        now = timing.now()
        for snapshot_id, value in latest.items():
            if value >= 100:
                redundant_at.setdefault(snapshot_id, now)
        if on_progress is not None:
            await on_progress(status, percent, elapsed_s)

    spec = dataclasses.replace(SNAPSHOT_GROUP, progress=progress)
    await _wait(gw, spec, group_id, region_id, observe, timing)
    group = await describe_snapshot_group(gw, region_id, group_id)
    done = timing.now()
    return group, {s.snapshot_id: redundant_at.get(s.snapshot_id, done) for s in group.snapshots}


async def wait_snapshot(
    gw: EcsGateway,
    region_id: str,
    snapshot_id: str,
    *,
    on_progress: ProgressCallback | None = None,
    timing: Timing = REAL_TIME,
) -> tuple[Snapshot, datetime]:
    """Wait for `accomplished` (100%, zone-redundant); returns it and when that was seen."""
    result = await _wait(gw, SNAPSHOT, snapshot_id, region_id, on_progress, timing)
    return _snapshot(result), timing.now()


async def wait_image(
    gw: EcsGateway,
    region_id: str,
    image_id: str,
    *,
    on_progress: ProgressCallback | None = None,
    timing: Timing = REAL_TIME,
) -> Image:
    """Wait for `Available`; CreateFailed, UnAvailable and Deprecated end the wait."""
    return _image(await _wait(gw, IMAGE, image_id, region_id, on_progress, timing))


async def wait_instance(
    gw: EcsGateway,
    region_id: str,
    instance_id: str,
    *,
    on_progress: ProgressCallback | None = None,
    timing: Timing = REAL_TIME,
) -> Instance:
    """Wait for `Running`; returns the instance with its disks as ECS created them."""
    await _wait(gw, INSTANCE, instance_id, region_id, on_progress, timing)
    return await describe_instance(gw, region_id, instance_id)


async def wait_vswitch(
    gw: EcsGateway,
    region_id: str,
    vswitch_id: str,
    *,
    on_progress: ProgressCallback | None = None,
    timing: Timing = REAL_TIME,
) -> VSwitch:
    """Wait for `Available`."""
    return _vswitch(await _wait(gw, VSWITCH, vswitch_id, region_id, on_progress, timing))


async def _wait(
    gw: EcsGateway,
    spec: WaiterSpec,
    resource_id: str,
    region_id: str,
    on_progress: ProgressCallback | None,
    timing: Timing,
) -> Any:
    result = await wait_for(
        gw,
        spec,
        resource_id,
        region_id=region_id,
        on_progress=on_progress,
        timeout_s=timing.timeout_s,
        sleep=timing.sleep,
        clock=timing.clock,
    )
    return result.item

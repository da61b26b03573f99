"""What a zone can supply now: its instance types in stock and its disk categories."""

from __future__ import annotations

import asyncio

from ecs_dr.cloud.ecs._sdk import items
from ecs_dr.cloud.ecs.network import vswitches
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.sdk import ecs
from ecs_dr.domain.models import InstanceTypeSpec, ZoneOffer


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
    system_disk_category: str | None = None,
) -> dict[str, list[str]]:
    """DescribeAvailableResource: zone -> the values it can supply now (status Available)."""
    request = ecs.DescribeAvailableResourceRequest(
        destination_resource=destination,
        zone_id=zone_id,
        instance_type=instance_type,
        system_disk_category=system_disk_category,
    )
    body = await gw.call(region_id, "DescribeAvailableResource", request)
    offers: dict[str, list[str]] = {}
    for zone in items(body.available_zones, "available_zone"):
        values = offers.setdefault(zone.zone_id, [])
        if zone.status != "Available":
            continue
        for resource in items(zone.available_resources, "available_resource"):
            for supported in items(resource.supported_resources, "supported_resource"):
                if supported.status == "Available":
                    values.append(supported.value)
    return offers


async def zone_resources(gw: EcsGateway, region_id: str, zone_id: str) -> list[str]:
    """What the zone offers now (DescribeAvailableResource, DestinationResource=Zone): empty
    for a zone that sells nothing, as one in an outage answers."""
    offers = await _available(gw, region_id, "Zone", zone_id=zone_id)
    return offers.get(zone_id, [])


async def zone_offer(
    gw: EcsGateway,
    region_id: str,
    zone_id: str,
    vpc_id: str,
    instance_type: str,
    system_disk_category: str,
) -> ZoneOffer:
    """What the zone can supply now for this instance type with a system disk of this category
    (its data disk offer depends on it), and the VPC's VSwitches there."""
    switches, types, system, data = await asyncio.gather(
        vswitches(gw, region_id, vpc_id, zone_id),
        _available(gw, region_id, "InstanceType", zone_id=zone_id, instance_type=instance_type),
        _available(gw, region_id, "SystemDisk", zone_id=zone_id, instance_type=instance_type),
        _data_disks(gw, region_id, zone_id, instance_type, system_disk_category),
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
    found = await gw.collect(region_id, "DescribeInstanceTypes", request)
    return [
        InstanceTypeSpec(
            instance_type=t.instance_type_id,
            cpu=int(t.cpu_core_count or 0),
            memory_gib=float(t.memory_size or 0),
            family=t.instance_type_family or "",
        )
        for t in found
    ]


async def zones_with_stock(gw: EcsGateway, region_id: str, instance_type: str) -> list[str]:
    """Zones of the region where `instance_type` can be bought now."""
    offers = await _available(gw, region_id, "InstanceType", instance_type=instance_type)
    return sorted(zone for zone, types in offers.items() if instance_type in types)


async def types_in_stock(gw: EcsGateway, region_id: str, zone_id: str) -> list[str]:
    """Instance types the zone can sell now."""
    offers = await _available(gw, region_id, "InstanceType", zone_id=zone_id)
    return sorted(offers.get(zone_id, []))


async def _data_disks(
    gw: EcsGateway, region_id: str, zone_id: str, instance_type: str, system_disk_category: str
) -> dict[str, list[str]]:
    # ECS answers DataDisk for the SystemDiskCategory sent (cloud_efficiency when omitted): an
    # ESSD-only instance type would seem to take no data disk at all.
    return await _available(
        gw,
        region_id,
        "DataDisk",
        zone_id=zone_id,
        instance_type=instance_type,
        system_disk_category=system_disk_category,
    )


async def data_disk_categories(
    gw: EcsGateway, region_id: str, zone_id: str, instance_type: str, system_disk_category: str
) -> list[str]:
    """Data disk categories the zone sells now for an instance of this type whose system disk
    is of this category. When the type itself is sold out there (an existing instance still
    takes disks), the zone's own."""
    offers = await _data_disks(gw, region_id, zone_id, instance_type, system_disk_category)
    if offers.get(zone_id):
        return offers[zone_id]
    # DataDisk offers need an InstanceType; DescribeZones lists the zone's own categories.
    body = await gw.call(region_id, "DescribeZones", ecs.DescribeZonesRequest(verbose=True))
    for zone in items(body.zones, "zone"):
        if zone.zone_id == zone_id and zone.available_disk_categories is not None:
            return list(zone.available_disk_categories.disk_categories or [])
    return []


async def max_data_disks(gw: EcsGateway, region_id: str, instance_type: str) -> int | None:
    """How many data disks an instance of this type takes (DiskQuantity counts the system
    disk too); None when ECS does not say."""
    request = ecs.DescribeInstanceTypesRequest(instance_types=[instance_type])
    for found in await gw.collect(region_id, "DescribeInstanceTypes", request):
        if found.instance_type_id == instance_type and found.disk_quantity:
            return int(found.disk_quantity) - 1
    return None

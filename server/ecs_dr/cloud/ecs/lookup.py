"""Finding the region that holds a resource: the configured default region first, then every
other region at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from ecs_dr.cloud.ecs.instances import instance_items, list_disks
from ecs_dr.cloud.ecs.snapshots import describe_snapshots
from ecs_dr.cloud.errors import NotFound
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.sdk import ecs, vpc

# DescribeRegions answers in any region; this one asks when no default region is configured.
DISCOVERY_REGION = "cn-hangzhou"


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
        return bool(await instance_items(gw, region, [instance_id]))

    return await _find_region(gw, "instance", instance_id, present)


async def find_disk_region(gw: EcsGateway, disk_id: str) -> str:
    """The region holding the disk; raises NotFound naming the regions searched."""

    async def present(region: str) -> bool:
        return bool(await list_disks(gw, region, disk_ids=[disk_id]))

    return await _find_region(gw, "disk", disk_id, present)


async def find_snapshot_region(gw: EcsGateway, snapshot_id: str) -> str:
    """The region holding the snapshot; raises NotFound naming the regions searched."""

    async def present(region: str) -> bool:
        return bool(await describe_snapshots(gw, region, [snapshot_id]))

    return await _find_region(gw, "snapshot", snapshot_id, present)


async def find_vpc_region(gw: EcsGateway, vpc_id: str) -> str:
    """The region holding the VPC; raises NotFound naming the regions searched."""

    async def present(region: str) -> bool:
        request = vpc.DescribeVpcsRequest(vpc_id=vpc_id)
        return bool(await gw.collect(region, "DescribeVpcs", request))

    return await _find_region(gw, "vpc", vpc_id, present)

"""VSwitches of a VPC and the free address blocks left for a new one."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from alibabacloud_ecs20140526 import models as ecs

from ecs_dr.cloud.ecs.tags import tag_resources
from ecs_dr.cloud.errors import NotFound
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.models import VSwitch


async def vswitches(
    gw: EcsGateway, region_id: str, vpc_id: str, zone_id: str | None = None
) -> list[VSwitch]:
    """The VPC's VSwitches, in one zone when `zone_id` is given, by id."""
    request = ecs.DescribeVSwitchesRequest(vpc_id=vpc_id, zone_id=zone_id)
    items = await gw.collect(region_id, "DescribeVSwitches", request)
    return sorted((vswitch_from(v) for v in items), key=lambda v: v.vswitch_id)


def vswitch_from(v: Any) -> VSwitch:
    """The VSwitch an SDK item describes."""
    return VSwitch(
        vswitch_id=v.v_switch_id,
        vpc_id=v.vpc_id,
        zone_id=v.zone_id,
        cidr_block=v.cidr_block,
        status=v.status,
        name=v.v_switch_name or "",
    )


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

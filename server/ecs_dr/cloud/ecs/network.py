"""VSwitches of a VPC (list, create, wait for one, delete one nothing uses) and the free
address blocks left for a new one, through the VPC API (2016-04-28): ECS's own VPC calls are
deprecated ("no further updates or bug fixes; migrate to Vpc(2016-04-28)"), and ECS's
TagResources does not tag VSwitches."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ecs_dr.cloud.ecs._sdk import carries_tag, tag_list
from ecs_dr.cloud.errors import CloudError, NotFound
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.polls import Describe
from ecs_dr.cloud.sdk import ecs, vpc
from ecs_dr.cloud.timing import REAL_TIME, Timing
from ecs_dr.cloud.waiters import (
    VSWITCH_AVAILABLE,
    Delays,
    Waiter,
)
from ecs_dr.domain.models import VSwitch
from ecs_dr.domain.refusal import Refusal
from ecs_dr.domain.statuses import VSwitchStatus


async def vswitches(
    gw: EcsGateway, region_id: str, vpc_id: str, zone_id: str | None = None
) -> list[VSwitch]:
    """The VPC's VSwitches, in one zone when `zone_id` is given, by id."""
    request = vpc.DescribeVSwitchesRequest(vpc_id=vpc_id, zone_id=zone_id)
    items = await gw.collect(region_id, "DescribeVSwitches", request)
    return sorted((vswitch_from(v) for v in items), key=lambda v: v.vswitch_id)


async def vswitch_tags(
    gw: EcsGateway, region_id: str, vswitch_ids: Sequence[str]
) -> dict[str, dict[str, str]]:
    """Every tag of each VSwitch, as DescribeVSwitches lists them; a VSwitch the region lacks
    is left out."""
    tags: dict[str, dict[str, str]] = {}
    for vswitch_id in vswitch_ids:
        request = vpc.DescribeVSwitchesRequest(v_switch_id=vswitch_id)
        for item in await gw.collect(region_id, "DescribeVSwitches", request):
            listed = item.tags.tag if item.tags and item.tags.tag else []
            tags[item.v_switch_id] = {t.key: t.value or "" for t in listed}
    return tags


async def vswitches_tagged(
    gw: EcsGateway, region_id: str, key: str, value: str | None = None
) -> list[tuple[VSwitch, dict[str, str]]]:
    """The region's VSwitches carrying the tag `key` (with `value` when given), each with all
    its tags. The VPC API's Tag.N filter is used only with a value: its reference does not say
    whether a key alone matches any value, so without one the region's VSwitches are listed and
    their tags compared here."""
    tag = [vpc.DescribeVSwitchesRequestTag(key=key, value=value)] if value is not None else None
    found: list[tuple[VSwitch, dict[str, str]]] = []
    request = vpc.DescribeVSwitchesRequest(tag=tag)
    for item in await gw.collect(region_id, "DescribeVSwitches", request):
        listed = item.tags.tag if item.tags and item.tags.tag else []
        tags = {t.key: t.value or "" for t in listed}
        if carries_tag(tags, key, value):
            found.append((vswitch_from(item), tags))
    return found


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


# DescribeVSwitches takes one VSwitchId.
VSWITCHES = Describe(
    "DescribeVSwitches",
    vpc.DescribeVSwitchesRequest,
    "v_switches.v_switch",
    VSwitchStatus,
    "value",
    max_ids=1,
)


async def _waited_vswitch(gw: EcsGateway, region_id: str, item: Any, timing: Timing) -> VSwitch:
    return vswitch_from(item)


wait_vswitch = Waiter(VSWITCHES, VSWITCH_AVAILABLE, _waited_vswitch)
"""Wait for `Available`."""


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
    """A VSwitch of the VPC in the zone, tagged as it is created (the VPC API's Tag.N)."""
    request = vpc.CreateVSwitchRequest(
        vpc_id=vpc_id,
        zone_id=zone_id,
        cidr_block=cidr_block,
        v_switch_name=name,
        client_token=client_token,
        tag=tag_list(vpc.CreateVSwitchRequestTag, tags or {}) or None,
    )
    body = await gw.call(region_id, "CreateVSwitch", request)
    return str(body.v_switch_id)


async def _the_one(
    gw: EcsGateway, region_id: str, action: str, request: Any, missing: tuple[str, str]
) -> Any:
    """The one item a describe by id lists; raises NotFound (`missing`: code, message) when
    the region lacks it."""
    found = await gw.collect(region_id, action, request)
    if not found:
        code, message = missing
        raise NotFound(code, message, action=action, region_id=region_id)
    return found[0]


async def describe_vswitch(gw: EcsGateway, region_id: str, vswitch_id: str) -> VSwitch:
    """The VSwitch as the VPC API shows it now; raises NotFound once it is gone."""
    missing = ("InvalidVSwitchId.NotFound", f"no VSwitch {vswitch_id} in {region_id}")
    request = vpc.DescribeVSwitchesRequest(v_switch_id=vswitch_id)
    return vswitch_from(await _the_one(gw, region_id, "DescribeVSwitches", request, missing))


async def vswitch_instances(gw: EcsGateway, region_id: str, vswitch_id: str) -> list[str]:
    """The ids of the instances in the VSwitch (ECS's DescribeInstances by VSwitchId), sorted."""
    # The request is built in the call: a `request` name would be read as a VPC API one by
    # the RAM policy's reading of this module (references/policy.py).
    items = await gw.collect(
        region_id, "DescribeInstances", ecs.DescribeInstancesRequest(v_switch_id=vswitch_id)
    )
    return sorted(str(i.instance_id) for i in items)


# ECS releases a deleted instance's network interface in the background, and DeleteVSwitch
# answers DependencyViolation until it has. Terraform's alicloud provider asks again on that
# code (resource_alicloud_vswitch.go, resourceAlicloudVswitchDelete: DeleteVSwitch retried on
# DependencyViolation, 3 s then 5 s more each time, until its delete timeout); so does
# delete_vswitch, for VSWITCH_RELEASE.timeout_s, then reports it.
VSWITCH_RELEASE = Delays(initial_s=3.0, max_s=15.0, timeout_s=180.0)
RELEASED_IN_BACKGROUND = frozenset({"DependencyViolation"})


async def delete_vswitch(
    gw: EcsGateway, region_id: str, vswitch_id: str, *, timing: Timing = REAL_TIME
) -> None:
    """The VPC API's DeleteVSwitch. It deletes only an Available VSwitch with nothing in it and
    answers, among others (its reference's error table): DependencyViolation (an instance, ENI
    or other resource is still in it; also .HaVip, .RouteTable, .Snat), IncorrectVSwitchStatus
    (it is Pending), OperationDenied.OtherSubnetProcessing (another VSwitch of the VPC is being
    created or deleted), TaskConflict. The delete runs in the background: the VSwitch is
    Pending, then no longer listed.

    A plain DependencyViolation is asked again within VSWITCH_RELEASE (what was in it may
    still be being released); raises the last refusal when it persists, any other at once.
    """
    request = vpc.DeleteVSwitchRequest(v_switch_id=vswitch_id)
    started = timing.clock()
    pause = VSWITCH_RELEASE.initial_s
    while True:
        try:
            await gw.call(region_id, "DeleteVSwitch", request)
            return
        except CloudError as exc:
            waited = timing.clock() - started
            if exc.code not in RELEASED_IN_BACKGROUND or waited + pause > VSWITCH_RELEASE.timeout_s:
                raise
        await timing.sleep(pause)
        pause = min(2 * pause, VSWITCH_RELEASE.max_s)


async def vpc_cidr_block(gw: EcsGateway, region_id: str, vpc_id: str) -> str:
    """The VPC's CIDR block; raises NotFound when the region lacks the VPC."""
    missing = ("InvalidVpcId.NotFound", f"no VPC {vpc_id} in {region_id}; check the id")
    request = vpc.DescribeVpcsRequest(vpc_id=vpc_id)
    return str((await _the_one(gw, region_id, "DescribeVpcs", request, missing)).cidr_block)


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
    """A block inside the VPC that no VSwitch of it uses; raises Refusal when it is full."""
    vpc_cidr, switches = await asyncio.gather(
        vpc_cidr_block(gw, region_id, vpc_id), vswitches(gw, region_id, vpc_id)
    )
    block = first_free_block(vpc_cidr, (v.cidr_block for v in switches), prefix)
    if block is None:
        raise Refusal(
            f"the VPC {vpc_id} ({vpc_cidr}) has no free /{prefix} block left; pass a "
            "smaller cidr_block that its VSwitches do not use"
        )
    return block

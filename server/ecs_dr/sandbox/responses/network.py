"""VPCs, VSwitches and security groups (the ECS API's views of them) and CreateVSwitch.

ECS still serves its deprecated VPC actions; the VPC API's own (`vpc.py`) build on the VPC and
VSwitch bodies shaped here and create VSwitches with the same `vswitch_creator`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.clock import iso
from ecs_dr.sandbox.models.durations import VSWITCH_PENDING_S
from ecs_dr.sandbox.models.network import (
    ECS_CREATE,
    CreateRules,
    available_ip_count,
    create_vswitch,
)
from ecs_dr.sandbox.models.resources import Region, SecurityGroup, Vpc, VSwitch
from ecs_dr.sandbox.models.tags import tags_body, tags_of
from ecs_dr.sandbox.params import Params
from ecs_dr.sandbox.responses.registry import (
    CLIENT_TOKEN_MAX_LENGTH,
    Body,
    action,
    paginate,
    paginate_pages,
)

# The VPC views page at most 50 items, as ECS documents for them.
MAX_NETWORK_PAGE = 50


class VSwitchPlace(NamedTuple):
    """Where CreateVSwitch puts the VSwitch, as both APIs take it."""

    zone_id: str
    vpc_id: str
    cidr_block: str

    @classmethod
    def parse(cls, params: Params) -> VSwitchPlace:
        return cls(
            params.required_text("ZoneId"),
            params.required_text("VpcId"),
            params.required_text("CidrBlock"),
        )


@action("CreateVSwitch")
def create_vswitch_action(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    place = VSwitchPlace.parse(params)
    create = vswitch_creator(backend, region, params, place, ECS_CREATE)
    (vswitch_id,) = backend.idempotent(
        region,
        "CreateVSwitch",
        params.text("ClientToken", max_length=CLIENT_TOKEN_MAX_LENGTH),
        params.raw,
        lambda: (create(),),
    )
    return {"VSwitchId": vswitch_id}


def vswitch_creator(
    backend: Backend, region: Region, params: Params, place: VSwitchPlace, rules: CreateRules
) -> Callable[[], str]:
    """Both APIs' CreateVSwitch once each has parsed the place and the region in its own order:
    parses VSwitchName and Description and returns what creates the VSwitch under the API's
    `rules` and gives its id, for the caller to run once per ClientToken."""
    name = params.text("VSwitchName", max_length=4096)
    description = params.text("Description", max_length=4096)

    def create() -> str:
        vswitch = create_vswitch(
            region,
            vpc_id=place.vpc_id,
            zone_id=place.zone_id,
            cidr_block=place.cidr_block,
            name=name,
            description=description,
            now=backend.now(),
            pending_s=VSWITCH_PENDING_S * backend.durations.factor("vswitch"),
            new_id=lambda: backend.new_id("vsw", region.region_id),
            rules=rules,
        )
        return vswitch.vswitch_id

    return create


@action("DescribeVpcs")
def describe_vpcs(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    vpc_id = params.text("VpcId")
    # the sandbox's VPCs are all user-created: asking for the default one finds nothing
    only_default = params.boolean("IsDefault")
    vpcs = [v for v in region.vpcs.values() if vpc_id in (None, v.vpc_id) and not only_default]
    page, paging = paginate_pages(vpcs, params, max_page_size=MAX_NETWORK_PAGE)
    return {"Vpcs": {"Vpc": [vpc_body(region, v) for v in page]}, **paging}


def vpc_body(region: Region, vpc: Vpc) -> Body:
    """A VPC as both APIs' DescribeVpcs show it (the VPC API's adds its tags)."""
    vswitch_ids = [s.vswitch_id for s in region.vswitches.values() if s.vpc_id == vpc.vpc_id]
    return {
        "VpcId": vpc.vpc_id,
        "VpcName": vpc.vpc_name,
        "RegionId": region.region_id,
        "CidrBlock": vpc.cidr_block,
        "Status": "Available",
        "IsDefault": False,
        "Description": "",
        "CreationTime": iso(vpc.created_at),
        "VSwitchIds": {"VSwitchId": vswitch_ids},
    }


@action("DescribeVSwitches")
def describe_vswitches(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    wanted = {
        "vpc_id": params.text("VpcId"),
        "zone_id": params.text("ZoneId"),
        "vswitch_id": params.text("VSwitchId"),
    }
    only_default = params.boolean("IsDefault")
    vswitches = [
        s
        for s in region.vswitches.values()
        if not only_default
        and all(value in (None, getattr(s, key)) for key, value in wanted.items())
    ]
    page, paging = paginate_pages(vswitches, params, max_page_size=MAX_NETWORK_PAGE)
    now = backend.now()
    return {"VSwitches": {"VSwitch": [vswitch_body(region, s, now) for s in page]}, **paging}


def vswitch_body(region: Region, vswitch: VSwitch, now: float) -> Body:
    """A VSwitch as both APIs show it (the VPC API's views add its tags)."""
    return {
        "VSwitchId": vswitch.vswitch_id,
        "VSwitchName": vswitch.vswitch_name,
        "VpcId": vswitch.vpc_id,
        "ZoneId": vswitch.zone_id,
        "CidrBlock": vswitch.cidr_block,
        "Status": vswitch.lifecycle.status(now),
        "AvailableIpAddressCount": available_ip_count(region, vswitch),
        "Description": vswitch.description,
        "IsDefault": False,
        "CreationTime": iso(vswitch.created_at),
    }


@action("DescribeSecurityGroups")
def describe_security_groups(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    vpc_id = params.text("VpcId")
    group_id = params.text("SecurityGroupId")
    group_ids = params.json_list("SecurityGroupIds")
    name = params.text("SecurityGroupName")
    params.choice("SecurityGroupType", ("normal", "enterprise"))
    params.choice("NetworkType", ("vpc", "classic"))
    wanted_tags = {
        t["Key"]: t.get("Value") for t in params.structs("Tag", max_items=20) if "Key" in t
    }
    groups = [
        g
        for g in region.security_groups.values()
        if vpc_id in (None, g.vpc_id)
        and group_id in (None, g.security_group_id)
        and (group_ids is None or g.security_group_id in group_ids)
        and name in (None, g.security_group_name)
        and _has_tags(region, g, wanted_tags)
    ]
    page, paging = paginate(groups, params)
    return {
        "RegionId": region.region_id,
        "SecurityGroups": {"SecurityGroup": [_group_body(region, g) for g in page]},
        **paging,
    }


def _has_tags(region: Region, group: SecurityGroup, wanted: dict[str, str | None]) -> bool:
    tags = tags_of(region, "securitygroup", group.security_group_id)
    return all(k in tags and v in (None, tags[k]) for k, v in wanted.items())


def _group_body(region: Region, group: SecurityGroup) -> Body:
    members = sum(
        1 for i in region.instances.values() if group.security_group_id in i.security_group_ids
    )
    return {
        "SecurityGroupId": group.security_group_id,
        "SecurityGroupName": group.security_group_name,
        "SecurityGroupType": "normal",
        "VpcId": group.vpc_id,
        "Description": "",
        "CreationTime": iso(group.created_at),
        "EcsCount": members,
        "ServiceManaged": False,
        "Tags": tags_body(region, "securitygroup", group.security_group_id),
    }

"""VPCs, VSwitches and security groups: lookups other families share, CreateVSwitch's rules
(CIDR inside the VPC, no overlap, /16 to /29, 150 per VPC; VSwitch `Pending` then `Available`)
as ECS's deprecated CreateVSwitch and the VPC API apply them, and the VPC API's tagging.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ecs_dr.sandbox.errors import (
    DependencyViolation,
    EcsError,
    IllegalParamResourceType,
    IncorrectVSwitchStatus,
    InvalidCidrBlockMalformed,
    InvalidCidrBlockOverlapped,
    InvalidDescriptionMalformed,
    InvalidParameterMismatch,
    InvalidResourceIdNotFound,
    InvalidSecurityGroupIdNotFound,
    InvalidVpcIdNotFound,
    InvalidVSwitchCidrNotInVpc,
    InvalidVSwitchIdNotFound,
    InvalidVSwitchNameMalformed,
    InvalidZoneIdNotFound,
    MissingParameter,
    OperationDeniedOtherSubnetProcessing,
    QuotaExceededVSwitch,
    VpcCidrBlockNotInVpc,
    VSwitchCreationInProgress,
)
from ecs_dr.sandbox.models.lifecycle import Lifecycle
from ecs_dr.sandbox.models.resources import Region, Vpc, VSwitch
from ecs_dr.sandbox.models.tags import drop_tags

# A VSwitch's mask, as the VPC service allows it.
MIN_PREFIX, MAX_PREFIX = 16, 29
# Alibaba Cloud keeps the first and the last three addresses of every VSwitch.
RESERVED_ADDRESSES = 4
# The VPC API reference's CreateVSwitch: "You can create at most 150 vSwitches in a VPC".
MAX_VSWITCHES_PER_VPC = 150
PENDING = "Pending"


@dataclass(frozen=True)
class CreateRules:
    """Where the two APIs that create VSwitches part. The VPC API creates one VSwitch at a
    time in a VPC and names a block outside the VPC `InvalidParameter`; ECS's deprecated
    CreateVSwitch keeps the answers the sandbox gave it before the VPC API was served."""

    one_create_per_vpc: bool
    outside_vpc: type[EcsError]


ECS_CREATE = CreateRules(one_create_per_vpc=False, outside_vpc=InvalidVSwitchCidrNotInVpc)
VPC_CREATE = CreateRules(one_create_per_vpc=True, outside_vpc=VpcCidrBlockNotInVpc)


def require_vswitch(region: Region, vswitch_id: str) -> VSwitch:
    """The VSwitch with this id; raises InvalidVSwitchId.NotFound (404)."""
    vswitch = region.vswitches.get(vswitch_id)
    if vswitch is None:
        raise InvalidVSwitchIdNotFound(vswitch_id)
    return vswitch


def check_security_groups(region: Region, group_ids: list[str], vpc_id: str) -> None:
    """Every group exists and sits in `vpc_id`.

    Raises InvalidSecurityGroupId.NotFound (404) or InvalidParameter.Mismatch (400) for a
    group in another VPC.
    """
    for group_id in group_ids:
        group = region.security_groups.get(group_id)
        if group is None:
            raise InvalidSecurityGroupIdNotFound(group_id)
        if group.vpc_id != vpc_id:
            raise InvalidParameterMismatch(
                f"The security group {group_id} is in VPC {group.vpc_id}, not in {vpc_id}."
            )


def require_vpc(region: Region, vpc_id: str) -> Vpc:
    """The VPC with this id; raises InvalidVpcId.NotFound (404)."""
    vpc = region.vpcs.get(vpc_id)
    if vpc is None:
        raise InvalidVpcIdNotFound(vpc_id)
    return vpc


def locate_region(
    regions: Iterable[Region], *, vpc_id: str | None, vswitch_id: str | None
) -> Region:
    """The region holding the VSwitch, else the VPC: the VPC API finds it when a request
    leaves RegionId out. Raises InvalidVSwitchId.NotFound or InvalidVpcId.NotFound (404), or
    MissingParameter for RegionId when the request names neither."""
    regions = list(regions)
    if vswitch_id is not None:
        for region in regions:
            if vswitch_id in region.vswitches:
                return region
        raise InvalidVSwitchIdNotFound(vswitch_id)
    if vpc_id is not None:
        for region in regions:
            if vpc_id in region.vpcs:
                return region
        raise InvalidVpcIdNotFound(vpc_id)
    raise MissingParameter("RegionId")


def available_ip_count(region: Region, vswitch: VSwitch) -> int:
    """Addresses still free: the block minus the reserved ones and the instances' own."""
    size = ipaddress.ip_network(vswitch.cidr_block).num_addresses
    used = sum(1 for i in region.instances.values() if i.vswitch_id == vswitch.vswitch_id)
    return max(0, size - RESERVED_ADDRESSES - used)


def create_vswitch(
    region: Region,
    *,
    vpc_id: str,
    zone_id: str,
    cidr_block: str,
    name: str | None,
    description: str | None,
    now: float,
    pending_s: float,
    new_id: Callable[[], str],
    rules: CreateRules,
) -> VSwitch:
    """Add a VSwitch after checking every rule; nothing changes when one fails.

    Raises InvalidVpcId.NotFound and InvalidZoneId.NotFound (404); and (400)
    InvalidVSwitchName.Malformed, InvalidDescription.Malformed, InvalidCidrBlock.Malformed,
    `rules.outside_vpc` (a block outside the VPC's), InvalidCidrBlock.Overlapped,
    QuotaExceeded.VSwitch (the VPC holds 150) and, with `rules.one_create_per_vpc`,
    IncorrectVSwitchStatus while another VSwitch of the VPC is still Pending.
    """
    if name is not None and (len(name) > 128 or _is_url(name)):
        raise InvalidVSwitchNameMalformed()
    if description is not None and (len(description) > 256 or _is_url(description)):
        raise InvalidDescriptionMalformed()
    vpc = require_vpc(region, vpc_id)
    if zone_id not in region.zones:
        raise InvalidZoneIdNotFound(zone_id)
    network = _parse_cidr(cidr_block)
    vpc_network = ipaddress.ip_network(vpc.cidr_block)
    if not isinstance(vpc_network, ipaddress.IPv4Network) or not network.subnet_of(vpc_network):
        raise rules.outside_vpc(
            f"The CIDR block {cidr_block} is not inside the VPC's {vpc.cidr_block}."
        )
    siblings = [s for s in region.vswitches.values() if s.vpc_id == vpc_id]
    for other in siblings:
        if network.overlaps(ipaddress.IPv4Network(other.cidr_block)):
            raise InvalidCidrBlockOverlapped(
                f"The CIDR block {cidr_block} overlaps {other.cidr_block} of {other.vswitch_id}."
            )
    if len(siblings) >= MAX_VSWITCHES_PER_VPC:
        raise QuotaExceededVSwitch(
            f"Virtual switch quota exceeded: {vpc_id} holds {len(siblings)} VSwitches, "
            f"at most {MAX_VSWITCHES_PER_VPC}."
        )
    creating = [s.vswitch_id for s in siblings if s.lifecycle.status(now) == PENDING]
    if rules.one_create_per_vpc and creating:
        raise VSwitchCreationInProgress(
            f"VSwitch Creation simultaneously is not supported: {creating[0]} of {vpc_id} is "
            "still Pending; retry once it is Available."
        )
    vswitch = VSwitch(
        vswitch_id=new_id(),
        vpc_id=vpc_id,
        zone_id=zone_id,
        cidr_block=str(network),
        vswitch_name=name or "",
        lifecycle=Lifecycle(
            started_at=now,
            stages=[(PENDING, pending_s)],
            final="Available",
        ),
        created_at=now,
        description=description or "",
    )
    region.vswitches[vswitch.vswitch_id] = vswitch
    return vswitch


def delete_vswitch(region: Region, vswitch_id: str, now: float) -> None:
    """Delete a VSwitch as the VPC API's DeleteVSwitch does, once nothing is in it; nothing
    changes when a rule fails. The VPC API deletes in the background (the VSwitch is Pending,
    then gone); the sandbox deletes at once, which is what a caller waiting for it sees last.

    Raises InvalidVSwitchId.NotFound (404), and (400) IncorrectVSwitchStatus while it is still
    Pending, OperationDenied.OtherSubnetProcessing while another VSwitch of its VPC is, and
    DependencyViolation while an instance is in it. Reference: the VPC API's DeleteVSwitch
    (alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-deletevswitch): only
    an Available VSwitch, none while its VPC creates or deletes one, none with resources in it.
    """
    vswitch = require_vswitch(region, vswitch_id)
    if vswitch.lifecycle.status(now) == PENDING:
        raise IncorrectVSwitchStatus("vpc subnet is in middle status.")
    siblings = [s for s in region.vswitches.values() if s.vpc_id == vswitch.vpc_id]
    if any(s.lifecycle.status(now) == PENDING for s in siblings):
        raise OperationDeniedOtherSubnetProcessing()
    users = sorted(i.instance_id for i in region.instances.values() if i.vswitch_id == vswitch_id)
    if users:
        raise DependencyViolation(
            f"Specified object has dependent resources: {', '.join(users)} in {vswitch_id}."
        )
    del region.vswitches[vswitch_id]
    drop_tags(region, "vswitch", vswitch_id)


# --- the VPC API's tags ------------------------------------------------------------------------
# TagResources' ResourceType values as the VPC SDK documents them (case-insensitive) -> the key
# the region's tags are kept under, for the types the sandbox holds; None for the others.
VPC_RESOURCE_TYPES: dict[str, str | None] = {
    "VPC": "vpc",
    "VSWITCH": "vswitch",
    **dict.fromkeys(
        (
            "ROUTETABLE",
            "EIP",
            "VPNGATEWAY",
            "NATGATEWAY",
            "COMMONBANDWIDTHPACKAGE",
            "PREFIXLIST",
            "PUBLICIPADDRESSPOOL",
            "IPV4GATEWAY",
            "IPV6GATEWAY",
            "NETWORKACL",
            "TRAFFICMIRRORFILTER",
            "TRAFFICMIRRORSESSION",
            "FLOWLOG",
            "HAVIP",
            "DHCPOPTIONSSET",
            "GATEWAYENDPOINT",
            "IPV6ADDRESS",
        )
    ),
}


def vpc_resource_type(value: str) -> str:
    """The documented ResourceType `value` names, upper-cased; raises IllegalParam.ResourceType
    (400) for any other."""
    resource_type = value.upper()
    if resource_type not in VPC_RESOURCE_TYPES:
        raise IllegalParamResourceType(
            f"The param of ResourceType is illegal: {value!r} is not one of "
            f"{', '.join(VPC_RESOURCE_TYPES)}."
        )
    return resource_type


def require_vpc_resource(region: Region, resource_type: str, resource_id: str) -> str:
    """The tag key of an existing resource; raises InvalidVpcId.NotFound,
    InvalidVSwitchId.NotFound or, for a type the sandbox holds none of,
    InvalidResourceId.NotFound (all 404)."""
    key = VPC_RESOURCE_TYPES[resource_type]
    if key == "vpc":
        require_vpc(region, resource_id)
    elif key == "vswitch":
        require_vswitch(region, resource_id)
    else:
        raise InvalidResourceIdNotFound(resource_id)
    return key


def untag_resource(region: Region, key: str, resource_id: str, tag_keys: list[str]) -> None:
    """Remove the named tags (a key the resource does not carry is skipped), or every tag when
    `tag_keys` is empty (UnTagResources' `All`)."""
    held = region.tags.get((key, resource_id), {})
    for tag in tag_keys or list(held):
        held.pop(tag, None)
    if not held:
        region.tags.pop((key, resource_id), None)


def _parse_cidr(cidr_block: str) -> ipaddress.IPv4Network:
    try:
        network = ipaddress.ip_network(cidr_block)
    except ValueError:
        raise InvalidCidrBlockMalformed(
            f"The CIDR block {cidr_block!r} is not a valid IPv4 network."
        ) from None
    if not isinstance(network, ipaddress.IPv4Network) or "/" not in cidr_block:
        raise InvalidCidrBlockMalformed(f"The CIDR block {cidr_block!r} is not IPv4 a.b.c.d/n.")
    if not MIN_PREFIX <= network.prefixlen <= MAX_PREFIX:
        raise InvalidCidrBlockMalformed(
            f"A VSwitch mask must be /{MIN_PREFIX} to /{MAX_PREFIX}, got /{network.prefixlen}."
        )
    return network


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))

"""VPCs, VSwitches and security groups: lookups other families share, and CreateVSwitch's
rules (CIDR inside the VPC, no overlap, /16 to /29; VSwitch `Pending` then `Available`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from ecs_dr.sandbox.errors import (
    InvalidCidrBlockMalformed,
    InvalidCidrBlockOverlapped,
    InvalidDescriptionMalformed,
    InvalidParameterMismatch,
    InvalidSecurityGroupIdNotFound,
    InvalidVpcIdNotFound,
    InvalidVSwitchCidrNotInVpc,
    InvalidVSwitchIdNotFound,
    InvalidVSwitchNameMalformed,
    InvalidZoneIdNotFound,
)
from ecs_dr.sandbox.models.lifecycle import Lifecycle
from ecs_dr.sandbox.models.resources import Region, Vpc, VSwitch

# A VSwitch's mask, as the VPC service allows it.
MIN_PREFIX, MAX_PREFIX = 16, 29
# Alibaba Cloud keeps the first and the last three addresses of every VSwitch.
RESERVED_ADDRESSES = 4


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
) -> VSwitch:
    """Add a VSwitch after checking every rule; nothing changes when one fails.

    Raises InvalidVpcId.NotFound, InvalidZoneId.NotFound, InvalidCidrBlock.Malformed,
    InvalidCIDRBlock.Mismatch (outside the VPC), InvalidCidrBlock.Overlapped,
    InvalidVSwitchName.Malformed, InvalidDescription.Malformed.
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
        raise InvalidVSwitchCidrNotInVpc(
            f"The CIDR block {cidr_block} is not inside the VPC's {vpc.cidr_block}."
        )
    for other in region.vswitches.values():
        if other.vpc_id == vpc_id and network.overlaps(ipaddress.IPv4Network(other.cidr_block)):
            raise InvalidCidrBlockOverlapped(
                f"The CIDR block {cidr_block} overlaps {other.cidr_block} of {other.vswitch_id}."
            )
    vswitch = VSwitch(
        vswitch_id=new_id(),
        vpc_id=vpc_id,
        zone_id=zone_id,
        cidr_block=str(network),
        vswitch_name=name or "",
        lifecycle=Lifecycle(
            started_at=now,
            stages=[("Pending", pending_s)],
            final="Available",
        ),
        created_at=now,
        description=description or "",
    )
    region.vswitches[vswitch.vswitch_id] = vswitch
    return vswitch


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

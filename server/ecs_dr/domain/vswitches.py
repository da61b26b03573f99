"""A new VSwitch as a plan and a result: of the source's VPC, in the target zone, on a block
no other VSwitch uses."""

from __future__ import annotations

from typing import Any, ClassVar

from ecs_dr.domain.cloud_text import MAX_CLOUD_VALUE_CHARS, cloud_text_field
from ecs_dr.domain.models import Frozen

# The VPC service takes VSwitch masks from /16 to /29.
MIN_PREFIX, MAX_PREFIX = 16, 29


class VSwitchPlan(Frozen):
    """CreateVSwitch with every parameter decided."""

    region_id: str
    vpc_id: str
    zone_id: str
    cidr_block: str
    name: str
    source_instance_id: str | None = None

    action: ClassVar[str] = "CreateVSwitch"

    def parameters(self) -> dict[str, Any]:
        return {
            "RegionId": self.region_id,
            "VpcId": self.vpc_id,
            "ZoneId": self.zone_id,
            "CidrBlock": self.cidr_block,
            "VSwitchName": self.name,
        }


class VSwitchResult(Frozen):
    region_id: str
    vswitch_id: str
    vpc_id: str
    zone_id: str
    cidr_block: str
    name: str = cloud_text_field(
        "the VSwitch's name as the VPC API gives it", max_chars=MAX_CLOUD_VALUE_CHARS
    )
    status: str

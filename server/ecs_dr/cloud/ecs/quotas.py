"""The account's quotas in a region, as DescribeAccountAttributes reports them."""

from __future__ import annotations

from ecs_dr.cloud.ecs._sdk import items
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.sdk import ecs
from ecs_dr.domain.quotas import AccountQuotas

MAX_VCPUS = "max-postpaid-instance-vcpu-count"
USED_VCPUS = "used-postpaid-instance-vcpu-count"
MAX_DISK_GIB = "max-postpaid-yundisk-capacity"
USED_DISK_GIB = "used-postpaid-yundisk-capacity"
QUOTA_ATTRIBUTES = (MAX_VCPUS, USED_VCPUS, MAX_DISK_GIB, USED_DISK_GIB)


def _number(values: list[str | None]) -> int | None:
    """The attribute's value as a whole number; None when ECS sent none or not a number.
    Several values (one a zone or disk category) add up to the region's."""
    numbers: list[int] = []
    for value in values:
        try:
            numbers.append(int(str(value).strip()))
        except ValueError:
            return None
    return sum(numbers) if numbers else None


async def account_quotas(gw: EcsGateway, region_id: str) -> AccountQuotas:
    """The pay-as-you-go vCPU and data disk capacity quotas of the region and their use."""
    request = ecs.DescribeAccountAttributesRequest(attribute_name=list(QUOTA_ATTRIBUTES))
    body = await gw.call(region_id, "DescribeAccountAttributes", request)
    found: dict[str, list[str | None]] = {}
    for item in items(body.account_attribute_items, "account_attribute_item"):
        values = [v.value for v in items(item.attribute_values, "value_item")]
        found.setdefault(item.attribute_name, []).extend(values)
    return AccountQuotas(
        region_id=region_id,
        postpaid_vcpus_max=_number(found.get(MAX_VCPUS, [])),
        postpaid_vcpus_used=_number(found.get(USED_VCPUS, [])),
        postpaid_disk_gib_max=_number(found.get(MAX_DISK_GIB, [])),
        postpaid_disk_gib_used=_number(found.get(USED_DISK_GIB, [])),
    )

"""The preflight's quota check: read the region's quotas and hold the plan's needs against
them. A caller without permission to read the quotas gets a finding saying so, not a failed
plan: ECS still refuses, at the create, whatever does not fit.
"""

from __future__ import annotations

from ecs_dr.cloud import ecs
from ecs_dr.cloud.errors import PermissionDenied
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.quotas import QuotaCheck, QuotaNeeds, check_quotas, quota_not_checked


async def quota_check(gw: EcsGateway, region_id: str, needs: QuotaNeeds) -> QuotaCheck:
    """Findings for each quota the plan uses and the problems that block it.

    Nothing is read when the plan needs no quota. A permission error (Forbidden.RAM, ...) on
    DescribeAccountAttributes becomes the finding "Quota not checked: <reason>"; any other
    failure is raised as the gateway raised it.
    """
    if not (needs.postpaid_vcpus or needs.postpaid_disk_gib):
        return QuotaCheck(region_id=region_id)
    try:
        quotas = await ecs.account_quotas(gw, region_id)
    except PermissionDenied as denied:
        return quota_not_checked(
            region_id,
            f"{denied.code} on DescribeAccountAttributes in {region_id}; grant the RAM action "
            f"{denied.ram_action} to check quotas before the plan runs.",
        )
    return check_quotas(needs, quotas)

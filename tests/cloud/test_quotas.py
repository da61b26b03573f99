"""The account's quotas through the facade: DescribeAccountAttributes read into AccountQuotas."""

from __future__ import annotations

import pytest

from ecs_dr.cloud import ecs
from ecs_dr.cloud.errors import PermissionDenied
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.quotas import AccountQuotas
from ecs_dr.sandbox.world import QuotaSpec
from tests.support.sandboxes import SandboxHandle


async def test_account_quotas_read_the_vcpu_and_disk_capacity_quotas_and_their_use(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    # The demo world's cn-hangzhou: five running 2-vCPU pay-as-you-go instances, 900 GiB of
    # pay-as-you-go data disks; Shanghai one instance with 200 GiB.
    defaults = QuotaSpec()
    assert await ecs.account_quotas(gateway, "cn-hangzhou") == AccountQuotas(
        region_id="cn-hangzhou",
        postpaid_vcpus_max=defaults.postpaid_vcpus,
        postpaid_vcpus_used=10,
        postpaid_disk_gib_max=defaults.postpaid_disk_capacity_gib,
        postpaid_disk_gib_used=900,
    )
    shanghai = await ecs.account_quotas(gateway, "cn-shanghai")
    assert (shanghai.postpaid_vcpus_used, shanghai.postpaid_disk_gib_used) == (2, 200)
    [request] = [r for r in sandbox.requests() if r["action"] == "DescribeAccountAttributes"][:1]
    assert request["parameters"]["AttributeName.1"] == "max-postpaid-instance-vcpu-count"


async def test_account_quotas_without_permission_raise_permission_denied_naming_the_action(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    sandbox.add_fault(
        {"kind": "error", "action": "DescribeAccountAttributes", "code": "Forbidden.RAM"}
    )
    with pytest.raises(PermissionDenied) as denied:
        await ecs.account_quotas(gateway, "cn-hangzhou")
    assert denied.value.ram_action == "ecs:DescribeAccountAttributes"

"""The quota preflight against the sandbox: `quota_check` on its own, and Scenario B's plan
refusing new disks past the pay-as-you-go disk capacity quota before anything is created, and
Scenario A's (one source or a fleet, whose needs are summed) refusing vCPUs past the quota.

Each test's sandbox serves the demo world with the quotas it names (`quotas`). In cn-hangzhou the
demo world's pay-as-you-go instances hold 10 vCPUs and 900 GiB of data disks; prod-db-01's data
disks are 100 and 500 GiB.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.disk_recovery import DiskRecoveryPlan
from ecs_dr.domain.instance_recovery import InstanceRecoveryPlan
from ecs_dr.domain.quotas import QuotaNeeds
from ecs_dr.sandbox.app import Sandbox
from ecs_dr.sandbox.clock import VirtualClock
from ecs_dr.sandbox.server import SandboxThread
from ecs_dr.sandbox.world import QuotaSpec, load_world
from ecs_dr.workflows.disk_recovery import plan_disk_recovery
from ecs_dr.workflows.fleet_recovery import plan_fleet_recovery
from ecs_dr.workflows.instance_recovery import plan_instance_recovery
from ecs_dr.workflows.quotas import quota_check
from tests.support.decisions import expect
from tests.support.demo_world import (
    DB_DATA,
    DB_INSTANCE,
    DB_LOG,
    REGION,
    TARGET_INSTANCE,
    TARGET_ZONE,
    WEB_INSTANCE,
)
from tests.support.sandboxes import ACCESS_KEY_ID, ACCESS_KEY_SECRET, SandboxHandle
from tests.support.workflows import mutations

FORBIDDEN = {"kind": "error", "action": "DescribeAccountAttributes", "code": "Forbidden.RAM"}


@pytest.fixture
def quotas() -> dict[str, Any]:
    """The world's quotas; a test names its own with `@pytest.mark.parametrize("quotas", ...)`."""
    return {}


@pytest.fixture
def sandbox(quotas: dict[str, Any]) -> Iterator[SandboxHandle]:
    """The demo world with these quotas (the workflow conftest's gateway signs for it)."""
    world = load_world(None).model_copy(update={"quotas": QuotaSpec(**quotas)})
    clock = VirtualClock()
    emulator = Sandbox(world, {ACCESS_KEY_ID: ACCESS_KEY_SECRET}, clock)
    with SandboxThread(emulator) as server:
        yield SandboxHandle(server.endpoint, ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION, clock)


def _asked(sandbox: SandboxHandle) -> int:
    return sum(1 for r in sandbox.requests() if r["action"] == "DescribeAccountAttributes")


@pytest.mark.parametrize("quotas", [{"postpaid_vcpus": 20, "postpaid_disk_capacity_gib": 1000}])
async def test_quota_check_reports_room_left_and_blocks_what_does_not_fit(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    fits = await quota_check(gateway, REGION, QuotaNeeds(postpaid_vcpus=4, postpaid_disk_gib=100))
    assert fits.fits and fits.checked
    assert fits.findings == [
        "Quota for pay-as-you-go instances in cn-hangzhou: the plan needs 4 vCPUs; 10 of 20 "
        "vCPUs used, 6 vCPUs left after it.",
        "Quota for pay-as-you-go data disks in cn-hangzhou: the plan needs 100 GiB; 900 of "
        "1000 GiB used, 0 GiB left after it.",
    ]
    blocked = await quota_check(gateway, REGION, QuotaNeeds(postpaid_vcpus=12))
    [problem] = blocked.blocking
    assert (problem.code, problem.needed, problem.left, problem.limit) == (
        "QuotaExceed.ElasticQuota",
        12,
        10,
        20,
    )


async def test_a_plan_that_needs_no_quota_reads_none(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    check = await quota_check(gateway, REGION, QuotaNeeds())
    assert (check.findings, check.blocking, _asked(sandbox)) == ([], [], 0)


async def test_quota_check_without_permission_degrades_to_a_finding(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    sandbox.add_fault(FORBIDDEN)
    check = await quota_check(gateway, REGION, QuotaNeeds(postpaid_vcpus=4))
    assert (check.fits, check.checked) == (True, False)
    [finding] = check.findings
    assert finding.startswith("Quota not checked: Forbidden.RAM on DescribeAccountAttributes")
    assert "ecs:DescribeAccountAttributes" in finding


@pytest.mark.parametrize("quotas", [{"postpaid_disk_capacity_gib": 2000}])
async def test_scenario_b_plan_reports_the_disk_capacity_it_needs(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    plan = expect(
        await plan_disk_recovery(gateway, DB_INSTANCE, TARGET_INSTANCE, [DB_DATA, DB_LOG]),
        DiskRecoveryPlan,
    )
    assert plan.findings[-1] == (
        "Quota for pay-as-you-go data disks in cn-hangzhou: the plan needs 600 GiB; 900 of "
        "2000 GiB used, 500 GiB left after it."
    )
    assert mutations(sandbox) == []


@pytest.mark.parametrize("quotas", [{"postpaid_disk_capacity_gib": 1000}])
async def test_scenario_b_plan_past_the_disk_capacity_quota_is_refused_naming_it(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    with pytest.raises(ValueError, match=r"QuotaExceed\.PostPaidDisk") as refused:
        await plan_disk_recovery(gateway, DB_INSTANCE, TARGET_INSTANCE, [DB_DATA, DB_LOG])
    assert "600 GiB for pay-as-you-go data disks but only 100 of 1000 GiB" in str(refused.value)
    assert "Quota Center" in str(refused.value)
    assert mutations(sandbox) == []
    # One disk fits.
    plan = expect(
        await plan_disk_recovery(gateway, DB_INSTANCE, TARGET_INSTANCE, [DB_DATA]), DiskRecoveryPlan
    )
    assert "0 GiB left after it" in plan.findings[-1]


@pytest.mark.parametrize("quotas", [{"postpaid_disk_capacity_gib": 1000}])
async def test_scenario_b_plan_without_permission_to_read_quotas_is_still_made(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    sandbox.add_fault(FORBIDDEN)
    plan = expect(
        await plan_disk_recovery(gateway, DB_INSTANCE, TARGET_INSTANCE, [DB_DATA, DB_LOG]),
        DiskRecoveryPlan,
    )
    assert plan.findings[-1].startswith("Quota not checked: Forbidden.RAM")


@pytest.mark.parametrize("quotas", [{"postpaid_vcpus": 13}])
async def test_a_fleet_is_held_against_the_vcpu_quota_as_a_whole(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    # 10 of 13 vCPUs are used: prod-db-01's DR copy (2 vCPUs) fits, with web-frontend-01's not.
    alone = expect(
        await plan_instance_recovery(gateway, DB_INSTANCE, TARGET_ZONE), InstanceRecoveryPlan
    )
    assert alone.quota_needs.postpaid_vcpus == 2
    assert any("the plan needs 2 vCPUs; 10 of 13 vCPUs used" in f for f in alone.findings)
    with pytest.raises(ValueError, match=r"QuotaExceed\.ElasticQuota") as raised:
        await plan_fleet_recovery(gateway, [DB_INSTANCE, WEB_INSTANCE], TARGET_ZONE)
    assert "4" in str(raised.value)
    assert _asked(sandbox) == 2
    assert mutations(sandbox) == []


@pytest.mark.parametrize("quotas", [{"postpaid_vcpus": 11}])
async def test_scenario_a_plan_past_the_vcpu_quota_is_refused_naming_it(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    with pytest.raises(ValueError, match=r"QuotaExceed\.ElasticQuota"):
        await plan_instance_recovery(gateway, DB_INSTANCE, TARGET_ZONE)
    assert mutations(sandbox) == []


async def test_scenario_a_plan_without_permission_to_read_quotas_is_still_made(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    sandbox.add_fault(FORBIDDEN)
    plan = expect(
        await plan_instance_recovery(gateway, DB_INSTANCE, TARGET_ZONE), InstanceRecoveryPlan
    )
    assert any(f.startswith("Quota not checked: Forbidden.RAM") for f in plan.findings)

"""Scenario B's bad input: a clear error naming what is wrong and what is valid; nothing is
created or attached."""

from __future__ import annotations

import anyio
import pytest
from alibabacloud_ecs20140526 import models as sdk

from ecs_dr.cloud.ecs import Timing
from ecs_dr.cloud.errors import NotFound
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.workflows.scenario_b import prepare_attach_disk, prepare_disk_from_snapshot
from tests.support.decisions import ready_plan
from tests.support.demo_world import (
    DB_DATA,
    DB_INSTANCE,
    DB_LOG,
    REGION,
    SHANGHAI_INSTANCE,
    STOPPED_INSTANCE,
    TARGET_INSTANCE,
    TARGET_SYSTEM,
    TARGET_ZONE,
)
from tests.support.sandboxes import SandboxHandle
from tests.support.scenario_b_steps import new_disk, snapshot_of
from tests.support.workflows import FLOW_LIMIT_S, Steps, mutations

MISSING_SNAPSHOT = "s-bp1doesnotexist0001"


def created(sandbox: SandboxHandle) -> list[str]:
    """What was created or attached besides the snapshots the test itself took."""
    return [
        r["action"]
        for r in mutations(sandbox)
        if r["action"] not in ("CreateSnapshot", "TagResources")
    ]


@pytest.fixture
async def log_snapshot(gateway: EcsGateway, steps: Steps, timing: Timing) -> str:
    """An accomplished snapshot of prod-db-01's 500 GiB PL2 disk."""
    with anyio.fail_after(FLOW_LIMIT_S):
        return await snapshot_of(gateway, steps, timing, DB_LOG)


async def test_an_unknown_snapshot_names_every_region_searched(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    with pytest.raises(NotFound, match="searched cn-hangzhou, cn-shanghai") as raised:
        await prepare_disk_from_snapshot(gateway, MISSING_SNAPSHOT, TARGET_INSTANCE)

    assert raised.value.code == "InvalidSnapshotId.NotFound"
    assert mutations(sandbox) == []


async def test_a_target_in_another_region_is_refused_naming_both_regions(
    gateway: EcsGateway, sandbox: SandboxHandle, log_snapshot: str
) -> None:
    with pytest.raises(ValueError, match=r"in cn-shanghai, but the snapshot .* in cn-hangzhou"):
        await prepare_disk_from_snapshot(gateway, log_snapshot, SHANGHAI_INSTANCE)

    assert created(sandbox) == []


async def test_an_unknown_target_names_every_region_searched(
    gateway: EcsGateway, log_snapshot: str
) -> None:
    with pytest.raises(NotFound, match="searched cn-hangzhou, cn-shanghai") as raised:
        await prepare_disk_from_snapshot(gateway, log_snapshot, "i-bp1doesnotexist0001")

    assert raised.value.code == "InvalidInstanceId.NotFound"


async def test_a_size_below_the_snapshots_source_is_refused_with_the_smallest_valid_size(
    gateway: EcsGateway, sandbox: SandboxHandle, log_snapshot: str
) -> None:
    with pytest.raises(ValueError, match="Pass size >= 500"):
        await prepare_disk_from_snapshot(gateway, log_snapshot, TARGET_INSTANCE, size=400)

    assert created(sandbox) == []


async def test_a_performance_level_that_does_not_fit_the_size_names_those_that_do(
    gateway: EcsGateway, sandbox: SandboxHandle, log_snapshot: str
) -> None:
    with pytest.raises(ValueError, match="can have: PL0, PL1, PL2"):
        await prepare_disk_from_snapshot(
            gateway, log_snapshot, TARGET_INSTANCE, performance_level="PL3"
        )

    assert created(sandbox) == []


async def test_a_performance_level_for_another_category_than_cloud_essd_is_refused(
    gateway: EcsGateway, log_snapshot: str
) -> None:
    with pytest.raises(ValueError, match="cloud_essd only, not cloud_auto"):
        await prepare_disk_from_snapshot(
            gateway,
            log_snapshot,
            TARGET_INSTANCE,
            disk_category="cloud_auto",
            performance_level="PL1",
        )


async def test_a_user_chosen_size_and_level_are_what_create_disk_gets(
    gateway: EcsGateway, log_snapshot: str
) -> None:
    prepared = ready_plan(
        await prepare_disk_from_snapshot(
            gateway,
            log_snapshot,
            TARGET_INSTANCE,
            size=1300,
            performance_level="PL3",
            disk_name="wal-copy",
        )
    )

    parameters = prepared.confirm.context["parameters"]
    assert (parameters["Size"], parameters["PerformanceLevel"], parameters["DiskName"]) == (
        1300,
        "PL3",
        "wal-copy",
    )


async def test_a_disk_attached_to_another_instance_is_refused_naming_that_instance(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    with pytest.raises(ValueError, match=f"attached to another instance, {DB_INSTANCE}"):
        await prepare_attach_disk(gateway, DB_DATA, TARGET_INSTANCE)

    assert mutations(sandbox) == []


async def test_a_disk_in_another_zone_than_the_target_is_refused_saying_where_each_is(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing, log_snapshot: str
) -> None:
    with anyio.fail_after(FLOW_LIMIT_S):
        disk = await new_disk(gateway, steps, timing, log_snapshot, TARGET_INSTANCE)

    with pytest.raises(
        ValueError, match=f"is in {TARGET_ZONE} and {STOPPED_INSTANCE} in cn-hangzhou-l"
    ):
        await prepare_attach_disk(gateway, disk.disk_id, STOPPED_INSTANCE)

    assert "AttachDisk" not in created(sandbox)


async def test_a_disk_still_being_created_is_refused_until_it_is_available(
    gateway: EcsGateway, sandbox: SandboxHandle, log_snapshot: str
) -> None:
    request = sdk.CreateDiskRequest(
        zone_id=TARGET_ZONE,
        snapshot_id=log_snapshot,
        disk_category="cloud_essd",
        performance_level="PL2",
    )
    disk_id = str((await gateway.call(REGION, "CreateDisk", request)).disk_id)

    with pytest.raises(ValueError, match=f"{disk_id} is Creating; ECS attaches only an Available"):
        await prepare_attach_disk(gateway, disk_id, TARGET_INSTANCE)

    assert "AttachDisk" not in created(sandbox)


async def test_a_target_at_its_data_disk_limit_is_refused(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing, log_snapshot: str
) -> None:
    with anyio.fail_after(FLOW_LIMIT_S):
        disk = await new_disk(gateway, steps, timing, log_snapshot, TARGET_INSTANCE)
        # Fill dr-target-01 (ecs.g7.large: 16 data disks) with empty disks created onto it.
        for _ in range(16):
            request = sdk.CreateDiskRequest(
                instance_id=TARGET_INSTANCE,
                disk_category="cloud_essd",
                size=20,
                performance_level="PL0",
            )
            await gateway.call(REGION, "CreateDisk", request)

    with pytest.raises(ValueError, match="already has 16 data disks, the most its type takes"):
        await prepare_attach_disk(gateway, disk.disk_id, TARGET_INSTANCE)

    assert "AttachDisk" not in created(sandbox)


async def test_a_disk_already_on_the_target_is_not_attached_again(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    with pytest.raises(ValueError, match="already attached to"):
        await prepare_attach_disk(gateway, TARGET_SYSTEM, TARGET_INSTANCE)

    assert mutations(sandbox) == []


async def test_an_unknown_disk_names_every_region_searched(gateway: EcsGateway) -> None:
    with pytest.raises(NotFound, match="searched cn-hangzhou, cn-shanghai"):
        await prepare_attach_disk(gateway, "d-bp1doesnotexist0001", TARGET_INSTANCE)

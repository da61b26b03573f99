"""Bad input gets a clear error naming the problem and what is valid, and creates nothing."""

from __future__ import annotations

import re

import anyio
import pytest

from ecs_dr.cloud.ecs import Timing
from ecs_dr.cloud.errors import NotFound, WaiterTimeout
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.workflows.scenario_a import (
    check_target_zone,
    execute_full_image,
    execute_snapshot,
    prepare_dr_instance,
    prepare_full_image,
    prepare_snapshot,
    prepare_snapshot_group,
    prepare_vswitch,
    verify_dr_instance,
)
from tests.support.decisions import confirmation, ready_plan
from tests.support.demo_world import (
    DB_INSTANCE,
    DB_SYSTEM,
    PROD_VPC,
    REGION,
    STAGING_VSWITCH,
    WEB_INSTANCE,
    WEB_SYSTEM,
    ZONE_K_VSWITCH,
)
from tests.support.sandboxes import SandboxHandle
from tests.support.workflows import FLOW_LIMIT_S, ProgressLog, Steps, mutations

VALID_TARGETS = "cn-hangzhou-i, cn-hangzhou-j, cn-hangzhou-k, cn-hangzhou-l"


async def web_snapshot(gateway: EcsGateway, steps: Steps, timing: Timing, disk_id: str) -> str:
    first = await prepare_snapshot(gateway, disk_id)
    plan = ready_plan(await prepare_snapshot(gateway, disk_id, decisions=confirmation(first)))
    result = await execute_snapshot(
        gateway, plan.plan, steps.start("create_snapshot"), ProgressLog(), timing=timing
    )
    return result.snapshot_id


async def web_image(gateway: EcsGateway, steps: Steps, timing: Timing) -> str:
    snapshot_id = await web_snapshot(gateway, steps, timing, WEB_SYSTEM)
    first = await prepare_full_image(gateway, WEB_INSTANCE, snapshot_id=snapshot_id)
    plan = ready_plan(
        await prepare_full_image(
            gateway, WEB_INSTANCE, snapshot_id=snapshot_id, decisions=confirmation(first)
        )
    )
    result = await execute_full_image(
        gateway, plan.plan, steps.start("create_full_image"), ProgressLog(), timing=timing
    )
    return result.image_id


async def test_an_unknown_instance_names_every_region_searched(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    with pytest.raises(NotFound, match="searched cn-hangzhou, cn-shanghai") as raised:
        await prepare_snapshot_group(gateway, "i-bp1doesnotexist0001")

    assert raised.value.code == "InvalidInstanceId.NotFound"
    assert mutations(sandbox) == []


async def test_an_unknown_instance_in_the_region_given_is_not_found_there(
    gateway: EcsGateway,
) -> None:
    with pytest.raises(NotFound, match="no instance i-bp1doesnotexist0001 in cn-shanghai"):
        await check_target_zone(gateway, "i-bp1doesnotexist0001", "cn-shanghai-f", "cn-shanghai")


async def test_an_unknown_disk_is_not_found(gateway: EcsGateway, sandbox: SandboxHandle) -> None:
    with pytest.raises(NotFound) as raised:
        await prepare_snapshot(gateway, "d-bp1doesnotexist0001")

    assert raised.value.code == "InvalidDiskId.NotFound"
    assert mutations(sandbox) == []


async def test_an_unknown_image_is_not_found(gateway: EcsGateway, sandbox: SandboxHandle) -> None:
    with pytest.raises(NotFound, match="create_full_image") as raised:
        await prepare_dr_instance(gateway, DB_INSTANCE, "m-bp1doesnotexist0001", "cn-hangzhou-i")

    assert raised.value.code == "InvalidImageId.NotFound"
    assert mutations(sandbox) == []


@pytest.mark.parametrize(
    ("zone_id", "problem"),
    [
        ("cn-hangzhou-z", "is not a zone of cn-hangzhou"),
        ("cn-shanghai-e", "stays in the source's region"),
        ("cn-hangzhou-h", "is the zone of i-bp1proddb0000000001 itself"),
    ],
    ids=["unknown zone", "zone of another region", "the source's own zone"],
)
async def test_a_zone_that_cannot_take_the_copy_is_refused_listing_the_valid_ones(
    gateway: EcsGateway, sandbox: SandboxHandle, zone_id: str, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem) as raised:
        await check_target_zone(gateway, DB_INSTANCE, zone_id)
    assert VALID_TARGETS in str(raised.value)

    with pytest.raises(ValueError, match=problem):
        await prepare_dr_instance(gateway, DB_INSTANCE, "m-any", zone_id)
    assert mutations(sandbox) == []


@pytest.mark.parametrize(
    "name",
    ["1-starts-with-a-digit", "http://example.com", "a", "x" * 129, "has space", "semi;colon"],
)
async def test_an_instance_name_ecs_would_reject_is_refused_stating_the_rule(
    gateway: EcsGateway, sandbox: SandboxHandle, name: str
) -> None:
    with pytest.raises(ValueError, match="starts with a letter"):
        await prepare_dr_instance(
            gateway, DB_INSTANCE, "m-any", "cn-hangzhou-i", instance_name=name
        )
    assert mutations(sandbox) == []


async def test_an_image_not_built_from_this_source_is_refused(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    with anyio.fail_after(FLOW_LIMIT_S):
        image_id = await web_image(gateway, steps, timing)
    before = mutations(sandbox)

    with pytest.raises(
        ValueError, match=f"{image_id} was not built from the disks of {DB_INSTANCE}"
    ):
        await prepare_dr_instance(gateway, DB_INSTANCE, image_id, "cn-hangzhou-i")
    assert mutations(sandbox) == before


async def test_an_image_still_being_created_cannot_be_run_yet(
    gateway: EcsGateway, steps: Steps, timing: Timing
) -> None:
    with anyio.fail_after(FLOW_LIMIT_S):
        snapshot_id = await web_snapshot(gateway, steps, timing, WEB_SYSTEM)
    first = await prepare_full_image(gateway, WEB_INSTANCE, snapshot_id=snapshot_id)
    plan = ready_plan(
        await prepare_full_image(
            gateway, WEB_INSTANCE, snapshot_id=snapshot_id, decisions=confirmation(first)
        )
    )
    never = Timing(sleep=timing.sleep, clock=timing.clock, now=timing.now, timeout_s=0)
    with pytest.raises(WaiterTimeout, match="still Creating"):
        await execute_full_image(
            gateway, plan.plan, steps.start("create_full_image"), ProgressLog(), timing=never
        )
    [image_id] = [s.resource_id for s in steps.journal.list()[0].steps]

    with pytest.raises(ValueError, match="is Creating"):
        await prepare_dr_instance(gateway, WEB_INSTANCE, image_id or "", "cn-hangzhou-i")


async def test_snapshots_of_another_instance_or_missing_a_disk_make_no_image(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    with anyio.fail_after(FLOW_LIMIT_S):
        web_snapshot_id = await web_snapshot(gateway, steps, timing, WEB_SYSTEM)
        db_system_snapshot = await web_snapshot(gateway, steps, timing, DB_SYSTEM)
    before = mutations(sandbox)

    with pytest.raises(ValueError, match=f"is not a snapshot of a disk of {DB_INSTANCE}"):
        await prepare_full_image(gateway, DB_INSTANCE, snapshot_id=web_snapshot_id)
    with pytest.raises(ValueError, match="has no snapshot"):
        await prepare_full_image(gateway, DB_INSTANCE, snapshot_id=db_system_snapshot)
    with pytest.raises(NotFound):
        await prepare_full_image(gateway, DB_INSTANCE, snapshot_ids=["s-bp1doesnotexist0001"])
    with pytest.raises(NotFound):
        await prepare_full_image(gateway, DB_INSTANCE, snapshot_group_id="ssg-bp1doesnotexist001")
    with pytest.raises(ValueError, match="exactly one of them"):
        await prepare_full_image(gateway, DB_INSTANCE)
    assert mutations(sandbox) == before


@pytest.mark.parametrize(
    ("vswitch_id", "problem"),
    [
        (STAGING_VSWITCH, "is not a VSwitch of vpc-bp1prod0000000000001"),
        (ZONE_K_VSWITCH, "is in cn-hangzhou-k, not in the target zone"),
    ],
    ids=["another VPC", "another zone"],
)
async def test_a_vswitch_outside_the_vpc_or_the_zone_is_refused(
    gateway: EcsGateway, steps: Steps, timing: Timing, vswitch_id: str, problem: str
) -> None:
    with anyio.fail_after(FLOW_LIMIT_S):
        image_id = await web_image(gateway, steps, timing)

    with pytest.raises(ValueError, match=problem):
        await prepare_dr_instance(
            gateway, WEB_INSTANCE, image_id, "cn-hangzhou-i", vswitch_id=vswitch_id
        )


async def test_an_unknown_instance_type_is_refused(
    gateway: EcsGateway, steps: Steps, timing: Timing
) -> None:
    with anyio.fail_after(FLOW_LIMIT_S):
        image_id = await web_image(gateway, steps, timing)

    with pytest.raises(ValueError, match=re.escape("'ecs.nope.large' is not an instance type")):
        await prepare_dr_instance(
            gateway, WEB_INSTANCE, image_id, "cn-hangzhou-i", instance_type="ecs.nope.large"
        )


@pytest.mark.parametrize(
    ("cidr_block", "problem"),
    [
        ("172.16.1.0/24", "overlaps 172.16.1.0/24 of vsw-bp1prodh00000000001"),
        ("10.9.0.0/24", "is not inside the VPC"),
        ("172.16.9.1/24", "is not an IPv4 block"),
        ("172.16.9.0/30", "/16 to /29"),
    ],
)
async def test_a_vswitch_block_that_is_used_outside_or_malformed_is_refused_with_a_free_one(
    gateway: EcsGateway, sandbox: SandboxHandle, cidr_block: str, problem: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        await prepare_vswitch(gateway, PROD_VPC, "cn-hangzhou-j", REGION, cidr_block=cidr_block)
    assert mutations(sandbox) == []


async def test_verifying_an_instance_against_itself_is_refused(gateway: EcsGateway) -> None:
    with pytest.raises(ValueError, match="the same instance"):
        await verify_dr_instance(gateway, DB_INSTANCE, DB_INSTANCE)

"""Scenario A on web-frontend-01: a system disk only, a public IP and 5 Mbps, into zone I."""

from __future__ import annotations

import anyio
import pytest

from ecs_dr.cloud.ecs import Timing
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.plans import TAG_OPERATION, TAG_SOURCE
from ecs_dr.workflows.scenario_a import (
    describe_source,
    execute_dr_instance,
    execute_full_image,
    execute_snapshot,
    prepare_dr_instance,
    prepare_full_image,
    prepare_snapshot,
    prepare_snapshot_group,
)
from tests.support.decisions import confirmation, ready_plan
from tests.support.demo_world import TARGET_ZONE, WEB_INSTANCE, WEB_SYSTEM
from tests.support.sandboxes import SandboxHandle
from tests.support.workflows import (
    FLOW_LIMIT_S,
    ProgressLog,
    Steps,
    mutations,
    region_state,
    tags_of,
)


async def test_a_single_disk_source_gets_a_single_snapshot_not_a_group(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    report = await describe_source(gateway, WEB_INSTANCE)

    assert report.snapshot_strategy == "single_snapshot"
    assert report.has_public_ip and report.dr_bandwidth == 5
    with pytest.raises(ValueError, match=f"create_snapshot\\(disk_id='{WEB_SYSTEM}'\\)"):
        await prepare_snapshot_group(gateway, WEB_INSTANCE)
    assert mutations(sandbox) == []


async def test_single_disk_source_recovers_with_a_system_only_image_and_its_bandwidth(
    gateway: EcsGateway,
    sandbox: SandboxHandle,
    steps: Steps,
    progress: ProgressLog,
    timing: Timing,
) -> None:
    with anyio.fail_after(FLOW_LIMIT_S):
        first = await prepare_snapshot(gateway, WEB_SYSTEM)
        plan = ready_plan(
            await prepare_snapshot(gateway, WEB_SYSTEM, decisions=confirmation(first))
        )
        snapshot = await execute_snapshot(
            gateway, plan.plan, steps.start("create_snapshot"), progress, timing=timing
        )
        first_image = await prepare_full_image(
            gateway, WEB_INSTANCE, snapshot_id=snapshot.snapshot_id
        )
        image_plan = ready_plan(
            await prepare_full_image(
                gateway,
                WEB_INSTANCE,
                snapshot_id=snapshot.snapshot_id,
                decisions=confirmation(first_image),
            )
        )
        image = await execute_full_image(
            gateway, image_plan.plan, steps.start("create_full_image"), ProgressLog(), timing=timing
        )
        first_run = await prepare_dr_instance(gateway, WEB_INSTANCE, image.image_id, TARGET_ZONE)
        run_plan = ready_plan(
            await prepare_dr_instance(
                gateway,
                WEB_INSTANCE,
                image.image_id,
                TARGET_ZONE,
                decisions=confirmation(first_run),
            )
        )
        result = await execute_dr_instance(
            gateway, run_plan.plan, steps.start("run_dr_instance"), ProgressLog(), timing=timing
        )

    assert snapshot.disk_id == WEB_SYSTEM and snapshot.instance_id == WEB_INSTANCE
    assert snapshot.kind == "system" and snapshot.device == "/dev/xvda"
    assert snapshot.zone_redundant and snapshot.zone_redundant_at is not None
    assert progress.values[-1] == 100
    assert [(m.device, m.kind, m.snapshot_id, m.size_gib) for m in image.mappings] == [
        ("/dev/xvda", "system", snapshot.snapshot_id, 40)
    ]
    assert result.all_match, result.markdown
    assert result.instance.internet_max_bandwidth_out == 5
    assert result.instance.has_public_ip
    assert result.instance.name == "recovery-web-frontend-01"
    assert result.instance.instance_type == "ecs.c7.large"

    [run] = [r["parameters"] for r in mutations(sandbox) if r["action"] == "RunInstances"]
    assert run["InternetMaxBandwidthOut"] == "5"
    assert run["SystemDisk.PerformanceLevel"] == "PL1"
    assert not any(key.startswith("DataDisk.") for key in run)
    [create] = [r["parameters"] for r in mutations(sandbox) if r["action"] == "CreateImage"]
    assert "DiskDeviceMapping.2.SnapshotId" not in create

    state = region_state(sandbox)
    assert state["instances"][result.dr_instance_id]["public_ip"]
    for resource_type, resource_id in (
        ("snapshot", snapshot.snapshot_id),
        ("image", image.image_id),
        ("instance", result.dr_instance_id),
    ):
        tags = tags_of(state, resource_type, resource_id)
        assert tags[TAG_SOURCE] == WEB_INSTANCE and tags[TAG_OPERATION].startswith("op-")


async def test_an_image_name_is_taken_only_by_an_image_of_exactly_that_name(
    gateway: EcsGateway, steps: Steps, timing: Timing
) -> None:
    with anyio.fail_after(FLOW_LIMIT_S):
        first = await prepare_snapshot(gateway, WEB_SYSTEM)
        plan = ready_plan(
            await prepare_snapshot(gateway, WEB_SYSTEM, decisions=confirmation(first))
        )
        snapshot = await execute_snapshot(
            gateway, plan.plan, steps.start("create_snapshot"), ProgressLog(), timing=timing
        )
        asked = await prepare_full_image(
            gateway, WEB_INSTANCE, snapshot_id=snapshot.snapshot_id, image_name="recovery-web-2"
        )
        image_plan = ready_plan(
            await prepare_full_image(
                gateway,
                WEB_INSTANCE,
                snapshot_id=snapshot.snapshot_id,
                image_name="recovery-web-2",
                decisions=confirmation(asked),
            )
        )
        await execute_full_image(
            gateway, image_plan.plan, steps.start("create_full_image"), ProgressLog(), timing=timing
        )

    # DescribeImages' ImageName matches fuzzily: recovery-web also finds recovery-web-2.
    shorter = await prepare_full_image(
        gateway, WEB_INSTANCE, snapshot_id=snapshot.snapshot_id, image_name="recovery-web"
    )
    assert ready_plan(shorter).plan.image_name == "recovery-web"
    with pytest.raises(ValueError, match="'recovery-web-2' already exists"):
        await prepare_full_image(
            gateway, WEB_INSTANCE, snapshot_id=snapshot.snapshot_id, image_name="recovery-web-2"
        )

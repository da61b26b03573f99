"""Scenario A on legacy-app-01: an ESSD system disk and a cloud_efficiency data disk, which a
snapshot-consistent group refuses. Per-disk snapshots only with the user's consent."""

from __future__ import annotations

import anyio

from ecs_dr.cloud.ecs import Timing
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.plans import TAG_OPERATION
from ecs_dr.workflows.scenario_a import (
    describe_source,
    execute_dr_instance,
    execute_full_image,
    execute_snapshot_group,
    prepare_dr_instance,
    prepare_full_image,
    prepare_snapshot_group,
)
from tests.support.decisions import confirmation, needs, ready_plan, was_cancelled
from tests.support.demo_world import LEGACY_DATA, LEGACY_INSTANCE, LEGACY_SYSTEM
from tests.support.sandboxes import SandboxHandle
from tests.support.workflows import (
    FLOW_LIMIT_S,
    ProgressLog,
    Steps,
    mutations,
    region_state,
    tags_of,
)

PER_DISK = {"snapshot_strategy": "per_disk_snapshots"}


async def test_a_non_essd_data_disk_asks_before_per_disk_snapshots_and_says_they_are_not_consistent(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    report = await describe_source(gateway, LEGACY_INSTANCE)
    assert report.snapshot_strategy == "per_disk_snapshots"
    assert any(LEGACY_DATA in b and "cloud_efficiency" in b for b in report.group_blockers)

    asked = needs(await prepare_snapshot_group(gateway, LEGACY_INSTANCE))

    [prompt] = asked.prompts
    assert prompt.decision_id == "snapshot_strategy"
    assert [o.value for o in prompt.options] == ["per_disk_snapshots", "cancel"]
    assert "NOT crash-consistent" in prompt.options[0].description
    assert mutations(sandbox) == []


async def test_cancel_at_the_strategy_prompt_creates_nothing(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    prepared = await prepare_snapshot_group(
        gateway, LEGACY_INSTANCE, decisions={"snapshot_strategy": "cancel"}
    )

    assert was_cancelled(prepared).decision_id == "snapshot_strategy"
    assert mutations(sandbox) == []


async def test_per_disk_snapshots_feed_a_full_image_and_the_dr_instance_keeps_the_category(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    progress = ProgressLog()
    with anyio.fail_after(FLOW_LIMIT_S):
        first = await prepare_snapshot_group(gateway, LEGACY_INSTANCE, decisions=PER_DISK)
        plan = ready_plan(
            await prepare_snapshot_group(
                gateway, LEGACY_INSTANCE, decisions=confirmation(first, PER_DISK)
            )
        )
        assert plan.plan.strategy == "per_disk_snapshots"
        snapshots = await execute_snapshot_group(
            gateway, plan.plan, steps.start("create_snapshot_group"), progress, timing=timing
        )
        ids = [s.snapshot_id for s in snapshots.snapshots]
        first_image = await prepare_full_image(gateway, LEGACY_INSTANCE, snapshot_ids=ids)
        image_plan = ready_plan(
            await prepare_full_image(
                gateway, LEGACY_INSTANCE, snapshot_ids=ids, decisions=confirmation(first_image)
            )
        )
        image = await execute_full_image(
            gateway, image_plan.plan, steps.start("create_full_image"), ProgressLog(), timing=timing
        )
        first_run = await prepare_dr_instance(
            gateway, LEGACY_INSTANCE, image.image_id, "cn-hangzhou-i"
        )
        run_plan = ready_plan(
            await prepare_dr_instance(
                gateway,
                LEGACY_INSTANCE,
                image.image_id,
                "cn-hangzhou-i",
                decisions=confirmation(first_run),
            )
        )
        result = await execute_dr_instance(
            gateway, run_plan.plan, steps.start("run_dr_instance"), ProgressLog(), timing=timing
        )

    assert snapshots.snapshot_group_id is None and not snapshots.crash_consistent
    assert "NOT crash-consistent" in snapshots.note
    assert [(s.disk_id, s.device) for s in snapshots.snapshots] == [
        (LEGACY_SYSTEM, "/dev/xvda"),
        (LEGACY_DATA, "/dev/xvdb"),
    ]
    assert all(s.zone_redundant and s.zone_redundant_at for s in snapshots.snapshots)
    assert progress.values == sorted(progress.values) and progress.values[-1] == 100
    creates = [r for r in mutations(sandbox) if r["action"] == "CreateSnapshot"]
    assert len(creates) == 2
    assert not any(r["action"] == "CreateSnapshotGroup" for r in mutations(sandbox))
    # The two creates went out together, before either snapshot was polled.
    actions = [r["action"] for r in sandbox.requests()]
    first_poll = actions.index("DescribeSnapshots")
    assert actions.index("CreateSnapshot") < first_poll
    assert len(actions) - actions[::-1].index("CreateSnapshot") - 1 < first_poll

    journal = steps.journal.list()
    snapshot_steps = next(op for op in journal if op.kind == "create_snapshot_group").steps
    assert sorted(s.step for s in snapshot_steps) == [
        "create_snapshot_xvda",
        "create_snapshot_xvdb",
    ]
    assert {s.resource_id for s in snapshot_steps} == set(ids)

    assert result.all_match, result.markdown
    disks = {d.device: (d.category, d.size_gib, d.performance_level) for d in result.instance.disks}
    assert disks == {
        "/dev/xvda": ("cloud_essd", 40, "PL1"),
        "/dev/xvdb": ("cloud_efficiency", 200, None),
    }
    [run] = [r["parameters"] for r in mutations(sandbox) if r["action"] == "RunInstances"]
    assert run["InternetChargeType"] == "PayByBandwidth"
    assert run["InternetMaxBandwidthOut"] == "0"
    assert "DataDisk.1.PerformanceLevel" not in run
    state = region_state(sandbox)
    for snapshot_id in ids:
        assert tags_of(state, "snapshot", snapshot_id)[TAG_OPERATION].startswith("op-")

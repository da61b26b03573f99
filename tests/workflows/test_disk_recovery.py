"""Scenario B as one plan against the sandbox: planned without a mutating call, executed with
the snapshots and the disks of k disks made concurrently, attached one by one."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from alibabacloud_ecs20140526 import models as sdk

from ecs_dr.cloud.ecs import Timing
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.disk_recovery import DiskRecoveryPlan, DiskRecoveryResult
from ecs_dr.domain.plans import TAG_OPERATION, TAG_SOURCE, Cancelled, NeedsDecision
from ecs_dr.workflows.disk_recovery import check_current, execute_disk_recovery, plan_disk_recovery
from tests.support.decisions import expect
from tests.support.demo_world import (
    DB_DATA,
    DB_INSTANCE,
    DB_LOG,
    DB_SYSTEM,
    ENTRY_DATA,
    ENTRY_INSTANCE,
    REGION,
    SHANGHAI_INSTANCE,
    STOPPED_INSTANCE,
    STOPPED_ZONE,
    TARGET_INSTANCE,
    TARGET_ZONE,
)
from tests.support.sandboxes import SandboxHandle
from tests.support.workflows import (
    FLOW_LIMIT_S,
    ProgressLog,
    Steps,
    mutations,
    region_state,
    tags_of,
)


async def execute(
    gateway: EcsGateway,
    steps: Steps,
    timing: Timing,
    plan: DiskRecoveryPlan,
    progress: ProgressLog | None = None,
) -> tuple[DiskRecoveryResult, str]:
    step = steps.start("execute_recovery")
    with anyio.fail_after(FLOW_LIMIT_S):
        result = await execute_disk_recovery(
            gateway, plan, step, progress or ProgressLog(), timing=timing
        )
    return result, step.operation_id


def actions_after(requests: list[dict[str, Any]], action: str) -> list[str]:
    first = next(n for n, r in enumerate(requests) if r["action"] == action)
    return [r["action"] for r in requests[first:]]


async def test_two_data_disks_are_snapshotted_and_created_together_then_attached_in_order(
    gateway: EcsGateway,
    sandbox: SandboxHandle,
    steps: Steps,
    progress: ProgressLog,
    timing: Timing,
) -> None:
    first = expect(await plan_disk_recovery(gateway, DB_INSTANCE, TARGET_INSTANCE), NeedsDecision)
    (prompt,) = first.prompts
    assert prompt.decision_id == f"disks_{DB_INSTANCE}"
    assert prompt.multi_select
    assert prompt.values == [f"disk:{DB_DATA}", f"disk:{DB_LOG}"]
    both = f"disk:{DB_LOG},disk:{DB_DATA}"
    plan = expect(
        await plan_disk_recovery(
            gateway, DB_INSTANCE, TARGET_INSTANCE, decisions={prompt.decision_id: both}
        ),
        DiskRecoveryPlan,
    )
    assert mutations(sandbox) == []

    steps_planned = [(s.step, s.action) for s in plan.steps()]
    assert steps_planned == [
        ("snapshot_xvdb", "CreateSnapshot"),
        ("snapshot_xvdc", "CreateSnapshot"),
        ("create_disk_xvdb", "CreateDisk"),
        ("create_disk_xvdc", "CreateDisk"),
        ("attach_xvdb", "AttachDisk"),
        ("attach_xvdc", "AttachDisk"),
    ]
    log_disk = plan.steps()[3].parameters
    assert log_disk == {
        "RegionId": REGION,
        "ZoneId": TARGET_ZONE,
        "SnapshotId": f"(snapshot of {DB_LOG})",
        "DiskCategory": "cloud_essd",
        "Size": 500,
        "PerformanceLevel": "PL2",
        "DiskName": "recovery-prod-db-01-wal",
    }
    assert plan.preflight.cross_zone and plan.preflight.data_disks_after == 2
    assert plan.preflight.data_disk_limit == 16
    assert plan.estimated_duration_s == pytest.approx(30 + 0.6 * 500 + 10 + 0.02 * 500 + 2 * 5)

    result, operation_id = await execute(gateway, steps, timing, plan, progress)

    assert [(r.source_disk_id, r.target_device) for r in result.rows] == [
        (DB_DATA, "/dev/xvdb"),
        (DB_LOG, "/dev/xvdc"),
    ]
    assert [(r.category, r.size_gib, r.performance_level) for r in result.rows] == [
        ("cloud_essd", 100, "PL1"),
        ("cloud_essd", 500, "PL2"),
    ]
    assert [(r.device, r.new) for r in result.layout] == [
        ("/dev/xvda", False),
        ("/dev/xvdb", True),
        ("/dev/xvdc", True),
    ]
    assert "mounted" in result.reminder and "mount " not in result.reminder
    assert result.zone_redundant_at is not None
    assert progress.values == sorted(progress.values) and progress.values[-1] == 100

    state = region_state(sandbox)
    for row in result.rows:
        disk = state["disks"][row.disk_id]
        assert (disk["instance_id"], disk["zone_id"], disk["status"]) == (
            TARGET_INSTANCE,
            TARGET_ZONE,
            "In_use",
        )
        assert state["snapshots"][row.snapshot_id]["status"] == "accomplished"
        for kind, resource in (("disk", row.disk_id), ("snapshot", row.snapshot_id)):
            tags = tags_of(state, kind, resource)
            assert tags == {TAG_OPERATION: operation_id, TAG_SOURCE: DB_INSTANCE}

    # Concurrency: every create of a phase goes out before the phase's first wait.
    requests = [r for r in sandbox.requests() if r["status"] == 200]
    after = actions_after(requests, "CreateSnapshot")
    assert after[:2] == ["CreateSnapshot", "CreateSnapshot"]
    assert after.index("DescribeSnapshots") == 2
    after = actions_after(requests, "CreateDisk")
    assert after[:2] == ["CreateDisk", "CreateDisk"]
    # Attaches one at a time: the second only once the first disk is In_use.
    attaches = [n for n, a in enumerate(after) if a == "AttachDisk"]
    assert len(attaches) == 2 and "DescribeDisks" in after[attaches[0] : attaches[1]]

    record = steps.journal.get(operation_id)
    assert [s.step for s in record.steps][:2] == ["snapshot_xvdb", "snapshot_xvdc"]
    assert {s.step for s in record.steps} == {s for s, _ in steps_planned}
    assert all(s.resource_id for s in record.steps)


async def test_the_system_disk_is_copied_only_after_an_explicit_yes(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    first = expect(
        await plan_disk_recovery(gateway, DB_INSTANCE, TARGET_INSTANCE, [DB_SYSTEM]), NeedsDecision
    )
    (prompt,) = first.prompts
    assert prompt.decision_id == f"system_disk_{DB_SYSTEM}"
    assert prompt.values == ["include", "cancel"]
    refused = await plan_disk_recovery(
        gateway, DB_INSTANCE, TARGET_INSTANCE, [DB_SYSTEM], decisions={prompt.decision_id: "cancel"}
    )
    assert isinstance(refused, Cancelled)

    plan = expect(
        await plan_disk_recovery(
            gateway,
            DB_INSTANCE,
            TARGET_INSTANCE,
            [DB_SYSTEM],
            decisions={prompt.decision_id: "include"},
        ),
        DiskRecoveryPlan,
    )
    result, _ = await execute(gateway, steps, timing, plan)
    (row,) = result.rows
    assert (row.source_kind, row.category, row.size_gib, row.performance_level) == (
        "system",
        "cloud_essd",
        40,
        "PL0",
    )
    assert region_state(sandbox)["disks"][row.disk_id]["type"] == "data"


async def test_an_unoffered_category_is_a_choice_and_a_stopped_target_takes_the_disk(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    first = expect(
        await plan_disk_recovery(gateway, ENTRY_INSTANCE, STOPPED_INSTANCE), NeedsDecision
    )
    (prompt,) = first.prompts
    assert prompt.decision_id == f"disk_category_{ENTRY_DATA}"
    assert prompt.values[0] == "category:cloud_essd"
    assert "cloud_essd_entry" not in first.context["preflight"]["target_zone_categories"]
    plan = expect(
        await plan_disk_recovery(
            gateway,
            ENTRY_INSTANCE,
            STOPPED_INSTANCE,
            decisions={prompt.decision_id: "category:cloud_essd"},
        ),
        DiskRecoveryPlan,
    )
    assert plan.preflight.target_status == "Stopped" and not plan.wait_for_instance
    result, _ = await execute(gateway, steps, timing, plan)
    (row,) = result.rows
    assert (row.category, row.size_gib, row.performance_level) == ("cloud_essd", 100, "PL1")
    state = region_state(sandbox)
    assert state["disks"][row.disk_id]["zone_id"] == STOPPED_ZONE
    assert state["instances"][STOPPED_INSTANCE]["status"] == "Stopped"


async def test_the_data_disks_a_target_takes_are_asked_for_its_system_disk_category(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    # ENTRY's disks are cloud_essd_entry; STOPPED's system disk is cloud_essd.
    await plan_disk_recovery(gateway, ENTRY_INSTANCE, STOPPED_INSTANCE)
    asks = [
        r["parameters"]
        for r in sandbox.requests()
        if r["action"] == "DescribeAvailableResource"
        and r["parameters"]["DestinationResource"] == "DataDisk"
    ]
    assert asks and all(a.get("SystemDiskCategory") == "cloud_essd" for a in asks)


async def test_a_disk_not_of_the_source_is_refused_and_nothing_is_created(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    with pytest.raises(ValueError, match=f"{ENTRY_DATA} is not a disk of {DB_INSTANCE}"):
        await plan_disk_recovery(gateway, DB_INSTANCE, TARGET_INSTANCE, [ENTRY_DATA])
    assert mutations(sandbox) == []


async def test_a_target_in_another_region_is_refused(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    with pytest.raises(ValueError, match=r"is in cn-shanghai, but the source .* is in cn-hangzhou"):
        await plan_disk_recovery(gateway, DB_INSTANCE, SHANGHAI_INSTANCE, [DB_LOG])
    assert mutations(sandbox) == []


async def test_a_target_without_room_for_every_disk_is_refused(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    for _ in range(15):
        request = sdk.CreateDiskRequest(
            instance_id=TARGET_INSTANCE,
            disk_category="cloud_essd",
            size=20,
            performance_level="PL0",
        )
        await gateway.call(REGION, "CreateDisk", request)
    before = len(mutations(sandbox))
    with pytest.raises(ValueError, match="has 15 data disks and takes at most 16; 2 more"):
        await plan_disk_recovery(gateway, DB_INSTANCE, TARGET_INSTANCE, [DB_DATA, DB_LOG])
    assert len(mutations(sandbox)) == before


async def test_a_plan_is_refused_once_the_target_changed(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    plan = expect(
        await plan_disk_recovery(gateway, DB_INSTANCE, TARGET_INSTANCE, [DB_LOG]), DiskRecoveryPlan
    )
    await check_current(gateway, "plan-x", plan)
    request = sdk.CreateDiskRequest(
        instance_id=TARGET_INSTANCE, disk_category="cloud_essd", size=20, performance_level="PL0"
    )
    await gateway.call(REGION, "CreateDisk", request)
    with pytest.raises(ValueError, match=r"changed since plan-x .* was added"):
        await check_current(gateway, "plan-x", plan)

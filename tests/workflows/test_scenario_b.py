"""Scenario B against the sandbox: a disk of a source copied through a snapshot onto an
existing instance, in that instance's zone, keeping category, size and performance level."""

from __future__ import annotations

import anyio
import pytest
from alibabacloud_ecs20140526 import models as sdk

from ecs_dr.cloud.ecs import Timing
from ecs_dr.cloud.errors import Transient, WaiterTimeout
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.user_agent import USER_AGENT
from ecs_dr.domain.plans import TAG_OPERATION, TAG_SOURCE
from ecs_dr.workflows.scenario_b import (
    execute_attach_disk,
    execute_disk_from_snapshot,
    prepare_attach_disk,
    prepare_disk_from_snapshot,
)
from tests.support.decisions import confirmation, needs, ready_plan, was_cancelled
from tests.support.demo_world import (
    DB_INSTANCE,
    DB_LOG,
    DB_SYSTEM,
    ENTRY_DATA,
    ENTRY_INSTANCE,
    STOPPED_INSTANCE,
    STOPPED_ZONE,
    TARGET_INSTANCE,
    TARGET_ZONE,
)
from tests.support.sandboxes import SandboxHandle
from tests.support.scenario_b_steps import attach, launch, new_disk, snapshot_of
from tests.support.workflows import (
    FLOW_LIMIT_S,
    ProgressLog,
    Steps,
    mutations,
    region_state,
    tags_of,
)

OS_COMMANDS = ("mount ", "mkfs", "fdisk", "lsblk", "parted", "diskpart", "/etc/fstab", "sudo")


async def test_a_data_disk_copied_into_another_zone_keeps_category_size_and_level(
    gateway: EcsGateway,
    sandbox: SandboxHandle,
    steps: Steps,
    progress: ProgressLog,
    timing: Timing,
) -> None:
    with anyio.fail_after(FLOW_LIMIT_S):
        snapshot_id = await snapshot_of(gateway, steps, timing, DB_LOG)
        prepared = ready_plan(
            await prepare_disk_from_snapshot(gateway, snapshot_id, TARGET_INSTANCE)
        )
        # The confirmation shows exactly what CreateDisk is sent; nothing is created before.
        assert prepared.confirm.context["parameters"] == {
            "RegionId": "cn-hangzhou",
            "ZoneId": TARGET_ZONE,
            "SnapshotId": snapshot_id,
            "DiskCategory": "cloud_essd",
            "Size": 500,
            "PerformanceLevel": "PL2",
            "DiskName": "recovery-prod-db-01-wal",
        }
        assert "CreateDisk" not in [r["action"] for r in mutations(sandbox)]
        created = await new_disk(gateway, steps, timing, snapshot_id, TARGET_INSTANCE, progress)
        attached = await attach(gateway, steps, timing, created.disk_id, TARGET_INSTANCE)

    disk = created.disk
    assert (disk.zone_id, disk.category, disk.size_gib, disk.performance_level) == (
        TARGET_ZONE,
        "cloud_essd",
        500,
        "PL2",
    )
    assert disk.status == "Available" and disk.kind == "data"
    assert created.source_disk is not None and created.source_disk.zone_id == "cn-hangzhou-h"
    assert (created.source_disk_id, created.source_instance_id) == (DB_LOG, DB_INSTANCE)
    assert progress.values == sorted(progress.values) and progress.values[-1] == 100

    # Attached, In_use, and the target's whole layout after the change.
    assert attached.device == "/dev/xvdb"
    assert [(r.device, r.kind, r.new) for r in attached.layout] == [
        ("/dev/xvda", "system", False),
        ("/dev/xvdb", "data", True),
    ]
    row = attached.layout[1]
    assert (row.disk_id, row.category, row.size_gib, row.performance_level, row.status) == (
        created.disk_id,
        "cloud_essd",
        500,
        "PL2",
        "In_use",
    )
    assert f"| /dev/xvdb | {created.disk_id} | data | cloud\\_essd | 500 | PL2 | In\\_use |" in (
        attached.markdown
    )
    assert "mounted" in attached.reminder
    assert not any(command in attached.reminder for command in OS_COMMANDS)

    state = region_state(sandbox)
    on_target = state["disks"][created.disk_id]
    assert (on_target["instance_id"], on_target["zone_id"], on_target["status"]) == (
        TARGET_INSTANCE,
        TARGET_ZONE,
        "In_use",
    )
    tags = tags_of(state, "disk", created.disk_id)
    assert tags[TAG_SOURCE] == DB_INSTANCE and tags[TAG_OPERATION].startswith("op-")

    create = [r for r in mutations(sandbox) if r["action"] == "CreateDisk"]
    assert len(create) == 1
    sent = create[0]["parameters"]
    assert sent["PerformanceLevel"] == "PL2" and sent["ZoneId"] == TARGET_ZONE
    assert "InstanceId" not in sent and sent["ClientToken"]
    assert [r["action"] for r in mutations(sandbox)].count("AttachDisk") == 1
    assert all(r["user_agent"].endswith(" " + USER_AGENT) for r in sandbox.requests())

    # The journal: one step per operation, the attach recorded with the disk it attached.
    operations = {o.kind: o for o in steps.journal.list()}
    (attach_step,) = operations["attach_disk"].steps
    assert (attach_step.action, attach_step.resource_id) == ("AttachDisk", created.disk_id)
    (create_step,) = operations["create_disk_from_snapshot"].steps
    assert (create_step.action, create_step.resource_id) == ("CreateDisk", created.disk_id)


async def test_the_system_disk_is_copied_as_a_data_disk(
    gateway: EcsGateway, steps: Steps, timing: Timing
) -> None:
    with anyio.fail_after(FLOW_LIMIT_S):
        snapshot_id = await snapshot_of(gateway, steps, timing, DB_SYSTEM)
        created = await new_disk(gateway, steps, timing, snapshot_id, TARGET_INSTANCE)
        attached = await attach(gateway, steps, timing, created.disk_id, TARGET_INSTANCE)

    disk = created.disk
    assert (disk.kind, disk.category, disk.size_gib, disk.performance_level) == (
        "data",
        "cloud_essd",
        40,
        "PL0",
    )
    assert created.source_disk_kind == "system"
    assert "system disk" in created.note and "data disk" in created.note
    assert [r.kind for r in attached.layout] == ["system", "data"]


async def test_a_category_the_target_zone_does_not_offer_becomes_a_choice_of_its_categories(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    with anyio.fail_after(FLOW_LIMIT_S):
        snapshot_id = await snapshot_of(gateway, steps, timing, ENTRY_DATA)
        asked = needs(await prepare_disk_from_snapshot(gateway, snapshot_id, STOPPED_INSTANCE))

    (prompt,) = asked.prompts
    assert prompt.decision_id == f"disk_category_{snapshot_id}"
    assert prompt.values == [
        "category:cloud_essd",
        "category:cloud_auto",
        "category:cloud_ssd",
        "cancel",
    ]
    assert prompt.options[0].label.endswith("(Recommended)")
    assert "PL1" in prompt.options[0].description
    assert STOPPED_ZONE in prompt.question and "cloud_essd_entry" in prompt.question
    assert "cloud_essd_entry" not in prompt.context["offered"]
    assert "CreateDisk" not in [r["action"] for r in mutations(sandbox)]

    chosen = {prompt.decision_id: "category:cloud_essd"}
    confirm = ready_plan(
        await prepare_disk_from_snapshot(gateway, snapshot_id, STOPPED_INSTANCE, decisions=chosen)
    )
    # The user's choice is what CreateDisk gets, PL explicit, shown in the confirmation.
    assert confirm.confirm.context["parameters"]["DiskCategory"] == "cloud_essd"
    assert confirm.confirm.context["parameters"]["PerformanceLevel"] == "PL1"
    with anyio.fail_after(FLOW_LIMIT_S):
        created = await new_disk(
            gateway, steps, timing, snapshot_id, STOPPED_INSTANCE, decisions=chosen
        )
    assert (created.disk.zone_id, created.disk.category, created.disk.size_gib) == (
        STOPPED_ZONE,
        "cloud_essd",
        100,
    )
    assert created.disk.performance_level == "PL1"
    assert created.source_instance_id == ENTRY_INSTANCE


async def test_cancelling_the_category_choice_creates_no_disk(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    with anyio.fail_after(FLOW_LIMIT_S):
        snapshot_id = await snapshot_of(gateway, steps, timing, ENTRY_DATA)
    answer = {f"disk_category_{snapshot_id}": "cancel"}

    was_cancelled(
        await prepare_disk_from_snapshot(gateway, snapshot_id, STOPPED_INSTANCE, decisions=answer)
    )
    assert "CreateDisk" not in [r["action"] for r in mutations(sandbox)]


async def test_a_stopped_target_takes_the_disk_without_waiting(
    gateway: EcsGateway, steps: Steps, timing: Timing
) -> None:
    with anyio.fail_after(FLOW_LIMIT_S):
        snapshot_id = await snapshot_of(gateway, steps, timing, DB_LOG)
        created = await new_disk(gateway, steps, timing, snapshot_id, STOPPED_INSTANCE)
        first = await prepare_attach_disk(gateway, created.disk_id, STOPPED_INSTANCE)
        attached = await attach(gateway, steps, timing, created.disk_id, STOPPED_INSTANCE)

    assert ready_plan(first).plan.wait_for_instance is False
    assert attached.instance_status == "Stopped"
    assert created.disk.zone_id == STOPPED_ZONE
    assert [(r.disk_id, r.status) for r in attached.layout][1] == (created.disk_id, "In_use")


async def test_a_pending_target_is_waited_for_when_the_user_chooses_to(
    gateway: EcsGateway,
    sandbox: SandboxHandle,
    steps: Steps,
    progress: ProgressLog,
    timing: Timing,
) -> None:
    with anyio.fail_after(FLOW_LIMIT_S):
        snapshot_id = await snapshot_of(gateway, steps, timing, DB_LOG)
        created = await new_disk(gateway, steps, timing, snapshot_id, TARGET_INSTANCE)
        fresh = await launch(gateway)  # in the disk's zone, Pending for its first seconds
        asked = needs(await prepare_attach_disk(gateway, created.disk_id, fresh))

    (prompt,) = asked.prompts
    assert prompt.decision_id == f"instance_status_{fresh}"
    assert prompt.values == ["wait", "cancel"]
    assert "Running or Stopped" in prompt.question
    assert "AttachDisk" not in [r["action"] for r in mutations(sandbox)]

    with anyio.fail_after(FLOW_LIMIT_S):
        attached = await attach(
            gateway, steps, timing, created.disk_id, fresh, progress, {prompt.decision_id: "wait"}
        )
    assert attached.instance_status == "Running"
    assert attached.layout[-1].disk_id == created.disk_id
    assert any(f"instance {fresh}" in message for _, _, message in progress.reports)
    assert progress.values == sorted(progress.values) and progress.values[-1] == 100


async def test_a_target_stuck_in_pending_ends_the_wait_without_attaching(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    sandbox.add_fault({"kind": "outcome", "action": "RunInstances", "status": "Pending"})
    with anyio.fail_after(FLOW_LIMIT_S):
        snapshot_id = await snapshot_of(gateway, steps, timing, DB_LOG)
        # A disk can be made for a target that cannot take it yet: only the attach waits.
        stuck = await launch(gateway)
        created = await new_disk(gateway, steps, timing, snapshot_id, stuck)
        answer = {f"instance_status_{stuck}": "wait"}
        with pytest.raises(WaiterTimeout) as raised:
            await attach(gateway, steps, timing, created.disk_id, stuck, None, answer)

    assert raised.value.last_status == "Pending"
    assert "AttachDisk" not in [r["action"] for r in mutations(sandbox)]
    assert region_state(sandbox)["disks"][created.disk_id]["status"] == "Available"


async def test_cancelling_the_wait_attaches_nothing(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    with anyio.fail_after(FLOW_LIMIT_S):
        snapshot_id = await snapshot_of(gateway, steps, timing, DB_LOG)
        created = await new_disk(gateway, steps, timing, snapshot_id, TARGET_INSTANCE)
        fresh = await launch(gateway)
        answer = {f"instance_status_{fresh}": "cancel"}
        was_cancelled(await prepare_attach_disk(gateway, created.disk_id, fresh, decisions=answer))

    assert "AttachDisk" not in [r["action"] for r in mutations(sandbox)]


async def test_a_snapshot_still_uploading_is_waited_for_before_the_disk_is_created(
    gateway: EcsGateway,
    sandbox: SandboxHandle,
    steps: Steps,
    progress: ProgressLog,
    timing: Timing,
) -> None:
    body = await gateway.call(
        "cn-hangzhou", "CreateSnapshot", sdk.CreateSnapshotRequest(disk_id=DB_LOG)
    )
    snapshot_id = str(body.snapshot_id)
    with anyio.fail_after(FLOW_LIMIT_S):
        first = await prepare_disk_from_snapshot(gateway, snapshot_id, TARGET_INSTANCE)
        plan = ready_plan(
            await prepare_disk_from_snapshot(
                gateway, snapshot_id, TARGET_INSTANCE, decisions=confirmation(first)
            )
        )
        created = await execute_disk_from_snapshot(
            gateway, plan.plan, steps.start("create_disk_from_snapshot"), progress, timing=timing
        )

    messages = [message for _, _, message in progress.reports]
    waited = [n for n, m in enumerate(messages) if m.startswith(f"snapshot {snapshot_id}")]
    made = next(n for n, m in enumerate(messages) if m.startswith(f"disk {created.disk_id}"))
    assert waited and "progressing" in messages[waited[0]] and max(waited) < made
    assert region_state(sandbox)["snapshots"][snapshot_id]["status"] == "accomplished"


async def test_an_attach_run_again_after_a_crash_does_not_attach_twice(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    with anyio.fail_after(FLOW_LIMIT_S):
        snapshot_id = await snapshot_of(gateway, steps, timing, DB_LOG)
        created = await new_disk(gateway, steps, timing, snapshot_id, TARGET_INSTANCE)
        first = await prepare_attach_disk(gateway, created.disk_id, TARGET_INSTANCE)
        plan = ready_plan(
            await prepare_attach_disk(
                gateway, created.disk_id, TARGET_INSTANCE, decisions=confirmation(first)
            )
        ).plan
        # The first run recorded its intent and sent AttachDisk, then died before the journal
        # heard back.
        step = steps.start("attach_disk")
        await step.intent("attach_disk", "AttachDisk", plan.parameters())
        await gateway.call(
            "cn-hangzhou",
            "AttachDisk",
            sdk.AttachDiskRequest(disk_id=created.disk_id, instance_id=TARGET_INSTANCE),
        )
        resumed = await execute_attach_disk(gateway, plan, step, ProgressLog(), timing=timing)

    assert [r["action"] for r in mutations(sandbox)].count("AttachDisk") == 1
    assert resumed.layout[-1].disk_id == created.disk_id
    record = steps.journal.get(step.operation_id)
    assert [(s.step, s.resource_id) for s in record.steps] == [("attach_disk", created.disk_id)]


async def test_an_attach_whose_answer_failed_is_not_sent_again_when_nothing_was_attached(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    with anyio.fail_after(FLOW_LIMIT_S):
        snapshot_id = await snapshot_of(gateway, steps, timing, DB_LOG)
        created = await new_disk(gateway, steps, timing, snapshot_id, TARGET_INSTANCE)
        sandbox.add_fault(
            {"kind": "error", "action": "AttachDisk", "code": "InternalError", "http_status": 500}
        )
        with pytest.raises(Transient):
            await attach(gateway, steps, timing, created.disk_id, TARGET_INSTANCE)

    attempts = [r for r in sandbox.requests() if r["action"] == "AttachDisk"]
    assert len(attempts) == 1
    assert region_state(sandbox)["disks"][created.disk_id]["status"] == "Available"

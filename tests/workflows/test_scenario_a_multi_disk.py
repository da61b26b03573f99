"""Scenario A on prod-db-01: three ESSD disks at PL0/PL1/PL2 and no public IP, into zone I."""

from __future__ import annotations

from typing import Any

import anyio

from ecs_dr.cloud.ecs import Timing
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.user_agent import USER_AGENT
from ecs_dr.domain.plans import TAG_OPERATION, TAG_SOURCE
from ecs_dr.workflows.scenario_a import (
    describe_source,
    execute_snapshot_group,
    prepare_snapshot_group,
    verify_dr_instance,
)
from tests.support.decisions import confirmation, ready_plan
from tests.support.demo_world import (
    DB_DATA,
    DB_INSTANCE,
    DB_LOG,
    DB_SYSTEM,
    PROD_SG,
    PROD_VPC,
    TARGET_VSWITCH,
    TARGET_ZONE,
)
from tests.support.sandboxes import SandboxHandle
from tests.support.scenario_a_steps import dr_instance, full_image, snapshot_group
from tests.support.workflows import (
    FLOW_LIMIT_S,
    ProgressLog,
    Steps,
    mutations,
    region_state,
    tags_of,
)

SOURCE_LAYOUT = {
    "/dev/xvda": (DB_SYSTEM, "cloud_essd", 40, "PL0"),
    "/dev/xvdb": (DB_DATA, "cloud_essd", 100, "PL1"),
    "/dev/xvdc": (DB_LOG, "cloud_essd", 500, "PL2"),
}


async def test_describe_source_reports_the_group_strategy_and_zero_dr_bandwidth(
    gateway: EcsGateway,
) -> None:
    report = await describe_source(gateway, DB_INSTANCE)

    assert report.region_id == "cn-hangzhou"
    assert report.snapshot_strategy == "snapshot_group"
    assert not report.has_public_ip
    assert report.dr_bandwidth == 0
    assert report.default_dr_name == "recovery-prod-db-01"
    layout = {
        d.device: (d.disk_id, d.category, d.size_gib, d.performance_level)
        for d in report.instance.disks
    }
    assert layout == SOURCE_LAYOUT
    assert report.instance.vpc_id == PROD_VPC
    assert report.instance.security_group_ids == [PROD_SG]
    assert any("InternetMaxBandwidthOut=0" in w for w in report.warnings)


async def test_nothing_is_created_until_the_exact_plan_is_confirmed(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    prepared = ready_plan(await prepare_snapshot_group(gateway, DB_INSTANCE, name="drill"))

    assert not prepared.confirmed
    assert prepared.confirm.context["parameters"] == {
        "RegionId": "cn-hangzhou",
        "InstanceId": DB_INSTANCE,
        "Name": "drill",
    }
    other = ready_plan(await prepare_snapshot_group(gateway, DB_INSTANCE, name="another"))
    assert other.confirm.decision_id != prepared.confirm.decision_id
    assert mutations(sandbox) == []


async def test_multi_disk_source_recovers_through_a_group_a_full_image_and_device_overrides(
    gateway: EcsGateway,
    sandbox: SandboxHandle,
    steps: Steps,
    progress: ProgressLog,
    timing: Timing,
) -> None:
    image_progress, run_progress = ProgressLog(), ProgressLog()
    with anyio.fail_after(FLOW_LIMIT_S):
        snapshots = await snapshot_group(gateway, steps, progress, timing)
        group_id = snapshots.snapshot_group_id or ""
        image = await full_image(gateway, steps, image_progress, timing, group_id)
        result = await dr_instance(gateway, steps, run_progress, timing, image.image_id)

    # Each operation reports progress that only goes forward, up to 100%.
    for log in (progress, image_progress, run_progress):
        assert log.values == sorted(log.values) and log.values[-1] == 100

    # The group: crash-consistent, one snapshot per disk, each zone-redundant, and when.
    assert snapshots.strategy == "snapshot_group"
    assert snapshots.crash_consistent
    by_device = {s.device: s for s in snapshots.snapshots}
    assert list(by_device) == list(SOURCE_LAYOUT)
    for device, (disk_id, _, size, _) in SOURCE_LAYOUT.items():
        record = by_device[device]
        assert (record.disk_id, record.size_gib) == (disk_id, size)
        assert record.zone_redundant and record.status == "accomplished" and record.progress == 100
        assert record.zone_redundant_at is not None
    # A 500 GiB disk uploads for longer than a 40 GiB one: the times are per snapshot.
    system_at = by_device["/dev/xvda"].zone_redundant_at
    log_at = by_device["/dev/xvdc"].zone_redundant_at
    assert system_at is not None and log_at is not None and system_at < log_at
    assert snapshots.zone_redundant_at == log_at

    # The image holds every disk, by device, at the source's sizes.
    assert image.status == "Available"
    assert [(m.device, m.kind, m.size_gib) for m in image.mappings] == [
        ("/dev/xvda", "system", 40),
        ("/dev/xvdb", "data", 100),
        ("/dev/xvdc", "data", 500),
    ]
    assert {m.snapshot_id for m in image.mappings} == set(
        s.snapshot_id for s in snapshots.snapshots
    )

    # The DR instance: zone I, same VPC and group, no public IP, every disk's spec kept.
    assert result.all_match, result.markdown
    dr = result.instance
    assert (dr.zone_id, dr.vswitch_id, dr.vpc_id) == (TARGET_ZONE, TARGET_VSWITCH, PROD_VPC)
    assert dr.security_group_ids == [PROD_SG]
    assert dr.name == "recovery-prod-db-01"
    assert dr.internet_max_bandwidth_out == 0 and not dr.has_public_ip
    assert {d.device: (d.category, d.size_gib, d.performance_level) for d in dr.disks} == {
        device: spec[1:] for device, spec in SOURCE_LAYOUT.items()
    }
    assert "| Public IP | - | - | yes |" in result.markdown

    run = _one(sandbox, "RunInstances")["parameters"]
    assert run["InternetMaxBandwidthOut"] == "0"
    assert run["SystemDisk.Category"] == "cloud_essd"
    assert run["SystemDisk.PerformanceLevel"] == "PL0"
    data = {run[f"DataDisk.{n}.Device"]: n for n in (1, 2)}
    assert set(data) == {"/dev/xvdb", "/dev/xvdc"}
    for device, n in data.items():
        _, category, size, level = SOURCE_LAYOUT[device]
        assert run[f"DataDisk.{n}.Category"] == category
        assert run[f"DataDisk.{n}.Size"] == str(size)
        assert run[f"DataDisk.{n}.PerformanceLevel"] == level
    assert not any(key.endswith("SnapshotId") for key in run)
    assert "DataDisk.3.Device" not in run

    state = region_state(sandbox)
    instance = state["instances"][result.dr_instance_id]
    assert instance["public_ip"] is None
    assert instance["internet_max_bandwidth_out"] == 0
    dr_disks = [d for d in state["disks"].values() if d["instance_id"] == result.dr_instance_id]
    assert sorted(
        (d["device"], d["category"], d["size"], d["performance_level"]) for d in dr_disks
    ) == [(device, *spec[1:]) for device, spec in SOURCE_LAYOUT.items()]

    # Every created resource carries its operation and its source.
    created: list[tuple[str, str]] = [
        ("snapshotgroup", snapshots.snapshot_group_id or ""),
        *(("snapshot", s.snapshot_id) for s in snapshots.snapshots),
        ("image", image.image_id),
        ("instance", result.dr_instance_id),
        *(("disk", d["disk_id"]) for d in dr_disks),
    ]
    for resource_type, resource_id in created:
        tags = tags_of(state, resource_type, resource_id)
        assert tags[TAG_SOURCE] == DB_INSTANCE, (resource_type, resource_id)
        assert tags[TAG_OPERATION].startswith("op-"), (resource_type, resource_id)

    # Only creates and tags were sent, each create once, the source untouched.
    actions = [r["action"] for r in mutations(sandbox)]
    assert sorted(set(actions)) == [
        "CreateImage",
        "CreateSnapshotGroup",
        "RunInstances",
        "TagResources",
    ]
    assert actions.count("CreateSnapshotGroup") == actions.count("CreateImage") == 1
    assert all(r["user_agent"].endswith(" " + USER_AGENT) for r in sandbox.requests())
    assert all(
        r["parameters"].get("ClientToken")
        for r in mutations(sandbox)
        if r["action"] != "TagResources"
    )


async def test_verify_reads_the_comparison_again_and_checks_the_image_came_from_the_source(
    gateway: EcsGateway,
    steps: Steps,
    progress: ProgressLog,
    timing: Timing,
) -> None:
    with anyio.fail_after(FLOW_LIMIT_S):
        snapshots = await snapshot_group(gateway, steps, progress, timing)
        image = await full_image(
            gateway, steps, progress, timing, snapshots.snapshot_group_id or ""
        )
        result = await dr_instance(gateway, steps, progress, timing, image.image_id)

    verification = await verify_dr_instance(gateway, DB_INSTANCE, result.dr_instance_id)

    assert verification.all_match, verification.markdown
    assert verification.image_id == image.image_id
    items = {row.item: row for row in verification.comparison}
    assert items["Image built from the source"].match
    assert items["Disk /dev/xvdc performance level"].dr == "PL2"


async def test_the_journal_holds_every_step_with_its_client_token_and_resource_id(
    gateway: EcsGateway, steps: Steps, progress: ProgressLog, timing: Timing
) -> None:
    with anyio.fail_after(FLOW_LIMIT_S):
        snapshots = await snapshot_group(gateway, steps, progress, timing)

    [operation] = steps.journal.list()
    [step] = operation.steps
    assert (step.step, step.action) == ("create_snapshot_group", "CreateSnapshotGroup")
    assert step.resource_id == snapshots.snapshot_group_id
    assert step.client_token.startswith(operation.operation_id)


def _one(sandbox: SandboxHandle, action: str) -> dict[str, Any]:
    [request] = [r for r in mutations(sandbox) if r["action"] == action]
    return request


async def test_running_a_step_again_with_its_recorder_creates_nothing_twice(
    gateway: EcsGateway,
    sandbox: SandboxHandle,
    steps: Steps,
    progress: ProgressLog,
    timing: Timing,
) -> None:
    first = await prepare_snapshot_group(gateway, DB_INSTANCE)
    plan = ready_plan(
        await prepare_snapshot_group(gateway, DB_INSTANCE, decisions=confirmation(first))
    )
    step = steps.start("create_snapshot_group")
    with anyio.fail_after(FLOW_LIMIT_S):
        once = await execute_snapshot_group(gateway, plan.plan, step, progress, timing=timing)
        again = await execute_snapshot_group(gateway, plan.plan, step, ProgressLog(), timing=timing)

    assert again.snapshot_group_id == once.snapshot_group_id
    assert [s.snapshot_id for s in again.snapshots] == [s.snapshot_id for s in once.snapshots]
    assert len(region_state(sandbox)["snapshot_groups"]) == 1

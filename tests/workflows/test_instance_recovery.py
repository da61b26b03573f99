"""Scenario A as one plan against the sandbox: planned without a mutating call, executed as one
operation (snapshots -> image -> VSwitch -> instance) with every rule and every tag."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from ecs_dr.cloud.ecs import Timing
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.fingerprints import DiskFacts
from ecs_dr.domain.instance_recovery import (
    PLANNED_IMAGE,
    InstanceRecoveryPlan,
    InstanceRecoveryResult,
    confirm_instance_plan_prompt,
)
from ecs_dr.domain.plans import (
    TAG_DRILL,
    TAG_OPERATION,
    TAG_SOURCE,
    Cancelled,
    NeedsDecision,
    PlanStale,
)
from ecs_dr.workflows.instance_checks import check_current
from ecs_dr.workflows.instance_recovery import (
    execute_instance_recovery,
    plan_instance_recovery,
)
from tests.support.decisions import expect
from tests.support.demo_world import (
    DB_INSTANCE,
    ENTRY_INSTANCE,
    LEGACY_INSTANCE,
    PROD_SG,
    REGION,
    TARGET_VSWITCH,
    TARGET_ZONE,
    WEB_INSTANCE,
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

NO_VSWITCH_ZONE = "cn-hangzhou-j"
NO_STOCK_ZONE = "cn-hangzhou-k"
NO_ENTRY_ZONE = "cn-hangzhou-l"
DB_LAYOUT = [
    ("/dev/xvda", "cloud_essd", 40, "PL0"),
    ("/dev/xvdb", "cloud_essd", 100, "PL1"),
    ("/dev/xvdc", "cloud_essd", 500, "PL2"),
]


async def execute(
    gateway: EcsGateway,
    steps: Steps,
    timing: Timing,
    plan: InstanceRecoveryPlan,
    progress: ProgressLog | None = None,
) -> tuple[InstanceRecoveryResult, str]:
    step = steps.start("execute_recovery")
    with anyio.fail_after(FLOW_LIMIT_S):
        result = await execute_instance_recovery(
            gateway, plan, step, progress or ProgressLog(), timing=timing
        )
    return result, step.operation_id


def created_tags(state: dict[str, Any], result: InstanceRecoveryResult) -> list[dict[str, str]]:
    dr_disks = [
        d["disk_id"] for d in state["disks"].values() if d["instance_id"] == result.dr_instance_id
    ]
    created = [
        *(("snapshotgroup", g) for g in [result.snapshot_group_id] if g),
        *(("snapshot", s) for s in result.snapshot_ids),
        ("image", result.image_id),
        ("instance", result.dr_instance_id),
        *(("disk", d) for d in dr_disks),
        *(("vswitch", v) for v in [result.created_vswitch_id] if v),
    ]
    return [tags_of(state, kind, resource_id) for kind, resource_id in created]


async def test_multi_disk_plan_shows_every_call_and_executes_as_one_operation(
    gateway: EcsGateway,
    sandbox: SandboxHandle,
    steps: Steps,
    progress: ProgressLog,
    timing: Timing,
) -> None:
    plan = expect(
        await plan_instance_recovery(gateway, DB_INSTANCE, TARGET_ZONE), InstanceRecoveryPlan
    )
    assert mutations(sandbox) == []
    assert [(s.step, s.action) for s in plan.steps()] == [
        ("create_snapshot_group", "CreateSnapshotGroup"),
        ("create_image", "CreateImage"),
        ("run_instances", "RunInstances"),
    ]
    image = plan.steps()[1].parameters
    assert image["DiskDeviceMapping.3.Device"] == "/dev/xvdc"
    assert image["DiskDeviceMapping.3.SnapshotId"] == "(snapshot of d-bp1proddblog00000001)"
    run = plan.steps()[2].parameters
    assert run["ImageId"] == PLANNED_IMAGE
    assert run["VSwitchId"] == TARGET_VSWITCH
    assert run["InternetMaxBandwidthOut"] == 0
    assert run["SecurityGroupIds.1"] == PROD_SG
    assert run["InstanceName"] == "recovery-prod-db-01"
    assert [run[f"DataDisk.{n}.PerformanceLevel"] for n in (1, 2)] == ["PL1", "PL2"]
    assert run["SystemDisk.PerformanceLevel"] == "PL0"
    assert not any(k.endswith("SnapshotId") for k in run)
    assert plan.preflight.snapshot_strategy == "snapshot_group"
    assert plan.preflight.group_blockers == [] and plan.preflight.group_max_disks == 16
    assert plan.tags[TAG_DRILL] == "false"
    assert plan.estimated_duration_s == pytest.approx((30 + 0.6 * 500) + (120 + 0.2 * 640) + 60)
    await check_current(gateway, "plan-1", plan)
    confirm = confirm_instance_plan_prompt("plan-1", plan)
    assert set(confirm.context["parameters"]) == {s.step for s in plan.steps()}

    result, operation_id = await execute(gateway, steps, timing, plan, progress)

    assert result.all_match, result.markdown
    assert result.crash_consistent and result.snapshot_group_id
    state = region_state(sandbox)
    dr_disks = [d for d in state["disks"].values() if d["instance_id"] == result.dr_instance_id]
    assert (
        sorted((d["device"], d["category"], d["size"], d["performance_level"]) for d in dr_disks)
        == DB_LAYOUT
    )
    assert state["instances"][result.dr_instance_id]["zone_id"] == TARGET_ZONE
    for tags in created_tags(state, result):
        assert tags[TAG_OPERATION] == operation_id, tags
        assert tags[TAG_SOURCE] == DB_INSTANCE
        assert tags[TAG_DRILL] == "false"
    assert progress.values == sorted(progress.values) and progress.values[-1] == 100
    assert all(total == 100 for _, total, _ in progress.reports)
    record = steps.journal.get(operation_id)
    assert [s.step for s in record.steps] == [
        "create_snapshot_group",
        "create_image",
        "run_instances",
    ]
    assert len({s.client_token for s in record.steps}) == 3
    actions = [r["action"] for r in mutations(sandbox)]
    assert actions.index("CreateSnapshotGroup") < actions.index("CreateImage")
    assert actions.index("CreateImage") < actions.index("RunInstances")


async def test_a_drill_into_a_zone_without_vswitch_creates_it_and_tags_everything_as_drill(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    first = expect(
        await plan_instance_recovery(gateway, DB_INSTANCE, NO_VSWITCH_ZONE, drill=True),
        NeedsDecision,
    )
    (prompt,) = first.prompts
    assert prompt.decision_id == f"vswitch_{NO_VSWITCH_ZONE}"
    assert first.context["findings"]
    answers = {prompt.decision_id: prompt.values[0]}
    plan = expect(
        await plan_instance_recovery(
            gateway, DB_INSTANCE, NO_VSWITCH_ZONE, None, None, answers, drill=True
        ),
        InstanceRecoveryPlan,
    )
    assert mutations(sandbox) == []
    assert [s.action for s in plan.steps()] == [
        "CreateSnapshotGroup",
        "CreateImage",
        "CreateVSwitch",
        "RunInstances",
    ]
    assert plan.estimate.vswitch_s > 0

    result, operation_id = await execute(gateway, steps, timing, plan)

    assert result.created_vswitch_id and result.all_match and result.drill
    state = region_state(sandbox)
    assert state["instances"][result.dr_instance_id]["vswitch_id"] == result.created_vswitch_id
    for tags in created_tags(state, result):
        assert tags[TAG_DRILL] == "true", tags
        assert tags[TAG_OPERATION] == operation_id


async def test_single_disk_source_plans_one_snapshot_and_keeps_its_bandwidth(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    plan = expect(
        await plan_instance_recovery(gateway, WEB_INSTANCE, TARGET_ZONE), InstanceRecoveryPlan
    )
    assert [s.action for s in plan.steps()] == ["CreateSnapshot", "CreateImage", "RunInstances"]
    assert plan.preflight.snapshot_strategy == "single_snapshot"
    assert plan.steps()[2].parameters["InternetMaxBandwidthOut"] == 5

    result, _ = await execute(gateway, steps, timing, plan)

    assert result.snapshot_group_id is None and len(result.snapshot_ids) == 1
    assert result.all_match, result.markdown


async def test_non_essd_source_asks_before_per_disk_snapshots_and_cancel_plans_nothing(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    first = expect(
        await plan_instance_recovery(gateway, LEGACY_INSTANCE, TARGET_ZONE), NeedsDecision
    )
    assert first.prompts[0].decision_id == "snapshot_strategy"
    stopped = await plan_instance_recovery(
        gateway, LEGACY_INSTANCE, TARGET_ZONE, decisions={"snapshot_strategy": "cancel"}
    )
    assert isinstance(stopped, Cancelled)
    answers = {p.decision_id: p.values[0] for p in first.prompts}
    plan = expect(
        await plan_instance_recovery(gateway, LEGACY_INSTANCE, TARGET_ZONE, decisions=answers),
        InstanceRecoveryPlan,
    )
    assert [s.step for s in plan.steps()][:2] == ["create_snapshot_xvda", "create_snapshot_xvdb"]
    assert plan.preflight.group_blockers
    assert mutations(sandbox) == []


async def test_a_disk_added_to_the_source_after_planning_makes_the_plan_stale(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    plan = expect(
        await plan_instance_recovery(gateway, DB_INSTANCE, TARGET_ZONE), InstanceRecoveryPlan
    )
    extra = DiskFacts(kind="data", device="/dev/xvdd", category="cloud_essd", size_gib=20)
    stale = plan.model_copy(
        update={
            "fingerprint": plan.fingerprint.model_copy(
                update={"source_disks": {**plan.fingerprint.source_disks, "d-extra": extra}}
            )
        }
    )
    with pytest.raises(
        PlanStale, match=r"d-extra \(/dev/xvdd\) is gone.*Plan again \(plan_recovery"
    ):
        await check_current(gateway, "plan-1", stale)
    moved = plan.model_copy(
        update={"fingerprint": plan.fingerprint.model_copy(update={"source_zone_id": "cn-x"})}
    )
    with pytest.raises(ValueError, match="zone cn-x -> cn-hangzhou-h"):
        await check_current(gateway, "plan-1", moved)
    assert plan.region_id == REGION


async def test_an_image_name_taken_since_planning_makes_the_plan_stale(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    first = expect(
        await plan_instance_recovery(gateway, WEB_INSTANCE, TARGET_ZONE), InstanceRecoveryPlan
    )
    second = expect(
        await plan_instance_recovery(gateway, WEB_INSTANCE, TARGET_ZONE), InstanceRecoveryPlan
    )
    assert first.image is not None and second.image is not None
    assert first.image.image_name == second.image.image_name
    await execute(gateway, steps, timing, first)
    with pytest.raises(ValueError, match=r"image name .* was taken since planning"):
        await check_current(gateway, "plan-2", second)
    # The first recovery's DR instance has the default DR name now: the user is asked first.
    asked = expect(await plan_instance_recovery(gateway, WEB_INSTANCE, TARGET_ZONE), NeedsDecision)
    assert [p.decision_id for p in asked.prompts] == [f"dr_name_{first.instance.run.instance_name}"]
    answers = {p.decision_id: p.values[0] for p in asked.prompts}
    third = expect(
        await plan_instance_recovery(gateway, WEB_INSTANCE, TARGET_ZONE, decisions=answers),
        InstanceRecoveryPlan,
    )
    assert third.image is not None
    assert third.image.image_name == f"{first.image.image_name}_2"
    await check_current(gateway, "plan-3", third)


async def test_a_vswitch_block_taken_since_planning_makes_the_plan_stale(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    first = expect(
        await plan_instance_recovery(gateway, DB_INSTANCE, NO_VSWITCH_ZONE), NeedsDecision
    )
    answers = {p.decision_id: p.values[0] for p in first.prompts}
    one = expect(
        await plan_instance_recovery(gateway, DB_INSTANCE, NO_VSWITCH_ZONE, decisions=answers),
        InstanceRecoveryPlan,
    )
    other = expect(
        await plan_instance_recovery(gateway, WEB_INSTANCE, NO_VSWITCH_ZONE, decisions=answers),
        InstanceRecoveryPlan,
    )
    assert one.instance.create_vswitch and other.instance.create_vswitch
    await execute(gateway, steps, timing, one)
    with pytest.raises(ValueError, match=r"block .* is used by vsw-"):
        await check_current(gateway, "plan-2", other)


async def test_no_stock_and_unsold_categories_are_the_users_choices_in_the_plan(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    first = expect(await plan_instance_recovery(gateway, DB_INSTANCE, NO_STOCK_ZONE), NeedsDecision)
    (prompt,) = first.prompts
    assert prompt.decision_id == f"instance_type_{NO_STOCK_ZONE}"
    answers = {prompt.decision_id: prompt.values[0]}
    plan = expect(
        await plan_instance_recovery(gateway, DB_INSTANCE, NO_STOCK_ZONE, decisions=answers),
        InstanceRecoveryPlan,
    )
    assert plan.steps()[-1].parameters["InstanceType"] == prompt.values[0].removeprefix("type:")
    assert plan.preflight.instance_type != plan.preflight.source_instance_type

    entry = expect(
        await plan_instance_recovery(gateway, ENTRY_INSTANCE, NO_ENTRY_ZONE), NeedsDecision
    )
    assert entry.prompts
    assert all(p.decision_id.startswith("disk_category_") for p in entry.prompts)
    answers = {p.decision_id: p.values[0] for p in entry.prompts}
    plan = expect(
        await plan_instance_recovery(gateway, ENTRY_INSTANCE, NO_ENTRY_ZONE, decisions=answers),
        InstanceRecoveryPlan,
    )
    run = plan.steps()[-1].parameters
    categories = [v for k, v in run.items() if k.endswith(".Category")]
    assert categories and "cloud_essd_entry" not in categories
    assert plan.preflight.disk_categories
    assert mutations(sandbox) == []


async def test_an_image_that_fails_stops_the_operation_with_the_snapshots_journaled(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    plan = expect(
        await plan_instance_recovery(gateway, DB_INSTANCE, TARGET_ZONE, drill=True),
        InstanceRecoveryPlan,
    )
    sandbox.add_fault({"kind": "outcome", "action": "CreateImage", "status": "CreateFailed"})
    step = steps.start("execute_recovery")
    with anyio.fail_after(FLOW_LIMIT_S), pytest.raises(Exception, match="CreateFailed"):
        await execute_instance_recovery(gateway, plan, step, ProgressLog(), timing=timing)
    record = steps.journal.get(step.operation_id)
    assert [(s.step, bool(s.resource_id)) for s in record.steps] == [
        ("create_snapshot_group", True),
        ("create_image", True),
    ]
    assert "RunInstances" not in [r["action"] for r in mutations(sandbox)]
    state = region_state(sandbox)
    group = record.steps[0].resource_id or ""
    assert tags_of(state, "snapshotgroup", group)[TAG_DRILL] == "true"

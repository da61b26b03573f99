"""The rules bind the source as it is when the change is made: a source an operator changed
after planning (ResizeDisk, ModifyInstanceNetworkSpec through the official SDK) is read again
before the first create, before RunInstances and on resume, and the plan stops, naming what
changed, before anything it no longer fits is created."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from alibabacloud_ecs20140526 import models

from ecs_dr.cloud.ecs import Timing
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.disk_recovery import DiskRecoveryPlan
from ecs_dr.domain.fleet_recovery import FleetRecoveryPlan
from ecs_dr.domain.instance_recovery import InstanceRecoveryPlan
from ecs_dr.domain.plans import PlanStale
from ecs_dr.workflows.disk_recovery import (
    check_current as check_disk_plan,
)
from ecs_dr.workflows.disk_recovery import (
    execute_disk_recovery,
    plan_disk_recovery,
)
from ecs_dr.workflows.fleet_recovery import (
    FleetIncomplete,
    execute_fleet_recovery,
    plan_fleet_recovery,
)
from ecs_dr.workflows.instance_checks import check_current
from ecs_dr.workflows.instance_recovery import (
    execute_instance_recovery,
    plan_instance_recovery,
)
from tests.support.decisions import expect
from tests.support.demo_world import (
    DB_DATA,
    DB_INSTANCE,
    DB_LOG,
    TARGET_INSTANCE,
    TARGET_ZONE,
    WEB_INSTANCE,
)
from tests.support.sandboxes import SandboxHandle, sdk_client
from tests.support.workflows import FLOW_LIMIT_S, ProgressLog, Steps

CREATES = ("Create", "Run", "Attach", "Tag")


def creates(sandbox: SandboxHandle) -> list[str]:
    """Every create the product sent (the operator's own changes are not among them)."""
    return [
        r["action"]
        for r in sandbox.requests()
        if r["action"].startswith(CREATES) and r["status"] == 200
    ]


def resize(sandbox: SandboxHandle, disk_id: str, new_size: int) -> None:
    """The operator grows a disk, as the console or the CLI would."""
    sdk_client(sandbox).resize_disk(models.ResizeDiskRequest(disk_id=disk_id, new_size=new_size))


def set_bandwidth(sandbox: SandboxHandle, instance_id: str, mbps: int, **kwargs: Any) -> None:
    """The operator changes a source's public bandwidth (0 releases its public IP)."""
    request = models.ModifyInstanceNetworkSpecRequest(
        instance_id=instance_id, internet_max_bandwidth_out=mbps, **kwargs
    )
    sdk_client(sandbox).modify_instance_network_spec(request)


async def test_a_disk_resized_between_plan_and_execute_refuses_the_plan_creating_nothing(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    plan = expect(
        await plan_instance_recovery(gateway, DB_INSTANCE, TARGET_ZONE), InstanceRecoveryPlan
    )
    resize(sandbox, DB_DATA, 200)

    with pytest.raises(PlanStale) as refused:
        await check_current(gateway, "plan-1", plan)
    said = str(refused.value)
    assert f"disk {DB_DATA} size 100 -> 200 GiB" in said
    assert "nothing was created" in said and "Plan again (plan_recovery)" in said

    # The operation itself reads the source again before its first create.
    with pytest.raises(PlanStale, match=f"disk {DB_DATA} size 100 -> 200 GiB"):
        await execute_instance_recovery(
            gateway, plan, steps.start("execute_recovery"), ProgressLog(), timing=timing
        )
    assert creates(sandbox) == []


class ChangeDuringImage:
    """Progress that, once the image is being built (the snapshot group exists and is
    accomplished), lets the operator change the source; in a fleet, once `source`'s is."""

    def __init__(self, change: Any, source: str = "") -> None:
        self.change = change
        self.started = f"{source}: image " if source else "image "
        self.done = False

    async def __call__(self, progress: float, total: float | None, message: str) -> None:
        if not self.done and message.startswith(self.started):
            self.done = True
            self.change()


async def test_a_change_after_the_snapshot_group_stops_before_run_instances_naming_it(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    plan = expect(
        await plan_instance_recovery(gateway, DB_INSTANCE, TARGET_ZONE), InstanceRecoveryPlan
    )
    step = steps.start("execute_recovery")
    change = ChangeDuringImage(lambda: resize(sandbox, DB_LOG, 600))

    with anyio.fail_after(FLOW_LIMIT_S), pytest.raises(PlanStale) as stopped:
        await execute_instance_recovery(gateway, plan, step, change, timing=timing)

    said = str(stopped.value)
    assert change.done
    assert f"disk {DB_LOG} size 500 -> 600 GiB" in said
    assert "RunInstances is not sent" in said and "Plan again (plan_recovery)" in said
    assert f"cleanup_recovery(operation_id={step.operation_id!r})" in said
    made = creates(sandbox)
    assert "CreateSnapshotGroup" in made and "CreateImage" in made
    assert "RunInstances" not in made
    # What was created is journaled for cleanup_recovery.
    journaled = steps.journal.get(step.operation_id).steps
    assert {s.action for s in journaled if s.resource_id} >= {"CreateSnapshotGroup", "CreateImage"}

    # Resuming reads the source again first: it stops the same way, sending no create.
    with anyio.fail_after(FLOW_LIMIT_S), pytest.raises(PlanStale, match="500 -> 600 GiB"):
        await execute_instance_recovery(gateway, plan, step, ProgressLog(), timing=timing)
    assert creates(sandbox) == made


async def test_a_public_ip_released_during_the_image_stops_before_run_instances(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    plan = expect(
        await plan_instance_recovery(gateway, WEB_INSTANCE, TARGET_ZONE), InstanceRecoveryPlan
    )
    assert plan.instance.run.internet_max_bandwidth_out == 5
    change = ChangeDuringImage(lambda: set_bandwidth(sandbox, WEB_INSTANCE, 0))

    with anyio.fail_after(FLOW_LIMIT_S), pytest.raises(PlanStale) as stopped:
        await execute_instance_recovery(
            gateway, plan, steps.start("execute_recovery"), change, timing=timing
        )
    assert "InternetMaxBandwidthOut 5 -> 0 (the source lost its public IP)" in str(stopped.value)
    assert "RunInstances" not in creates(sandbox)


async def test_a_source_disk_resized_after_a_disk_plan_refuses_it_and_its_operation(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    plan = expect(
        await plan_disk_recovery(gateway, DB_INSTANCE, TARGET_INSTANCE, [DB_DATA], decisions={}),
        DiskRecoveryPlan,
    )
    resize(sandbox, DB_DATA, 200)
    with pytest.raises(PlanStale, match=f"{DB_INSTANCE}: disk {DB_DATA} size 100 -> 200 GiB"):
        await check_disk_plan(gateway, "plan-1", plan)
    with pytest.raises(PlanStale, match="nothing more is created"):
        await execute_disk_recovery(
            gateway, plan, steps.start("execute_recovery"), ProgressLog(), timing=timing
        )
    assert creates(sandbox) == []


async def test_a_fleet_source_changed_mid_way_is_left_for_a_new_plan_while_the_others_recover(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    plan = expect(
        await plan_fleet_recovery(gateway, [DB_INSTANCE, WEB_INSTANCE], TARGET_ZONE, drill=True),
        FleetRecoveryPlan,
    )
    change = ChangeDuringImage(lambda: set_bandwidth(sandbox, WEB_INSTANCE, 0), source=WEB_INSTANCE)

    with anyio.fail_after(FLOW_LIMIT_S), pytest.raises(FleetIncomplete) as stopped:
        await execute_fleet_recovery(
            gateway, plan, steps.start("execute_recovery"), change, timing=timing
        )
    said = str(stopped.value)
    assert "InternetMaxBandwidthOut 5 -> 0 (the source lost its public IP)" in said
    assert f"{WEB_INSTANCE} changed since planning" in said and "plan again (plan_recovery)" in said
    assert f"Recovered: {DB_INSTANCE} -> i-" in said
    assert creates(sandbox).count("RunInstances") == 1

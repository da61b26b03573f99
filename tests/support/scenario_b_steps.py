"""Steps of Scenario B that its workflow tests share: each prepared, confirmed and executed
as the tool would, on the sandbox's virtual clock."""

from __future__ import annotations

from typing import Any

from alibabacloud_ecs20140526 import models as sdk

from ecs_dr.cloud.ecs import Timing
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.disks import AttachResult, NewDiskResult
from ecs_dr.workflows.scenario_a import execute_snapshot, prepare_snapshot
from ecs_dr.workflows.scenario_b import (
    execute_attach_disk,
    execute_disk_from_snapshot,
    prepare_attach_disk,
    prepare_disk_from_snapshot,
)
from tests.support.decisions import confirmation, ready_plan
from tests.support.demo_world import PROD_SG, PUBLIC_IMAGE, REGION, TARGET_VSWITCH, TARGET_ZONE
from tests.support.workflows import ProgressLog, Steps


async def snapshot_of(gateway: EcsGateway, steps: Steps, timing: Timing, disk_id: str) -> str:
    """create_snapshot of one disk, confirmed, waited until accomplished."""
    first = await prepare_snapshot(gateway, disk_id)
    plan = ready_plan(await prepare_snapshot(gateway, disk_id, decisions=confirmation(first)))
    result = await execute_snapshot(
        gateway, plan.plan, steps.start("create_snapshot"), ProgressLog(), timing=timing
    )
    return result.snapshot_id


async def new_disk(
    gateway: EcsGateway,
    steps: Steps,
    timing: Timing,
    snapshot_id: str,
    target: str,
    progress: ProgressLog | None = None,
    decisions: dict[str, str] | None = None,
    **arguments: Any,
) -> NewDiskResult:
    """create_disk_from_snapshot, confirmed after the `decisions` given."""
    first = await prepare_disk_from_snapshot(
        gateway, snapshot_id, target, decisions=decisions, **arguments
    )
    prepared = ready_plan(
        await prepare_disk_from_snapshot(
            gateway,
            snapshot_id,
            target,
            decisions=confirmation(first, decisions),
            **arguments,
        )
    )
    assert prepared.confirmed
    return await execute_disk_from_snapshot(
        gateway,
        prepared.plan,
        steps.start("create_disk_from_snapshot"),
        progress or ProgressLog(),
        timing=timing,
    )


async def attach(
    gateway: EcsGateway,
    steps: Steps,
    timing: Timing,
    disk_id: str,
    target: str,
    progress: ProgressLog | None = None,
    decisions: dict[str, str] | None = None,
) -> AttachResult:
    """attach_disk, confirmed after the `decisions` given."""
    first = await prepare_attach_disk(gateway, disk_id, target, decisions=decisions)
    prepared = ready_plan(
        await prepare_attach_disk(
            gateway, disk_id, target, decisions=confirmation(first, decisions)
        )
    )
    return await execute_attach_disk(
        gateway,
        prepared.plan,
        steps.start("attach_disk"),
        progress or ProgressLog(),
        timing=timing,
    )


async def launch(gateway: EcsGateway, zone_id: str = TARGET_ZONE) -> str:
    """A new instance in the zone, Pending for its first cloud seconds (RunInstances)."""
    request = sdk.RunInstancesRequest(
        zone_id=zone_id,
        image_id=PUBLIC_IMAGE,
        instance_type="ecs.g7.large",
        security_group_id=PROD_SG,
        v_switch_id=TARGET_VSWITCH,
        instance_name="fresh-target",
        internet_max_bandwidth_out=0,
    )
    body = await gateway.call(REGION, "RunInstances", request)
    return str(body.instance_id_sets.instance_id_set[0])

"""Steps of Scenario A that its workflow tests share, on prod-db-01 into the target zone: each
prepared, confirmed and executed as the tool would, on the sandbox's virtual clock."""

from __future__ import annotations

from ecs_dr.cloud.ecs import Timing
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.dr_instance import DrInstanceResult
from ecs_dr.domain.images import ImageResult
from ecs_dr.domain.snapshots import SnapshotSetResult
from ecs_dr.workflows.scenario_a import (
    execute_dr_instance,
    execute_full_image,
    execute_snapshot_group,
    prepare_dr_instance,
    prepare_full_image,
    prepare_snapshot_group,
)
from tests.support.decisions import confirmation, ready_plan
from tests.support.demo_world import DB_INSTANCE, TARGET_ZONE
from tests.support.workflows import ProgressLog, Steps


async def snapshot_group(
    gateway: EcsGateway, steps: Steps, progress: ProgressLog, timing: Timing
) -> SnapshotSetResult:
    first = await prepare_snapshot_group(gateway, DB_INSTANCE)
    prepared = ready_plan(
        await prepare_snapshot_group(gateway, DB_INSTANCE, decisions=confirmation(first))
    )
    assert prepared.confirmed
    step = steps.start("create_snapshot_group")
    return await execute_snapshot_group(gateway, prepared.plan, step, progress, timing=timing)


async def full_image(
    gateway: EcsGateway, steps: Steps, progress: ProgressLog, timing: Timing, group_id: str
) -> ImageResult:
    first = await prepare_full_image(gateway, DB_INSTANCE, snapshot_group_id=group_id)
    prepared = ready_plan(
        await prepare_full_image(
            gateway, DB_INSTANCE, snapshot_group_id=group_id, decisions=confirmation(first)
        )
    )
    step = steps.start("create_full_image")
    return await execute_full_image(gateway, prepared.plan, step, progress, timing=timing)


async def dr_instance(
    gateway: EcsGateway, steps: Steps, progress: ProgressLog, timing: Timing, image_id: str
) -> DrInstanceResult:
    first = await prepare_dr_instance(gateway, DB_INSTANCE, image_id, TARGET_ZONE)
    prepared = ready_plan(
        await prepare_dr_instance(
            gateway, DB_INSTANCE, image_id, TARGET_ZONE, decisions=confirmation(first)
        )
    )
    step = steps.start("run_dr_instance")
    return await execute_dr_instance(gateway, prepared.plan, step, progress, timing=timing)

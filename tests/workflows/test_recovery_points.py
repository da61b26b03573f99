"""Recovery points against the sandbox: per-disk snapshots only with the user's consent, one
progress scale over the snapshots and the image, every resource tagged as the source's point,
and listing what was taken."""

from __future__ import annotations

from datetime import UTC, datetime

import anyio

from ecs_dr.cloud.ecs import Timing
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.recovery_points import TAG_RECOVERY_POINT, TAG_TAKEN_AT
from ecs_dr.domain.snapshots import SnapshotGroupPlan
from ecs_dr.workflows.recovery_points import (
    execute_recovery_point,
    list_recovery_points,
    prepare_recovery_point,
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


async def test_a_source_no_group_can_take_asks_before_per_disk_snapshots(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    (prompt,) = needs(await prepare_recovery_point(gateway, LEGACY_INSTANCE)).prompts
    assert prompt.decision_id == "snapshot_strategy"
    cancelled = await prepare_recovery_point(
        gateway, LEGACY_INSTANCE, decisions={"snapshot_strategy": "cancel"}
    )
    assert was_cancelled(cancelled).decision_id == "snapshot_strategy"
    assert mutations(sandbox) == []


async def test_per_disk_snapshots_and_their_image_are_one_tagged_point_not_crash_consistent(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    progress = ProgressLog()
    with anyio.fail_after(FLOW_LIMIT_S):
        first = await prepare_recovery_point(
            gateway, LEGACY_INSTANCE, image=True, decisions=PER_DISK
        )
        plan = ready_plan(
            await prepare_recovery_point(
                gateway, LEGACY_INSTANCE, image=True, decisions=confirmation(first, PER_DISK)
            )
        ).plan
        assert isinstance(plan.snapshots, SnapshotGroupPlan)
        assert plan.snapshots.strategy == "per_disk_snapshots"
        point = await execute_recovery_point(
            gateway, plan, steps.start("create_recovery_point"), progress, timing=timing
        )
        source, points = await list_recovery_points(gateway, LEGACY_INSTANCE, None, timing.now())

    assert (point.kind, point.crash_consistent) == ("image", False)
    assert point.image is not None and point.point_id == point.image.image_id
    assert [s.disk_id for s in point.snapshots] == [LEGACY_SYSTEM, LEGACY_DATA]
    assert point.fingerprint.source_disks.keys() == {LEGACY_SYSTEM, LEGACY_DATA}
    assert progress.values == sorted(progress.values) and progress.values[-1] == 100
    state = region_state(sandbox)
    for kind, rid in [
        ("image", point.point_id),
        *(("snapshot", s.snapshot_id) for s in point.snapshots),
    ]:
        tags = tags_of(state, kind, rid)
        assert tags[TAG_RECOVERY_POINT] == LEGACY_INSTANCE
        assert datetime.fromisoformat(tags[TAG_TAKEN_AT]).tzinfo == UTC

    assert [(p.kind, p.crash_consistent, p.missing_disks) for p in points] == [
        ("image", False, []),
        ("snapshots", False, []),
    ]
    assert {d.disk_id for d in source.disks} == set(points[1].disks)

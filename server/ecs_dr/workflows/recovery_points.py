"""Recovery points: take one ahead of a disaster (the snapshot steps, tagged as the source's
point, and the image from them when asked), and list every point a recovery can start from."""

from __future__ import annotations

from datetime import datetime

from ecs_dr.cloud import ecs
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain import names, rules
from ecs_dr.domain.decisions import CANCEL, PROCEED, chosen
from ecs_dr.domain.fingerprints import instance_fingerprint
from ecs_dr.domain.images import ImagePlan
from ecs_dr.domain.models import Instance
from ecs_dr.domain.plans import Decisions, Prepared, Ready, cancelled
from ecs_dr.domain.recovery_points import (
    TAG_RECOVERY_POINT,
    RecoveryPoint,
    RecoveryPointPlan,
    RecoveryPointResult,
    point_confirmation,
    recovery_point_tags,
    recovery_points,
)
from ecs_dr.domain.snapshots import (
    SnapshotGroupPlan,
    SnapshotPlan,
    SnapshotRecord,
    SnapshotSetResult,
)
from ecs_dr.workflows.images import execute_full_image, free_image_name
from ecs_dr.workflows.journal import StepRecorder
from ecs_dr.workflows.operations import ProgressFn
from ecs_dr.workflows.prepared import today
from ecs_dr.workflows.snapshots import (
    execute_snapshot,
    execute_snapshot_group,
    prepare_snapshot,
    prepare_snapshot_group,
)
from ecs_dr.workflows.source import instance_by_ref, load_instance


async def prepare_recovery_point(
    gw: EcsGateway,
    instance_id: str,
    region_id: str | None = None,
    image: bool = False,
    decisions: Decisions | None = None,
) -> Prepared[RecoveryPointPlan]:
    """The point's snapshots as the snapshot strategy decides (one snapshot of a one-disk
    source, a group, per-disk snapshots only with the user's consent) and, with `image`, the
    image's free name.

    Raises NotFound for an unknown instance, Refusal for one ECS cannot snapshot now.
    """
    region, source = await load_instance(gw, instance_id, region_id)
    rules.check_snapshottable(source, "Wait until it is Running or Stopped.")
    name = names.snapshot_name(instance_id, today(), prefix="RecoveryPoint")
    snapshots: Prepared[SnapshotGroupPlan] | Prepared[SnapshotPlan]
    if rules.snapshot_strategy(source) == "single_snapshot" and source.system_disk:
        snapshots = await prepare_snapshot(gw, source.system_disk.disk_id, region, name)
    else:
        snapshots = await prepare_snapshot_group(gw, instance_id, region, name, decisions)
    if not isinstance(snapshots, Ready):
        return snapshots
    plan = RecoveryPointPlan(
        region_id=region,
        instance_id=instance_id,
        snapshots=snapshots.plan,
        image_name=await free_image_name(gw, region, source, None) if image else None,
        source=source,
    )
    prompt = point_confirmation(plan)
    answer = chosen(prompt, decisions or {})
    if answer == CANCEL:
        return cancelled(prompt.decision_id)
    return Ready(plan=plan, confirm=prompt, confirmed=answer == PROCEED)


def _part(progress: ProgressFn, start: float, end: float) -> ProgressFn:
    """`progress` of one phase, mapped onto [start, end] of the whole point's scale."""

    async def report(done: float, total: float | None, message: str) -> None:
        await progress(start + (end - start) * done / (total or 100.0), 100.0, message)

    return report


async def execute_recovery_point(
    gw: EcsGateway,
    plan: RecoveryPointPlan,
    step: StepRecorder,
    progress: ProgressFn,
    *,
    timing: ecs.Timing = ecs.REAL_TIME,
) -> RecoveryPointResult:
    """Take the snapshots, tagged as the source's point, wait until zone-redundant, then
    build the image from them when asked and wait until it is Available."""
    # The operation's start, not now: a resumed point resends its creates with the same
    # ClientTokens, which ECS refuses (IdempotentParameterMismatch) with other tag values.
    taken_at = await step.operation_started_at()
    tags = recovery_point_tags(plan.instance_id, taken_at)
    tagged = step.with_tags(tags)
    snapshot_share = 50.0 if plan.image_name else 100.0
    snapshots_progress = _part(progress, 0, snapshot_share)
    group_id: str | None = None
    if isinstance(plan.snapshots, SnapshotGroupPlan):
        taken: SnapshotSetResult = await execute_snapshot_group(
            gw, plan.snapshots, tagged, snapshots_progress, timing=timing
        )
        records: list[SnapshotRecord] = list(taken.snapshots)
        group_id, consistent, note = taken.snapshot_group_id, taken.crash_consistent, taken.note
    else:
        one = await execute_snapshot(gw, plan.snapshots, tagged, snapshots_progress, timing=timing)
        records = [SnapshotRecord(**one.model_dump(include=set(SnapshotRecord.model_fields)))]
        consistent, note = True, "One disk: one snapshot is crash-consistent."
    image = None
    if plan.image_name:
        snapshots = await ecs.describe_snapshots(
            gw, plan.region_id, [r.snapshot_id for r in records]
        )
        image_plan = ImagePlan(
            region_id=plan.region_id,
            instance_id=plan.instance_id,
            image_name=plan.image_name,
            mappings=rules.image_mappings(plan.source, snapshots),
            snapshot_group_id=group_id,
        )
        image = await execute_full_image(
            gw, image_plan, tagged, _part(progress, snapshot_share, 100), timing=timing
        )
    point_id = image.image_id if image else group_id or ",".join(r.snapshot_id for r in records)
    return RecoveryPointResult(
        **plan.model_dump(include={"region_id", "instance_id"}),
        point_id=point_id,
        kind="image" if image else "group" if group_id else "snapshots",
        taken_at=taken_at,
        crash_consistent=consistent,
        fingerprint=instance_fingerprint(plan.source),
        snapshot_group_id=group_id,
        snapshots=records,
        image=image,
        tags=tags,
        note=note,
    )


async def list_recovery_points(
    gw: EcsGateway, instance: str, region_id: str | None, now: datetime
) -> tuple[Instance, list[RecoveryPoint]]:
    """The source as it is now and every point of it, newest first. Read-only.

    Raises NotFound for an unknown instance, Refusal for a name several instances have."""
    region, source = await load_instance(
        gw, await instance_by_ref(gw, instance, region_id), region_id
    )
    return source, await points_of(gw, region, source, now)


async def points_of(
    gw: EcsGateway, region: str, source: Instance, now: datetime
) -> list[RecoveryPoint]:
    """Every point of the source, newest first: its snapshot groups, its snapshots outside a
    group, and the images tagged as its points (regional reads: they answer while the source's
    zone is down)."""
    groups = await ecs.instance_snapshot_groups(gw, region, source.instance_id)
    snapshots = await ecs.instance_snapshots(gw, region, source.instance_id)
    images = await ecs.images_tagged(gw, region, TAG_RECOVERY_POINT, source.instance_id)
    return recovery_points(source, groups, snapshots, images, now)

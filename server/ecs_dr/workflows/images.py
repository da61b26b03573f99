"""The recovery image: one custom image holding a snapshot of every disk of the source,
each at its device, so RunInstances restores the whole instance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ecs_dr.cloud import ecs
from ecs_dr.cloud.errors import NotFound
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain import names, rules
from ecs_dr.domain.images import ImagePlan, ImageResult, check_snapshots_of_source
from ecs_dr.domain.models import Instance, Snapshot
from ecs_dr.domain.plans import Decisions, Prepared, ready
from ecs_dr.domain.refusal import Refusal
from ecs_dr.workflows.journal import Create, StepRecorder, create_step
from ecs_dr.workflows.operations import ProgressFn
from ecs_dr.workflows.prepared import Progress, operation_tags, today
from ecs_dr.workflows.source import load_instance


async def prepare_full_image(
    gw: EcsGateway,
    instance_id: str,
    region_id: str | None = None,
    *,
    snapshot_group_id: str | None = None,
    snapshot_id: str | None = None,
    snapshot_ids: Sequence[str] | None = None,
    image_name: str | None = None,
    decisions: Decisions | None = None,
) -> Prepared[ImagePlan]:
    """An image of every disk of the source, from its group or its snapshots.

    Give `snapshot_group_id`, or `snapshot_id` (a single-disk source), or `snapshot_ids`
    (per-disk snapshots). Raises NotFound for an unknown instance, group or snapshot, and
    Refusal when the snapshots are not this source's, miss a disk, are not accomplished,
    or the name is taken.
    """
    ids = [*([snapshot_id] if snapshot_id else []), *(snapshot_ids or ())]
    if bool(snapshot_group_id) == bool(ids):
        raise Refusal(
            "Give either snapshot_group_id (a multi-disk source) or snapshot_id (a "
            "single-disk source) or snapshot_ids (per-disk snapshots): exactly one of them."
        )
    region, source = await load_instance(gw, instance_id, region_id)
    if snapshot_group_id:
        snapshots = await _group_snapshots(gw, region, source, snapshot_group_id)
    else:
        snapshots = await _listed_snapshots(gw, region, ids)
    check_snapshots_of_source(source, snapshots)
    rules.check_snapshots_ready(snapshots)
    plan = ImagePlan(
        region_id=region,
        instance_id=instance_id,
        image_name=await free_image_name(gw, region, source, image_name),
        mappings=rules.image_mappings(source, snapshots),
        snapshot_group_id=snapshot_group_id,
    )
    return ready(plan, decisions)


async def _group_snapshots(
    gw: EcsGateway, region: str, source: Instance, group_id: str
) -> list[Snapshot]:
    group = await ecs.describe_snapshot_group(gw, region, group_id)
    if group.instance_id != source.instance_id:
        raise Refusal(
            f"The snapshot group {group_id} was taken of {group.instance_id or 'another disk set'}"
            f", not of {source.instance_id}; use a group of {source.instance_id}."
        )
    return group.snapshots


async def _listed_snapshots(gw: EcsGateway, region: str, ids: list[str]) -> list[Snapshot]:
    snapshots = await ecs.describe_snapshots(gw, region, ids)
    missing = sorted(set(ids) - {s.snapshot_id for s in snapshots})
    if missing:
        raise NotFound(
            "InvalidSnapshotId.NotFound",
            f"no snapshot {', '.join(missing)} in {region}; take one with create_snapshot",
            action="DescribeSnapshots",
            region_id=region,
        )
    return snapshots


async def free_image_name(
    gw: EcsGateway, region: str, source: Instance, requested: str | None
) -> str:
    """The requested name if free; else the default, numbered when a drill already took it.

    Raises Refusal when the requested name is taken.
    """
    if requested:
        taken = await ecs.images_named(gw, region, requested)
        if taken:
            raise Refusal(
                f"An image named {requested!r} already exists ({taken[0].image_id}); "
                "pass another image_name, or omit it for the default."
            )
        return requested
    base = names.image_name(source, today())
    name, n = base, 1
    while await ecs.images_named(gw, region, name):
        n += 1
        name = f"{base}_{n}"
    return name


async def execute_full_image(
    gw: EcsGateway,
    plan: ImagePlan,
    step: StepRecorder,
    progress: ProgressFn,
    *,
    timing: ecs.Timing = ecs.REAL_TIME,
) -> ImageResult:
    """Create the image and wait until it is Available."""
    tags = operation_tags(step, plan.instance_id)

    def create(attempt: ImagePlan) -> Create:
        return lambda token: ecs.create_image(
            gw, attempt.region_id, attempt.image_name, attempt.mappings, token, tags
        )

    def reattempt(number: int) -> tuple[dict[str, Any], Create]:
        # The failed image keeps its name taken: the new attempt is named after it.
        again = plan.model_copy(
            update={"image_name": names.image_reattempt_name(plan.image_name, number)}
        )
        return again.parameters(), create(again)

    image_id = await create_step(
        step,
        "create_image",
        plan.action,
        plan.parameters(),
        create(plan),
        failure=lambda image: ecs.wait_image.failed(gw, plan.region_id, image),
        reattempt=reattempt,
    )
    report = Progress(progress)
    await report(0, f"image {image_id} started")
    image = await ecs.wait_image(
        gw,
        plan.region_id,
        image_id,
        on_progress=report.phase(0, 100, f"image {image_id}"),
        timing=timing,
    )
    return ImageResult(
        region_id=plan.region_id,
        instance_id=plan.instance_id,
        image_id=image_id,
        image_name=image.name,
        status=image.status,
        mappings=image.mappings,
    )

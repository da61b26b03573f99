"""The recovery image: one custom image holding a snapshot of every disk of the source,
each at its device, so RunInstances restores the whole instance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from ecs_dr.cloud import ecs
from ecs_dr.cloud.errors import NotFound
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain import rules
from ecs_dr.domain.cloud_text import MAX_CLOUD_VALUE_CHARS, cloud_text_field
from ecs_dr.domain.models import ImageDiskMapping, Instance, Snapshot
from ecs_dr.workflows.journal import Create, StepRecorder, create_step
from ecs_dr.workflows.operations import ProgressFn
from ecs_dr.workflows.prepared import (
    Decisions,
    Prepared,
    Progress,
    operation_tags,
    ready,
    today,
)
from ecs_dr.workflows.source import load_instance


class ImagePlan(BaseModel):
    """CreateImage from the source's snapshots, one mapping per disk."""

    model_config = ConfigDict(frozen=True)

    region_id: str
    instance_id: str
    image_name: str
    mappings: list[ImageDiskMapping]
    snapshot_group_id: str | None = None

    @property
    def action(self) -> str:
        return "CreateImage"

    def parameters(self) -> dict[str, Any]:
        params: dict[str, Any] = {"RegionId": self.region_id, "ImageName": self.image_name}
        for n, m in enumerate(self.mappings, 1):
            params[f"DiskDeviceMapping.{n}.Device"] = m.device
            params[f"DiskDeviceMapping.{n}.DiskType"] = m.kind
            params[f"DiskDeviceMapping.{n}.SnapshotId"] = m.snapshot_id
            params[f"DiskDeviceMapping.{n}.Size"] = m.size_gib
        return params


class ImageResult(BaseModel):
    """The image, Available, and where each disk's snapshot sits in it."""

    model_config = ConfigDict(frozen=True)

    region_id: str
    instance_id: str
    image_id: str
    image_name: str = cloud_text_field(
        "the image's name as DescribeImages gives it", max_chars=MAX_CLOUD_VALUE_CHARS
    )
    status: str
    mappings: list[ImageDiskMapping]


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
    ValueError when the snapshots are not this source's, miss a disk, are not accomplished,
    or the name is taken.
    """
    ids = [*([snapshot_id] if snapshot_id else []), *(snapshot_ids or ())]
    if bool(snapshot_group_id) == bool(ids):
        raise ValueError(
            "Give either snapshot_group_id (a multi-disk source) or snapshot_id (a "
            "single-disk source) or snapshot_ids (per-disk snapshots): exactly one of them."
        )
    region, source = await load_instance(gw, instance_id, region_id)
    if snapshot_group_id:
        snapshots = await _group_snapshots(gw, region, source, snapshot_group_id)
    else:
        snapshots = await _listed_snapshots(gw, region, ids)
    _of_source(source, snapshots)
    rules.check_snapshots_ready(snapshots)
    plan = ImagePlan(
        region_id=region,
        instance_id=instance_id,
        image_name=await _image_name(gw, region, source, image_name),
        mappings=rules.image_mappings(source, snapshots),
        snapshot_group_id=snapshot_group_id,
    )
    return ready(plan, decisions)


async def _group_snapshots(
    gw: EcsGateway, region: str, source: Instance, group_id: str
) -> list[Snapshot]:
    group = await ecs.describe_snapshot_group(gw, region, group_id)
    if group.instance_id != source.instance_id:
        raise ValueError(
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


def _of_source(source: Instance, snapshots: Sequence[Snapshot]) -> None:
    """Refuse snapshots of disks the source does not have."""
    disks = {d.disk_id for d in source.disks}
    foreign = [
        f"{s.snapshot_id} (of {s.source_disk_id})"
        for s in snapshots
        if s.source_disk_id not in disks
    ]
    if foreign:
        raise ValueError(
            f"{', '.join(foreign)} is not a snapshot of a disk of {source.instance_id} "
            f"(its disks: {', '.join(sorted(disks))})."
        )


async def _image_name(gw: EcsGateway, region: str, source: Instance, requested: str | None) -> str:
    """The requested name if free; else the default, numbered when a drill already took it.

    Raises ValueError when the requested name is taken.
    """
    if requested:
        taken = await ecs.images_named(gw, region, requested)
        if taken:
            raise ValueError(
                f"An image named {requested!r} already exists ({taken[0].image_id}); "
                "pass another image_name, or omit it for the default."
            )
        return requested
    base = rules.image_name(source, today())
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
            update={"image_name": rules.image_reattempt_name(plan.image_name, number)}
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

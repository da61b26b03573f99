"""Keeping points fresh: find a source's points this server made, the operations not ended
that may be recovering from one, and delete the points a protection cycle no longer keeps.

Deletes are the cleanup layer's calls, never forced: the image first (ECS refuses while an
instance uses it), then its group (ECS keeps a snapshot an image still uses) or its snapshots
(ECS refuses one a disk was made from); what ECS keeps stays, with its reason.
"""

from __future__ import annotations

import json
from contextlib import suppress

from ecs_dr.cloud import ecs
from ecs_dr.cloud.errors import CloudError, NotFound
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.cleanup import delete_refused_reason, kept_by_group_reason
from ecs_dr.domain.models import Frozen
from ecs_dr.domain.recovery_points import TAG_RECOVERY_POINT
from ecs_dr.domain.retention import OwnPoint, Retention, own_points, retention
from ecs_dr.workflows.journal import Journal, OperationRecord, UnknownPlan

# Every operation a journal of a protected fleet's lifetime keeps.
JOURNAL_SCAN_LIMIT = 100_000


class PointDeletion(Frozen):
    """One point the cycle meant to delete: gone, or kept (in part) with ECS's reason."""

    point_id: str
    deleted: list[str]
    kept_reason: str | None = None


async def list_own_points(gw: EcsGateway, region_id: str, instance_id: str) -> list[OwnPoint]:
    """The points this server made of the instance: its groups, its snapshots and the images
    tagged as its points, each point the resources of one operation."""
    groups = await ecs.instance_snapshot_groups(gw, region_id, instance_id)
    snapshots = await ecs.instance_snapshots(gw, region_id, instance_id)
    images = await ecs.images_tagged(gw, region_id, TAG_RECOVERY_POINT, instance_id)
    return own_points(instance_id, groups, snapshots, images)


def unfinished_operations(journal: Journal) -> dict[str, str]:
    """Every operation the journal holds that has not ended (id -> its arguments, the plan it
    executes and its steps, as JSON text): what a recovery from a point names."""
    unfinished = {}
    for record in journal.list(JOURNAL_SCAN_LIMIT):
        if record.status == "running":
            unfinished[record.operation_id] = json.dumps(_journaled(journal, record))
    return unfinished


def _journaled(journal: Journal, record: OperationRecord) -> dict[str, object]:
    journaled: dict[str, object] = {
        "arguments": record.arguments,
        "steps": [s.model_dump(mode="json") for s in record.steps],
    }
    plan_id = record.arguments.get("plan_id")
    if isinstance(plan_id, str):
        with suppress(UnknownPlan):
            journaled["plan"] = journal.get_plan(plan_id).plan
    return journaled


async def delete_point(gw: EcsGateway, region_id: str, point: OwnPoint) -> PointDeletion:
    """Delete the point's image, then its groups and its snapshots outside a group; stops at
    the first resource ECS keeps (the rest may depend on it) and says why."""
    deleted: list[str] = []

    def kept(reason: str) -> PointDeletion:
        return PointDeletion(point_id=point.point_id, deleted=deleted, kept_reason=reason)

    for image_id in point.image_ids:
        try:
            await ecs.delete_image(gw, region_id, image_id)
        except CloudError as exc:
            return kept(f"image {image_id}: {delete_refused_reason(exc.code, exc.message)}")
        deleted.append(image_id)
    for group_id in point.snapshot_group_ids:
        try:
            outcome = await ecs.delete_snapshot_group(gw, region_id, group_id)
        except NotFound:
            outcome = {}
        except CloudError as exc:
            return kept(f"group {group_id}: {delete_refused_reason(exc.code, exc.message)}")
        deleted.append(group_id)
        deleted += [sid for sid, code in outcome.items() if not code]
        left = [f"{sid} {kept_by_group_reason(code)}" for sid, code in outcome.items() if code]
        if left:
            return kept("; ".join(left))
    for snapshot_id in point.snapshot_ids:
        try:
            await ecs.delete_snapshot(gw, region_id, snapshot_id)
        except NotFound:
            pass
        except CloudError as exc:
            return kept(f"snapshot {snapshot_id}: {delete_refused_reason(exc.code, exc.message)}")
        deleted.append(snapshot_id)
    return PointDeletion(point_id=point.point_id, deleted=deleted)


async def apply_retention(
    gw: EcsGateway,
    region_id: str,
    instance_id: str,
    keep: int,
    unfinished: dict[str, str],
) -> tuple[Retention, list[PointDeletion]]:
    """Delete the instance's points beyond the newest `keep`, except those an unfinished
    operation names; returns what was decided and each delete's outcome. Raises Refusal for a
    `keep` below 1, CloudError when its points cannot be listed."""
    decided = retention(await list_own_points(gw, region_id, instance_id), keep, unfinished)
    return decided, [await delete_point(gw, region_id, point) for point in decided.to_delete]

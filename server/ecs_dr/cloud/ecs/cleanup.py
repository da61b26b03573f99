"""What cleanup needs from ECS: the tags of resources, the resources carrying a tag, and
their deletes.

Only the deletes the RAM policy grants for cleanup: DeleteInstance, DeleteImage,
DeleteSnapshotGroup, DeleteSnapshot, DeleteDisk. Whether a delete is allowed at all is decided
above (domain/cleanup/); these functions only make the calls.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from ecs_dr.cloud.ecs._sdk import items
from ecs_dr.cloud.ecs.images import image_from
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.sdk import ecs
from ecs_dr.domain.statuses import ImageStatus

# ListTagResources takes at most 50 resource ids a call; DescribeDisks 100 DiskIds.
LIST_TAGS_BATCH = 50
DISK_BATCH = 100


async def resource_tags(
    gw: EcsGateway, region_id: str, resource_type: str, resource_ids: Sequence[str]
) -> dict[str, dict[str, str]]:
    """Every tag of each ECS resource of one ResourceType (instance, disk, snapshot, image: ECS
    lists no snapshot groups or VSwitches); a resource without tags maps to {}."""
    tags: dict[str, dict[str, str]] = {rid: {} for rid in resource_ids}
    for start in range(0, len(resource_ids), LIST_TAGS_BATCH):
        token: str | None = None
        while True:
            request = ecs.ListTagResourcesRequest(
                resource_type=resource_type,
                resource_id=list(resource_ids[start : start + LIST_TAGS_BATCH]),
                next_token=token,
            )
            body = await gw.call(region_id, "ListTagResources", request)
            for row in items(body.tag_resources, "tag_resource"):
                tags.setdefault(row.resource_id, {})[row.tag_key] = row.tag_value
            token = body.next_token or None
            if token is None:
                break
    return tags


async def tagged_resources(
    gw: EcsGateway, region_id: str, resource_type: str, key: str, value: str | None = None
) -> dict[str, dict[str, str]]:
    """Every resource of one ResourceType carrying the tag `key` (with `value` when given), with
    all its tags. ListTagResources by Tag.N alone (no ResourceId.N: "if you specify only
    Tag.N.Key, all resources associated with the tag key are returned"); the tags are then
    listed by id, as ECS's answer to a tag query need not list a resource's other tags."""
    ids: list[str] = []
    token: str | None = None
    while True:
        request = ecs.ListTagResourcesRequest(
            resource_type=resource_type,
            tag=[ecs.ListTagResourcesRequestTag(key=key, value=value)],
            next_token=token,
        )
        body = await gw.call(region_id, "ListTagResources", request)
        for row in items(body.tag_resources, "tag_resource"):
            if row.resource_id not in ids:
                ids.append(row.resource_id)
        token = body.next_token or None
        if token is None:
            break
    tags = await resource_tags(gw, region_id, resource_type, ids)
    return {rid: t for rid, t in tags.items() if key in t and value in (None, t[key])}


async def disk_snapshots(gw: EcsGateway, region_id: str, disk_ids: Sequence[str]) -> dict[str, str]:
    """disk id -> the snapshot it was made from, for the disks that were made from one."""
    made_from: dict[str, str] = {}
    for start in range(0, len(disk_ids), DISK_BATCH):
        batch = list(disk_ids[start : start + DISK_BATCH])
        request = ecs.DescribeDisksRequest(disk_ids=json.dumps(batch))
        for disk in await gw.collect(region_id, "DescribeDisks", request):
            if disk.source_snapshot_id:
                made_from[disk.disk_id] = disk.source_snapshot_id
    return made_from


async def snapshot_users(gw: EcsGateway, region_id: str) -> dict[str, list[str]]:
    """snapshot id -> the account's custom images (any status) built from it."""
    request = ecs.DescribeImagesRequest(status=",".join(ImageStatus), image_owner_alias="self")
    users: dict[str, list[str]] = {}
    for item in await gw.collect(region_id, "DescribeImages", request):
        image = image_from(item)
        for mapping in image.mappings:
            if mapping.snapshot_id:
                users.setdefault(mapping.snapshot_id, []).append(image.image_id)
    return users


async def delete_instance(gw: EcsGateway, region_id: str, instance_id: str, force: bool) -> None:
    """Release an instance; its disks marked DeleteWithInstance go with it."""
    request = ecs.DeleteInstanceRequest(instance_id=instance_id, force=force)
    await gw.call(region_id, "DeleteInstance", request)


async def delete_image(gw: EcsGateway, region_id: str, image_id: str) -> None:
    """Delete a custom image, never forced: ECS refuses while an instance uses it."""
    await gw.call(region_id, "DeleteImage", ecs.DeleteImageRequest(image_id=image_id, force=False))


async def delete_disk(gw: EcsGateway, region_id: str, disk_id: str) -> None:
    """Release an Available disk."""
    await gw.call(region_id, "DeleteDisk", ecs.DeleteDiskRequest(disk_id=disk_id))


async def delete_snapshot(gw: EcsGateway, region_id: str, snapshot_id: str) -> None:
    """Delete a snapshot, never forced: ECS refuses while an image or a disk comes from it."""
    request = ecs.DeleteSnapshotRequest(snapshot_id=snapshot_id, force=False)
    await gw.call(region_id, "DeleteSnapshot", request)


async def delete_snapshot_group(gw: EcsGateway, region_id: str, group_id: str) -> dict[str, str]:
    """Delete a snapshot group and its snapshots; returns, per snapshot, "" when deleted or the
    error code ECS kept it for (a snapshot backing an image is kept)."""
    request = ecs.DeleteSnapshotGroupRequest(snapshot_group_id=group_id)
    body = await gw.call(region_id, "DeleteSnapshotGroup", request)
    outcome: dict[str, str] = {}
    for progress in items(body.operation_progress_set, "operation_progress"):
        related = items(progress.related_item_set, "related_item")
        code = "" if progress.operation_status == "Success" else progress.error_code or "Failed"
        for item in related:
            if item.name == "SnapshotId" and item.value:
                outcome[item.value] = code
    return outcome

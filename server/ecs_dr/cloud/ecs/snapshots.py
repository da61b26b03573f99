"""Snapshots and snapshot-consistent groups: create them, describe them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from alibabacloud_ecs20140526 import models as ecs

from ecs_dr.cloud.ecs._sdk import carries_tag, disk_kind, items, percent, tag_list
from ecs_dr.cloud.errors import NotFound
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.models import Snapshot, SnapshotGroup

# DescribeSnapshots takes at most 100 ids a call.
SNAPSHOT_BATCH = 100


async def create_snapshot_group(
    gw: EcsGateway,
    region_id: str,
    instance_id: str,
    name: str,
    client_token: str,
    tags: Mapping[str, str],
) -> str:
    """A snapshot-consistent group of every disk of the instance; returns its id."""
    request = ecs.CreateSnapshotGroupRequest(
        instance_id=instance_id,
        name=name,
        client_token=client_token,
        tag=tag_list(ecs.CreateSnapshotGroupRequestTag, tags),
    )
    body = await gw.call(region_id, "CreateSnapshotGroup", request)
    return str(body.snapshot_group_id)


async def describe_snapshot_group(gw: EcsGateway, region_id: str, group_id: str) -> SnapshotGroup:
    """The group and its snapshots in full; raises NotFound when the region lacks it."""
    request = ecs.DescribeSnapshotGroupsRequest(snapshot_group_id=[group_id])
    found = await gw.collect(region_id, "DescribeSnapshotGroups", request)
    if not found:
        raise NotFound(
            "InvalidSnapshotGroupId.NotFound",
            f"no snapshot group {group_id} in {region_id}; create one with create_snapshot_group",
            action="DescribeSnapshotGroups",
            region_id=region_id,
        )
    return await snapshot_group_from(gw, region_id, found[0])


async def snapshot_group_from(gw: EcsGateway, region_id: str, group: Any) -> SnapshotGroup:
    """A group as DescribeSnapshotGroups listed it, with its tags and its snapshots in full."""
    members = items(group.snapshots, "snapshot")
    snapshots = await describe_snapshots(gw, region_id, [s.snapshot_id for s in members])
    return SnapshotGroup(
        snapshot_group_id=group.snapshot_group_id,
        instance_id=group.instance_id or "",
        status=group.status,
        snapshots=[
            s.model_copy(update={"snapshot_group_id": group.snapshot_group_id}) for s in snapshots
        ],
        name=group.name or "",
        created_at=group.creation_time or "",
        # ECS's ListTagResources takes no snapshot groups: their tags come with the group.
        tags={t.key: t.value or "" for t in items(group.tags, "tag")},
    )


async def snapshot_groups_tagged(
    gw: EcsGateway, region_id: str, key: str, value: str | None = None
) -> list[SnapshotGroup]:
    """The region's snapshot groups carrying the tag `key` (with `value` when given), in full
    (ListTagResources lists no groups). DescribeSnapshotGroups' Tag.N filter is used only with
    a value: its reference does not say whether a key alone matches any value, so without one
    the region's groups are listed and their tags compared here."""
    tag = (
        [ecs.DescribeSnapshotGroupsRequestTag(key=key, value=value)] if value is not None else None
    )
    found = await gw.collect(
        region_id, "DescribeSnapshotGroups", ecs.DescribeSnapshotGroupsRequest(tag=tag)
    )
    return [
        await snapshot_group_from(gw, region_id, g)
        for g in found
        if carries_tag({t.key: t.value or "" for t in items(g.tags, "tag")}, key, value)
    ]


async def create_snapshot(
    gw: EcsGateway,
    region_id: str,
    disk_id: str,
    name: str,
    client_token: str,
    tags: Mapping[str, str],
) -> str:
    """One snapshot of one disk; returns its id."""
    request = ecs.CreateSnapshotRequest(
        disk_id=disk_id,
        snapshot_name=name,
        client_token=client_token,
        tag=tag_list(ecs.CreateSnapshotRequestTag, tags),
    )
    body = await gw.call(region_id, "CreateSnapshot", request)
    return str(body.snapshot_id)


async def describe_snapshots(
    gw: EcsGateway, region_id: str, snapshot_ids: Sequence[str]
) -> list[Snapshot]:
    """The snapshots found, in the order asked; ids the region lacks are left out."""
    found: dict[str, Snapshot] = {}
    for start in range(0, len(snapshot_ids), SNAPSHOT_BATCH):
        batch = list(snapshot_ids[start : start + SNAPSHOT_BATCH])
        request = ecs.DescribeSnapshotsRequest(snapshot_ids=json.dumps(batch))
        for item in await gw.collect(region_id, "DescribeSnapshots", request):
            found[item.snapshot_id] = snapshot_from(item)
    return [found[s] for s in snapshot_ids if s in found]


async def describe_snapshot(gw: EcsGateway, region_id: str, snapshot_id: str) -> Snapshot:
    """One snapshot in any status; raises NotFound when the region lacks it."""
    found = await describe_snapshots(gw, region_id, [snapshot_id])
    if not found:
        raise NotFound(
            "InvalidSnapshotId.NotFound",
            f"no snapshot {snapshot_id} in {region_id}; check the id, or omit region_id to "
            "search every region (create_snapshot takes one)",
            action="DescribeSnapshots",
            region_id=region_id,
        )
    return found[0]


def snapshot_from(s: Any) -> Snapshot:
    """The snapshot an SDK item describes."""
    return Snapshot(
        snapshot_id=s.snapshot_id,
        source_disk_id=s.source_disk_id or "",
        source_disk_kind=disk_kind(s.source_disk_type),
        source_disk_size_gib=int(s.source_disk_size or 0),
        status=s.status,
        progress=percent(s.progress),
        available=bool(s.available),
        created_at=s.creation_time or "",
    )

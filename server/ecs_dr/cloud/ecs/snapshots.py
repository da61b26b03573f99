"""Snapshots and snapshot-consistent groups: create them, describe them, wait for them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from ecs_dr.cloud.ecs._sdk import carries_tag, disk_kind, items, percent, progress_of, tag_list
from ecs_dr.cloud.errors import NotFound
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.polls import Describe, read
from ecs_dr.cloud.sdk import ecs
from ecs_dr.cloud.timing import REAL_TIME, Timing
from ecs_dr.cloud.waiters import (
    SNAPSHOT_ACCOMPLISHED,
    SNAPSHOT_GROUP_ACCOMPLISHED,
    SNAPSHOT_SETTLED,
    ProgressCallback,
    Waiter,
)
from ecs_dr.domain.models import Snapshot, SnapshotGroup
from ecs_dr.domain.recovery_points import TakenSnapshot
from ecs_dr.domain.statuses import SnapshotGroupStatus, SnapshotStatus


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


async def instance_snapshot_groups(
    gw: EcsGateway, region_id: str, instance_id: str
) -> list[SnapshotGroup]:
    """Every snapshot group taken of the instance, in full."""
    request = ecs.DescribeSnapshotGroupsRequest(instance_id=instance_id)
    found = await gw.collect(region_id, "DescribeSnapshotGroups", request)
    return [await snapshot_group_from(gw, region_id, g) for g in found]


async def instance_snapshots(
    gw: EcsGateway, region_id: str, instance_id: str
) -> list[TakenSnapshot]:
    """Every snapshot of the instance's disks, with its name, type (auto: an automatic
    snapshot policy's) and tags."""
    request = ecs.DescribeSnapshotsRequest(instance_id=instance_id)
    return [
        TakenSnapshot(
            snapshot=snapshot_from(s),
            name=s.snapshot_name or "",
            automatic=s.snapshot_type == "auto",
            tags={t.tag_key: t.tag_value or "" for t in items(s.tags, "tag")},
        )
        for s in await gw.collect(region_id, "DescribeSnapshots", request)
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
    """The snapshots found, in the order asked; ids the region lacks are left out. Each is a
    shared read, so the ids asked for together (here or by other operations) go in as few
    DescribeSnapshots as the API's id limit allows."""
    found = await asyncio.gather(*(read(gw, region_id, SNAPSHOTS, s) for s in snapshot_ids))
    return [snapshot_from(item) for item in found if item is not None]


async def describe_snapshot(gw: EcsGateway, region_id: str, snapshot_id: str) -> Snapshot:
    """One snapshot in any status; raises NotFound when the region lacks it."""
    found = await read(gw, region_id, SNAPSHOTS, snapshot_id)
    if found is None:
        raise NotFound(
            "InvalidSnapshotId.NotFound",
            f"no snapshot {snapshot_id} in {region_id}; check the id, or omit region_id to "
            "search every region (create_snapshot takes one)",
            action="DescribeSnapshots",
            region_id=region_id,
        )
    return snapshot_from(found)


def snapshot_from(s: Any) -> Snapshot:
    """The snapshot an SDK item describes."""
    return Snapshot(
        snapshot_id=s.snapshot_id,
        source_disk_id=s.source_disk_id or "",
        source_disk_kind=disk_kind(s.source_disk_type),
        source_disk_size_gib=int(s.source_disk_size or 0),
        status=s.status,
        progress=percent(s.progress) or 0,
        available=bool(s.available),
        created_at=s.creation_time or "",
    )


def slowest_snapshot(group: Any) -> int | None:
    """A snapshot group has no progress of its own, and is done when its slowest snapshot is;
    a snapshot whose progress is unreadable counts as not started."""
    values = [percent(s.progress) or 0 for s in items(group.snapshots, "snapshot")]
    return min(values) if values else None


SNAPSHOTS = Describe(
    "DescribeSnapshots",
    ecs.DescribeSnapshotsRequest,
    "snapshots.snapshot",
    SnapshotStatus,
    progress=progress_of,
)
SNAPSHOT_GROUPS = Describe(
    "DescribeSnapshotGroups",
    ecs.DescribeSnapshotGroupsRequest,
    "snapshot_groups.snapshot_group",
    SnapshotGroupStatus,
    ids="list",
    progress=slowest_snapshot,
    # SnapshotGroupId.N: "Valid values of N: 1 to 10".
    max_ids=10,
)


async def _waited_snapshot(
    gw: EcsGateway, region_id: str, item: Any, timing: Timing
) -> tuple[Snapshot, datetime]:
    return snapshot_from(item), timing.now()


wait_snapshot = Waiter(SNAPSHOTS, SNAPSHOT_ACCOMPLISHED, _waited_snapshot)
"""Wait for `accomplished` (100%, zone-redundant); returns it and when that was seen."""

wait_snapshot_settled = Waiter(SNAPSHOTS, SNAPSHOT_SETTLED, _waited_snapshot)
"""Wait until a snapshot is no longer progressing (accomplished or failed)."""


class FirstSeenDone:
    """Observer of a snapshot group's polls: when each of its snapshots was first seen at 100%,
    the moment its recovery point became zone-redundant; and which snapshots it lists."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self.at: dict[str, datetime] = {}
        self.listed: list[str] = []

    def __call__(self, group: Any) -> None:
        now = self._now()
        members = items(group.snapshots, "snapshot")
        self.listed = [m.snapshot_id for m in members]
        for member in members:
            if (percent(member.progress) or 0) >= 100:
                self.at.setdefault(member.snapshot_id, now)


async def _waited_group(gw: EcsGateway, region_id: str, item: Any, timing: Timing) -> SnapshotGroup:
    return await snapshot_group_from(gw, region_id, item)


group_accomplished = Waiter(SNAPSHOT_GROUPS, SNAPSHOT_GROUP_ACCOMPLISHED, _waited_group)
"""Wait for a snapshot group to be `accomplished`; `wait_snapshot_group` also says when each
of its snapshots was."""


async def wait_snapshot_group(
    gw: EcsGateway,
    region_id: str,
    group_id: str,
    *,
    on_progress: ProgressCallback | None = None,
    on_listed: Callable[[list[str]], Awaitable[None]] | None = None,
    timing: Timing = REAL_TIME,
) -> tuple[SnapshotGroup, dict[str, datetime]]:
    """Wait for `accomplished`; also returns when each snapshot was first seen at 100%.
    `on_listed` gets the ids of the group's snapshots after each poll, before `on_progress`."""
    done = FirstSeenDone(timing.now)

    async def observed(status: str, progress: int | None, elapsed_s: float) -> None:
        if on_listed is not None:
            await on_listed(done.listed)
        if on_progress is not None:
            await on_progress(status, progress, elapsed_s)

    group = await group_accomplished(
        gw, region_id, group_id, on_progress=observed, observers=(done,), timing=timing
    )
    at = timing.now()
    return group, {s.snapshot_id: done.at.get(s.snapshot_id, at) for s in group.snapshots}


async def snapshot_group_failed(
    gw: EcsGateway, region_id: str, group_id: str, *, timing: Timing = REAL_TIME
) -> str | None:
    """The terminal failure status the snapshot group is in now (`failed`), or None.

    A failed group is answered only once none of its snapshots is still progressing: the
    group is made again next, and ECS refuses a new snapshot of a disk while one of it is in
    progress (IncorrectDiskStatus.CreatingSnapshot), for as long as that upload lasts."""
    status = await group_accomplished.failed(gw, region_id, group_id)
    if status is None:
        return None
    group = await describe_snapshot_group(gw, region_id, group_id)
    progressing = [s.snapshot_id for s in group.snapshots if s.status == SnapshotStatus.PROGRESSING]
    await asyncio.gather(
        *(wait_snapshot_settled(gw, region_id, s, timing=timing) for s in progressing)
    )
    return status

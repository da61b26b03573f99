"""What the cloud shows now of the resources cleanup looks at: whether each still exists, its
status, its tags, and what holds it (a VSwitch: the instances in it). Reads only."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import Any

from ecs_dr.cloud import ecs
from ecs_dr.cloud.errors import NotFound
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.cleanup import (
    TAG_RESOURCE_TYPE,
    Found,
    ResourceKind,
    Tagged,
)
from ecs_dr.domain.plans import TAG_OPERATION


async def gone_or(lookup: Awaitable[Any]) -> Any | None:
    """The describe's answer, or None when ECS no longer lists the resource."""
    try:
        return await lookup
    except NotFound:
        return None


async def describe(
    gw: EcsGateway, region_id: str, kind: ResourceKind, rid: str
) -> tuple[Found, dict[str, str] | None]:
    """The resource as the cloud shows it now, and its tags when the describe carries them (a
    snapshot group's: ECS's ListTagResources does not list snapshot groups)."""
    found = Found(resource_id=rid, kind=kind)
    gone = (found.model_copy(update={"exists": False}), None)
    if kind == "instance":
        instance = await gone_or(ecs.describe_instance(gw, region_id, rid))
        if instance is None:
            return gone
        return found.model_copy(update={"status": instance.status}), None
    if kind == "image":
        image = await gone_or(ecs.describe_image(gw, region_id, rid))
        if image is None:
            return await _unlisted_image(gw, region_id, found)
        return found.model_copy(update={"status": image.status}), None
    if kind == "disk":
        disk = await gone_or(ecs.describe_disk(gw, region_id, rid))
        if disk is None:
            return gone
        update = {"status": disk.status, "attached_to": disk.instance_id}
        return found.model_copy(update=update), None
    if kind == "snapshot_group":
        group = await gone_or(ecs.describe_snapshot_group(gw, region_id, rid))
        if group is None:
            return gone
        members = [s.snapshot_id for s in group.snapshots]
        return found.model_copy(update={"status": group.status, "contains": members}), group.tags
    if kind == "snapshot":
        snapshot = await gone_or(ecs.describe_snapshot(gw, region_id, rid))
        if snapshot is None:
            return gone
        return found.model_copy(update={"status": snapshot.status}), None
    vswitch = await gone_or(ecs.describe_vswitch(gw, region_id, rid))
    if vswitch is None:
        return gone
    users = await ecs.vswitch_instances(gw, region_id, rid)
    return found.model_copy(update={"status": vswitch.status, "used_by": users}), None


async def _unlisted_image(
    gw: EcsGateway, region_id: str, found: Found
) -> tuple[Found, dict[str, str] | None]:
    """An image DescribeImages does not show: gone, or in a status this server does not know
    (DescribeImages shows only the statuses it is asked for, and it is asked for every one
    ECS documents). ECS lists the tags of an image that exists, so an image with tags is
    reported in an unknown status (empty) rather than gone, and is left in place."""
    tags = await ecs.resource_tags(gw, region_id, TAG_RESOURCE_TYPE["image"], [found.resource_id])
    if not tags.get(found.resource_id):
        return found.model_copy(update={"exists": False}), None
    return found, tags[found.resource_id]


async def disks_of(gw: EcsGateway, region_id: str, ids: Iterable[str]) -> dict[str, list[str]]:
    """The disks of every named instance that still exists (a source's disks are protected)."""
    instances = sorted(i for i in ids if i.startswith("i-"))
    found = await asyncio.gather(
        *(gone_or(ecs.describe_instance(gw, region_id, i)) for i in instances)
    )
    return {inst.instance_id: [d.disk_id for d in inst.disks] for inst in found if inst is not None}


async def listed_tags(
    gw: EcsGateway, region_id: str, found: Iterable[Found]
) -> dict[str, dict[str, str]]:
    """The tags of each resource that exists, listed per kind: ECS's ListTagResources for the
    kinds it takes, the VPC API for VSwitches."""
    by_kind: dict[ResourceKind, list[str]] = {}
    for f in found:
        if f.exists:
            by_kind.setdefault(f.kind, []).append(f.resource_id)
    answers = await asyncio.gather(
        *(
            ecs.vswitch_tags(gw, region_id, ids)
            if kind == "vswitch"
            else ecs.resource_tags(gw, region_id, TAG_RESOURCE_TYPE[kind], ids)
            for kind, ids in by_kind.items()
        )
    )
    merged: dict[str, dict[str, str]] = {}
    for answer in answers:
        merged.update(answer)
    return merged


async def tagged_resources(
    gw: EcsGateway, region_id: str, operation_id: str | None = None
) -> dict[str, Tagged]:
    """Each resource in the region tagged ecs-dr:operation-id (=operation_id when given), by
    id: ECS's ListTagResources per ResourceType the product creates, DescribeSnapshotGroups
    and the VPC API's DescribeVSwitches by tag."""
    kinds = list(TAG_RESOURCE_TYPE.items())
    listed, groups, switches = await asyncio.gather(
        asyncio.gather(
            *(
                ecs.tagged_resources(gw, region_id, rtype, TAG_OPERATION, operation_id)
                for _, rtype in kinds
            )
        ),
        ecs.snapshot_groups_tagged(gw, region_id, TAG_OPERATION, operation_id),
        ecs.vswitches_tagged(gw, region_id, TAG_OPERATION, operation_id),
    )
    found: dict[str, Tagged] = {}
    for (kind, _), answer in zip(kinds, listed, strict=True):
        found |= {rid: Tagged(kind, tags) for rid, tags in answer.items()}
    found |= {g.snapshot_group_id: Tagged("snapshot_group", g.tags) for g in groups}
    found |= {v.vswitch_id: Tagged("vswitch", tags, v.status) for v, tags in switches}
    return found

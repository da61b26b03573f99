"""Tagging ECS resources whose create call could not tag them (a group's snapshots).

ECS's TagResources takes only the ResourceType values its API reference lists (instance, disk,
snapshot, image, securitygroup, ...): a snapshot group is tagged at CreateSnapshotGroup and a
VSwitch at the VPC API's CreateVSwitch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ecs_dr.cloud.ecs._sdk import tag_list
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.sdk import ecs

# TagResources takes at most 50 resources a call.
TAG_BATCH = 50


async def tag_resources(
    gw: EcsGateway,
    region_id: str,
    resource_type: str,
    resource_ids: Sequence[str],
    tags: Mapping[str, str],
) -> None:
    """Tag ECS resources of one `resource_type` that their create call could not tag."""
    for start in range(0, len(resource_ids), TAG_BATCH):
        request = ecs.TagResourcesRequest(
            resource_type=resource_type,
            resource_id=list(resource_ids[start : start + TAG_BATCH]),
            tag=tag_list(ecs.TagResourcesRequestTag, tags),
        )
        await gw.call(region_id, "TagResources", request)

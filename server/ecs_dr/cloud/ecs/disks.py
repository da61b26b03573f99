"""Disks of Scenario B: one created from a snapshot in a zone, then attached to an instance."""

from __future__ import annotations

from collections.abc import Mapping

from ecs_dr.cloud.ecs._sdk import tag_list
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.sdk import ecs
from ecs_dr.domain.disks import CreateDiskPlan


async def create_disk(
    gw: EcsGateway, plan: CreateDiskPlan, client_token: str, tags: Mapping[str, str]
) -> str:
    """CreateDisk exactly as planned (ZoneId, never InstanceId; PL on cloud_essd); its id."""
    request = ecs.CreateDiskRequest(
        zone_id=plan.zone_id,
        snapshot_id=plan.snapshot_id,
        disk_category=plan.category,
        size=plan.size_gib,
        performance_level=plan.performance_level,
        disk_name=plan.disk_name,
        client_token=client_token,
        tag=tag_list(ecs.CreateDiskRequestTag, tags),
    )
    body = await gw.call(plan.region_id, "CreateDisk", request)
    return str(body.disk_id)


async def attach_disk(gw: EcsGateway, region_id: str, disk_id: str, instance_id: str) -> None:
    """AttachDisk. It takes no ClientToken, so the gateway never repeats it after a lost
    answer; the caller looks at the disk before any second attempt."""
    request = ecs.AttachDiskRequest(disk_id=disk_id, instance_id=instance_id)
    await gw.call(region_id, "AttachDisk", request)

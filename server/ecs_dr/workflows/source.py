"""Reading the source: where it is, what it holds, and which zones can take its copy."""

from __future__ import annotations

from ecs_dr.cloud import ecs
from ecs_dr.cloud.errors import NotFound
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.models import Instance
from ecs_dr.domain.refusal import Refusal
from ecs_dr.domain.source import SourceReport, source_report


async def instance_region(gw: EcsGateway, instance_id: str, region_id: str | None) -> str:
    """The region given, else the one holding the instance (default region first)."""
    return region_id or await ecs.find_instance_region(gw, instance_id)


async def load_instance(
    gw: EcsGateway, instance_id: str, region_id: str | None
) -> tuple[str, Instance]:
    """(region, instance with its disks); raises NotFound naming where it looked."""
    region = await instance_region(gw, instance_id, region_id)
    return region, await ecs.describe_instance(gw, region, instance_id)


async def load_target(gw: EcsGateway, instance_id: str, region_id: str, holder: str) -> Instance:
    """The instance that receives a disk, in the region of what it receives (`holder`, e.g.
    "the snapshot s-1"). Raises Refusal when it is in another region, NotFound naming the
    regions searched when it is in none."""
    try:
        return await ecs.describe_instance(gw, region_id, instance_id)
    except NotFound:
        elsewhere = await ecs.find_instance_region(gw, instance_id)
    raise Refusal(
        f"{instance_id} is in {elsewhere}, but {holder} is in {region_id}; a disk is created "
        f"and attached within one region. Choose a target instance in {region_id}."
    )


async def describe_source(
    gw: EcsGateway, instance_id: str, region_id: str | None = None
) -> SourceReport:
    """Everything the recovery inherits from the source, and the rules that will apply."""
    region, source = await load_instance(gw, instance_id, region_id)
    return source_report(region, source)


async def describe_target_instance(
    gw: EcsGateway, instance_id: str, region_id: str | None = None
) -> Instance:
    """An instance (a Scenario B target, or a DR copy) with every attached disk."""
    _, instance = await load_instance(gw, instance_id, region_id)
    return instance

"""Reading the source: where it is, what it holds, and which zones can take its copy."""

from __future__ import annotations

from ecs_dr.cloud import ecs
from ecs_dr.cloud.errors import NotFound
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain import names, rules
from ecs_dr.domain.models import Instance
from ecs_dr.domain.source import SourceReport
from ecs_dr.domain.statuses import InstanceStatus


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
    "the snapshot s-1"). Raises ValueError when it is in another region, NotFound naming the
    regions searched when it is in none."""
    try:
        return await ecs.describe_instance(gw, region_id, instance_id)
    except NotFound:
        elsewhere = await ecs.find_instance_region(gw, instance_id)
    raise ValueError(
        f"{instance_id} is in {elsewhere}, but {holder} is in {region_id}; a disk is created "
        f"and attached within one region. Choose a target instance in {region_id}."
    )


async def describe_source(
    gw: EcsGateway, instance_id: str, region_id: str | None = None
) -> SourceReport:
    """Everything the recovery inherits from the source, and the rules that will apply."""
    region, source = await load_instance(gw, instance_id, region_id)
    warnings = []
    try:
        default_name = names.dr_instance_name(source, None)
    except ValueError as error:
        default_name = ""
        warnings.append(str(error))
    if not source.has_public_ip:
        warnings.append(
            "The source has no public IP: the DR instance gets InternetMaxBandwidthOut=0 and "
            "no public IP, whatever is asked."
        )
    strategy = rules.snapshot_strategy(source)
    blockers = rules.group_blockers(source)
    if strategy == "per_disk_snapshots":
        warnings.append(
            "A snapshot-consistent group is impossible ("
            + "; ".join(blockers)
            + "). Per-disk snapshots need your consent: they are not crash-consistent "
            "across disks."
        )
    if source.status not in (InstanceStatus.RUNNING, InstanceStatus.STOPPED):
        warnings.append(
            f"The source is {source.status}; ECS snapshots disks of Running or Stopped "
            "instances only."
        )
    if source.instance_charge_type == "PrePaid":
        warnings.append(
            "The source is PrePaid (subscription): the DR instance is PrePaid too and is "
            "billed for its term from the moment it is created."
        )
    return SourceReport(
        region_id=region,
        instance=source,
        has_public_ip=source.has_public_ip,
        dr_bandwidth=rules.dr_bandwidth(source),
        snapshot_strategy=strategy,
        group_blockers=blockers,
        default_dr_name=default_name,
        warnings=warnings,
    )


async def describe_target_instance(
    gw: EcsGateway, instance_id: str, region_id: str | None = None
) -> Instance:
    """An instance (a Scenario B target, or a DR copy) with every attached disk."""
    _, instance = await load_instance(gw, instance_id, region_id)
    return instance


def require_target_zone(source: Instance, zone_id: str, zones: list[str]) -> None:
    """Refuse a zone the DR copy cannot go to; `zones` are the region's.

    Raises ValueError for a zone outside the source's region and for the source's own zone,
    listing the zones that are valid.
    """
    others = [z for z in zones if z != source.zone_id]
    if zone_id not in zones:
        raise ValueError(
            f"{zone_id!r} is not a zone of {source.region_id}, the region of "
            f"{source.instance_id}; a DR copy stays in the source's region. Valid target "
            f"zones: {', '.join(others)}."
        )
    if zone_id == source.zone_id:
        raise ValueError(
            f"{zone_id} is the zone of {source.instance_id} itself; a DR copy must survive "
            f"that zone's failure. Valid target zones: {', '.join(others)}."
        )

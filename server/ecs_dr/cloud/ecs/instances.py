"""Instances and their disks: describe them, wait for them, and run the DR instance."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import Any

from ecs_dr.cloud.ecs._sdk import disk_kind, tag_list
from ecs_dr.cloud.errors import NotFound
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.polls import Describe, read
from ecs_dr.cloud.sdk import ecs
from ecs_dr.cloud.timing import Timing
from ecs_dr.cloud.waiters import (
    DISK_AVAILABLE,
    DISK_IN_USE,
    INSTANCE_RUNNING,
    INSTANCE_SETTLED,
    Waiter,
)
from ecs_dr.domain.instances import InstanceQuery
from ecs_dr.domain.models import Disk, Instance, device_order
from ecs_dr.domain.run_instances import RunInstancesPlan
from ecs_dr.domain.statuses import DiskStatus, InstanceStatus


async def instance_items(gw: EcsGateway, region_id: str, instance_ids: list[str]) -> list[Any]:
    """DescribeInstances' items for these ids; ids the region lacks are left out."""
    request = ecs.DescribeInstancesRequest(instance_ids=json.dumps(instance_ids))
    return await gw.collect(region_id, "DescribeInstances", request)


async def describe_instance_if_there(
    gw: EcsGateway, region_id: str, instance_id: str
) -> Instance | None:
    """The instance with every attached disk, or None when the region lacks it: its disks
    are asked for only once it is found there."""
    found = await read(gw, region_id, INSTANCES, instance_id)
    return None if found is None else await _with_disks(gw, region_id, found)


async def list_disks(
    gw: EcsGateway,
    region_id: str,
    *,
    disk_ids: list[str] | None = None,
    instance_id: str | None = None,
) -> list[Disk]:
    """The disks with these ids or of this instance, the system disk first, then by device."""
    request = ecs.DescribeDisksRequest(
        disk_ids=json.dumps(disk_ids) if disk_ids else None, instance_id=instance_id
    )
    items = await gw.collect(region_id, "DescribeDisks", request)
    return sorted((disk_from(d) for d in items), key=device_order)


def disk_from(d: Any) -> Disk:
    """The disk an SDK item describes."""
    return Disk(
        disk_id=d.disk_id,
        kind=disk_kind(d.type),
        device=d.device or "",
        category=d.category,
        size_gib=int(d.size),
        performance_level=d.performance_level or None,
        status=d.status or "",
        zone_id=d.zone_id or "",
        instance_id=d.instance_id or None,
        name=d.disk_name or "",
        multi_attach=d.multi_attach == "Enabled",
    )


def _instance(i: Any, disks: list[Disk]) -> Instance:
    vpc = i.vpc_attributes
    private = vpc.private_ip_address.ip_address if vpc and vpc.private_ip_address else None
    public = i.public_ip_address.ip_address if i.public_ip_address else None
    return Instance(
        instance_id=i.instance_id,
        name=i.instance_name or "",
        region_id=i.region_id,
        zone_id=i.zone_id,
        instance_type=i.instance_type,
        status=i.status,
        vpc_id=vpc.vpc_id if vpc else "",
        vswitch_id=vpc.v_switch_id if vpc else "",
        security_group_ids=list(i.security_group_ids.security_group_id or []),
        instance_charge_type=i.instance_charge_type or "",
        internet_charge_type=i.internet_charge_type or "",
        internet_max_bandwidth_out=int(i.internet_max_bandwidth_out or 0),
        public_ips=list(public or []),
        private_ips=list(private or []),
        image_id=i.image_id or "",
        cpu=int(i.cpu or 0),
        memory_mib=int(i.memory or 0),
        disks=disks,
    )


async def describe_instance(gw: EcsGateway, region_id: str, instance_id: str) -> Instance:
    """The instance with every attached disk; raises NotFound when the region lacks it."""
    found, disks = await asyncio.gather(
        read(gw, region_id, INSTANCES, instance_id),
        list_disks(gw, region_id, instance_id=instance_id),
    )
    return _instance(_found(found, instance_id, region_id), disks)


async def describe_instance_with(
    gw: EcsGateway, region_id: str, instance_id: str, disk_ids: Sequence[str]
) -> Instance:
    """The instance with those of `disk_ids` still attached to it (a disk attached since is
    not read). Every read is shared, so those of other operations at the same time go in the
    same DescribeInstances and DescribeDisks (by id), which DescribeDisks by instance cannot.
    Raises NotFound when the region lacks the instance."""
    found, *disks = await asyncio.gather(
        read(gw, region_id, INSTANCES, instance_id),
        *(read(gw, region_id, DISKS, d) for d in disk_ids),
    )
    attached = [disk_from(d) for d in disks if d is not None and d.instance_id == instance_id]
    return _instance(_found(found, instance_id, region_id), sorted(attached, key=device_order))


def _found(item: Any, instance_id: str, region_id: str) -> Any:
    if item is None:
        raise NotFound(
            "InvalidInstanceId.NotFound",
            f"no instance {instance_id} in {region_id}; check the id, or omit region_id to "
            "search every region",
            action="DescribeInstances",
            region_id=region_id,
        )
    return item


# Up to this many matches, their disks are asked for one instance at a time.
FEW_MATCHES = 3


async def instances_matching(
    gw: EcsGateway, region_id: str, query: InstanceQuery
) -> list[Instance]:
    """The region's instances that match `query`, each with its disks: a few matches (a name
    looked up, often none) take a DescribeDisks each, more take one listing of the region's
    disks, whose pages grow with the region rather than with the matches."""
    request = ecs.DescribeInstancesRequest(
        instance_name=query.name, zone_id=query.zone_id, status=query.status
    )
    items = await gw.collect(region_id, "DescribeInstances", request)
    if len(items) <= FEW_MATCHES:
        return list(await asyncio.gather(*(_with_disks(gw, region_id, i) for i in items)))
    disks_of: dict[str, list[Disk]] = {}
    for disk in await list_disks(gw, region_id):
        disks_of.setdefault(disk.instance_id or "", []).append(disk)
    return [_instance(i, disks_of.get(i.instance_id, [])) for i in items]


async def _with_disks(gw: EcsGateway, region_id: str, item: Any) -> Instance:
    return _instance(item, await list_disks(gw, region_id, instance_id=item.instance_id))


async def describe_disk(gw: EcsGateway, region_id: str, disk_id: str) -> Disk:
    """One disk; raises NotFound when the region lacks it."""
    found = await read(gw, region_id, DISKS, disk_id)
    if found is None:
        raise NotFound(
            "InvalidDiskId.NotFound",
            f"no disk {disk_id} in {region_id}; check the id, or omit region_id to search "
            "every region",
            action="DescribeDisks",
            region_id=region_id,
        )
    return disk_from(found)


INSTANCES = Describe(
    "DescribeInstances", ecs.DescribeInstancesRequest, "instances.instance", InstanceStatus
)
DISKS = Describe("DescribeDisks", ecs.DescribeDisksRequest, "disks.disk", DiskStatus)


async def _waited_instance(gw: EcsGateway, region_id: str, item: Any, timing: Timing) -> Instance:
    """The instance as its last poll described it, with its disks as ECS lists them now."""
    return await _with_disks(gw, region_id, item)


async def _waited_disk(gw: EcsGateway, region_id: str, item: Any, timing: Timing) -> Disk:
    return disk_from(item)


wait_instance = Waiter(INSTANCES, INSTANCE_RUNNING, _waited_instance)
"""Wait for `Running`; returns the instance with its disks as ECS created them."""

wait_instance_settled = Waiter(INSTANCES, INSTANCE_SETTLED, _waited_instance)
"""Wait for `Running` or `Stopped`, the states that take a disk; only time ends it early."""

wait_disk_available = Waiter(DISKS, DISK_AVAILABLE, _waited_disk)
"""Wait for a new disk to be `Available`."""

wait_disk_in_use = Waiter(DISKS, DISK_IN_USE, _waited_disk)
"""Wait for an attached disk to be `In_use`."""


async def run_instance(
    gw: EcsGateway, plan: RunInstancesPlan, client_token: str, tags: Mapping[str, str]
) -> str:
    """RunInstances exactly as planned (Device= overrides, PL on every ESSD); returns the id."""
    system = plan.system_disk
    prepaid = plan.instance_charge_type == "PrePaid"
    request = ecs.RunInstancesRequest(
        zone_id=plan.zone_id,
        image_id=plan.image_id,
        instance_type=plan.instance_type,
        v_switch_id=plan.vswitch_id,
        security_group_ids=list(plan.security_group_ids),
        instance_name=plan.instance_name,
        instance_charge_type=plan.instance_charge_type,
        internet_charge_type=plan.internet_charge_type,
        internet_max_bandwidth_out=plan.internet_max_bandwidth_out,
        period=plan.period if prepaid else None,
        period_unit=plan.period_unit if prepaid else None,
        amount=1,
        system_disk=ecs.RunInstancesRequestSystemDisk(
            category=system.category,
            size=str(system.size_gib),
            performance_level=system.performance_level,
        ),
        data_disk=[
            ecs.RunInstancesRequestDataDisk(
                device=d.device,
                category=d.category,
                size=d.size_gib,
                performance_level=d.performance_level,
            )
            for d in plan.data_disks
        ]
        or None,
        client_token=client_token,
        tag=tag_list(ecs.RunInstancesRequestTag, tags),
    )
    body = await gw.call(plan.region_id, "RunInstances", request)
    return str(body.instance_id_sets.instance_id_set[0])

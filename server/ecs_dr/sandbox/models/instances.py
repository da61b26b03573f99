"""Instances: DescribeInstances' filters, DeleteInstance, and ModifyInstanceNetworkSpec (an
operator's change of a source's public bandwidth). RunInstances is `models.launch`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.errors import (
    IncorrectInstanceStatus,
    IncorrectInstanceStatusInitializing,
    InvalidInstanceIdNotFound,
    InvalidInternetMaxBandwidthOutValueNotSupported,
)
from ecs_dr.sandbox.models import quotas
from ecs_dr.sandbox.models.lifecycle import Lifecycle
from ecs_dr.sandbox.models.resources import (
    Instance,
    Region,
)
from ecs_dr.sandbox.models.tags import drop_tags, has_tags

INSTANCE_STATUSES = ("Pending", "Starting", "Running", "Stopping", "Stopped")
# A launch still under way: DeleteInstance, forced or not, is told to try again later.
INITIALIZING_STATUSES = ("Pending", "Starting")
# ModifyInstanceNetworkSpec: the public bandwidth of a Running or Stopped instance, 0-100 Mbps.
BANDWIDTH_STATUSES = ("Running", "Stopped")
MAX_BANDWIDTH_OUT = 100


@dataclass(frozen=True)
class InstanceFilter:
    """DescribeInstances' filters; None means not filtered."""

    instance_ids: list[str] | None = None
    zone_id: str | None = None
    vpc_id: str | None = None
    vswitch_id: str | None = None
    instance_name: str | None = None
    status: str | None = None
    instance_type: str | None = None
    image_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


def name_matches(name: str, wanted: str) -> bool:
    """ECS's InstanceName filter: an exact, case-sensitive match, where `*` (and only `*`;
    `?` and `[` stand for themselves) matches any run of characters."""
    pattern = ".*".join(re.escape(part) for part in wanted.split("*"))
    return re.fullmatch(pattern, name, flags=re.DOTALL) is not None


def filter_instances(region: Region, wanted: InstanceFilter, now: float) -> list[Instance]:
    """The region's instances matching every filter; InstanceName takes `*` wildcards."""

    def keep(inst: Instance) -> bool:
        checks = (
            wanted.instance_ids is None or inst.instance_id in wanted.instance_ids,
            wanted.zone_id in (None, inst.zone_id),
            wanted.vpc_id in (None, inst.vpc_id),
            wanted.vswitch_id in (None, inst.vswitch_id),
            wanted.instance_type in (None, inst.instance_type),
            wanted.image_id in (None, inst.image_id),
            wanted.instance_name is None or name_matches(inst.instance_name, wanted.instance_name),
            wanted.status in (None, inst.lifecycle.status(now)),
            has_tags(region, "instance", inst.instance_id, wanted.tags),
        )
        return all(checks)

    return [inst for inst in region.instances.values() if keep(inst)]


def find_instance(backend: Backend, instance_id: str) -> tuple[Region, Instance]:
    """The instance in whichever region holds it (DeleteInstance and AttachDisk take no
    RegionId); raises InvalidInstanceId.NotFound (404)."""
    found = backend.locate(lambda region: region.instances, instance_id)
    if found is None:
        raise InvalidInstanceIdNotFound(instance_id)
    return found


def delete_instance(backend: Backend, instance_id: str, force: bool) -> None:
    """Release an instance: Stopped, or with Force also Running.

    Disks marked DeleteWithInstance go with it; the others are detached and become Available.
    Raises (DeleteInstance's page) InvalidInstanceId.NotFound (404),
    IncorrectInstanceStatus.Initializing (403) while the launch is still under way, and
    IncorrectInstanceStatus (403) for any other status it cannot release.
    """
    region, instance = find_instance(backend, instance_id)
    now = backend.now()
    status = instance.lifecycle.status(now)
    if status in INITIALIZING_STATUSES:
        raise IncorrectInstanceStatusInitializing(
            f"The instance {instance_id} is {status}; release it once it is Running."
        )
    if status != "Stopped" and not (force and status == "Running"):
        hint = "; pass Force=true to release it" if status == "Running" else ""
        raise IncorrectInstanceStatus(f"The instance {instance_id} is {status}{hint}.", status=403)
    for disk in [d for d in region.disks.values() if d.instance_id == instance_id]:
        if disk.delete_with_instance:
            del region.disks[disk.disk_id]
            drop_tags(region, "disk", disk.disk_id)
        else:
            disk.instance_id = None
            disk.device = ""
            disk.lifecycle = Lifecycle.fixed("Available", now)
    del region.instances[instance_id]
    drop_tags(region, "instance", instance_id)


def modify_network_spec(
    backend: Backend, instance_id: str, bandwidth_out: int | None, *, allocate_public_ip: bool
) -> None:
    """ModifyInstanceNetworkSpec's InternetMaxBandwidthOut (nothing else when it is omitted):
    0 releases the public IP; above 0 a PrePaid instance gets one, a PostPaid one only with
    AllocatePublicIp (its page).

    Raises InvalidInstanceId.NotFound (404), IncorrectInstanceStatus (403) unless Running or
    Stopped, InvalidInternetMaxBandwidthOut.ValueNotSupported (400) outside 0-100.
    """
    _, instance = find_instance(backend, instance_id)
    status = instance.lifecycle.status(backend.now())
    if status not in BANDWIDTH_STATUSES:
        raise IncorrectInstanceStatus(
            f"The instance {instance_id} is {status}; its bandwidth changes only when Running or "
            "Stopped.",
            status=403,
        )
    if bandwidth_out is None:
        return
    if not 0 <= bandwidth_out <= MAX_BANDWIDTH_OUT:
        raise InvalidInternetMaxBandwidthOutValueNotSupported(
            f"InternetMaxBandwidthOut {bandwidth_out} is outside 0-{MAX_BANDWIDTH_OUT} Mbps."
        )
    instance.internet_max_bandwidth_out = bandwidth_out
    if bandwidth_out == 0:
        instance.public_ip = None
    elif instance.public_ip is None and (
        instance.instance_charge_type != quotas.POSTPAID or allocate_public_ip
    ):
        instance.public_ip = backend.new_public_ip()

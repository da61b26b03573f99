"""RunInstances for the DR copy: the source's VPC, security groups, type, billing and every
disk's spec, with the user's decisions (type, categories) and nothing else changed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import model_validator

from ecs_dr.domain.cloud_text import cloud_text_field
from ecs_dr.domain.models import Disk, Frozen, Image, Instance
from ecs_dr.domain.names import validate_instance_name
from ecs_dr.domain.refusal import Refusal
from ecs_dr.domain.rules import (
    ESSD_ENTRY_FAMILIES,
    SYSTEM_DEVICE,
    check_image_matches_source,
    default_performance_level,
    dr_bandwidth,
    essd_entry_allowed,
    image_device,
    performance_level_mismatch,
)
from ecs_dr.domain.target_zone import ZoneCheck


class DiskOverride(Frozen):
    """One disk of the DR instance; cloud_essd always carries its PL, others never do."""

    device: str
    category: str
    size_gib: int
    performance_level: str | None = None

    @model_validator(mode="after")
    def _pl_matches_category(self) -> DiskOverride:
        if mismatch := performance_level_mismatch(self.category, self.performance_level):
            raise ValueError(f"{self.device}: {mismatch}")
        return self


class RunInstancesPlan(Frozen):
    """Everything RunInstances will be sent for the DR instance, decided before any call."""

    region_id: str
    zone_id: str
    image_id: str
    instance_type: str
    vswitch_id: str
    security_group_ids: list[str]
    instance_name: str = cloud_text_field("the DR instance's name, derived from the source's")
    instance_charge_type: str
    internet_charge_type: str
    internet_max_bandwidth_out: int
    system_disk: DiskOverride
    data_disks: list[DiskOverride]
    # PrePaid needs a term; the shortest is proposed and shown in the confirmation.
    period: int = 1
    period_unit: Literal["Week", "Month"] = "Month"

    def parameters(self) -> dict[str, str | int]:
        """The exact RunInstances wire parameters: PL always sent for cloud_essd, data disks
        overridden by `Device=` (a `SnapshotId` would add a disk instead)."""
        params: dict[str, str | int] = {
            "RegionId": self.region_id,
            "ZoneId": self.zone_id,
            "ImageId": self.image_id,
            "InstanceType": self.instance_type,
            "VSwitchId": self.vswitch_id,
            "InstanceName": self.instance_name,
            "InstanceChargeType": self.instance_charge_type,
            "InternetChargeType": self.internet_charge_type,
            "InternetMaxBandwidthOut": self.internet_max_bandwidth_out,
            "Amount": 1,
        }
        if self.instance_charge_type == "PrePaid":
            params["Period"] = self.period
            params["PeriodUnit"] = self.period_unit
        for n, group in enumerate(self.security_group_ids, 1):
            params[f"SecurityGroupIds.{n}"] = group
        params["SystemDisk.Category"] = self.system_disk.category
        params["SystemDisk.Size"] = self.system_disk.size_gib
        if self.system_disk.performance_level is not None:
            params["SystemDisk.PerformanceLevel"] = self.system_disk.performance_level
        for n, disk in enumerate(self.data_disks, 1):
            params[f"DataDisk.{n}.Device"] = disk.device
            params[f"DataDisk.{n}.Category"] = disk.category
            params[f"DataDisk.{n}.Size"] = disk.size_gib
            if disk.performance_level is not None:
                params[f"DataDisk.{n}.PerformanceLevel"] = disk.performance_level
        return params


def _override(disk: Disk, category: str) -> DiskOverride:
    """The DR copy of a disk: same size; PL kept on cloud_essd (ECS's default when none)."""
    level = None
    if category == "cloud_essd":
        level = disk.performance_level or default_performance_level(disk.size_gib)
    return DiskOverride(
        device=image_device(disk),
        category=category,
        size_gib=disk.size_gib,
        performance_level=level,
    )


def run_instances_plan(
    source: Instance,
    image: Image,
    *,
    zone_id: str,
    vswitch_id: str,
    instance_name: str,
    instance_type: str | None = None,
    categories: Mapping[str, str] | None = None,
) -> RunInstancesPlan:
    """The DR instance: the source's VPC (through `vswitch_id`), security groups, type, billing
    and disks, with public bandwidth only when the source has a public IP.

    `instance_type` and `categories` (device -> category) carry the user's decisions; nothing
    else changes. Raises Refusal for the source's own zone, an image of other disks, a
    category decision for a device the source lacks, an invalid name, or cloud_essd_entry with
    a type that cannot take it.
    """
    if zone_id == source.zone_id:
        raise Refusal(
            f"{zone_id} is the zone of {source.instance_id} itself; a DR copy must go to "
            "another zone of the region."
        )
    system = source.system_disk
    if system is None:
        raise Refusal(f"{source.instance_id} has no system disk.")
    check_image_matches_source(source, image)
    validate_instance_name(instance_name)
    chosen_categories = dict(categories or {})
    devices = {d.device for d in source.disks} | {SYSTEM_DEVICE}
    unknown = sorted(set(chosen_categories) - devices)
    if unknown:
        raise Refusal(
            f"{', '.join(unknown)} is not a device of {source.instance_id}; its devices are "
            f"{', '.join(sorted(d.device for d in source.disks))}."
        )

    def category_of(disk: Disk) -> str:
        return chosen_categories.get(
            disk.device, chosen_categories.get(image_device(disk), disk.category)
        )

    final_type = instance_type or source.instance_type
    entry = [d.device for d in source.disks if category_of(d) == "cloud_essd_entry"]
    if entry and not essd_entry_allowed(final_type):
        raise Refusal(
            f"{', '.join(entry)} would be cloud_essd_entry, which ECS sells only with "
            f"{' and '.join(sorted(ESSD_ENTRY_FAMILIES))} instance types, not {final_type}; "
            "choose another disk category."
        )
    return RunInstancesPlan(
        region_id=source.region_id,
        zone_id=zone_id,
        image_id=image.image_id,
        instance_type=final_type,
        vswitch_id=vswitch_id,
        security_group_ids=list(source.security_group_ids),
        instance_name=instance_name,
        instance_charge_type=source.instance_charge_type,
        internet_charge_type=source.internet_charge_type,
        internet_max_bandwidth_out=dr_bandwidth(source),
        system_disk=_override(system, category_of(system)),
        data_disks=[_override(d, category_of(d)) for d in source.data_disks],
    )


def run_instances_in_zone(
    source: Instance, image: Image, check: ZoneCheck, instance_name: str
) -> RunInstancesPlan:
    """The DR instance in the zone a check settled: its VSwitch, type and disk categories."""
    return run_instances_plan(
        source,
        image,
        zone_id=check.zone_id,
        vswitch_id=check.vswitch_id or "",
        instance_name=instance_name,
        instance_type=check.instance_type,
        categories=check.disk_categories,
    )

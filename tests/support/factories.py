"""Domain objects for rule tests: a realistic source instance, changed one field at a time."""

from __future__ import annotations

from typing import Any

from ecs_dr.domain.models import Disk, Image, Instance, InstanceTypeSpec, Snapshot
from ecs_dr.domain.rules import image_mappings

REGION = "cn-hangzhou"
SOURCE_ZONE = "cn-hangzhou-h"
TARGET_ZONE = "cn-hangzhou-i"


def system_disk(**changes: Any) -> Disk:
    fields: dict[str, Any] = {
        "disk_id": "d-system",
        "kind": "system",
        "device": "/dev/xvda",
        "category": "cloud_essd",
        "size_gib": 40,
        "performance_level": "PL0",
    }
    return Disk(**(fields | changes))


def data_disk(device: str = "/dev/xvdb", **changes: Any) -> Disk:
    fields: dict[str, Any] = {
        "disk_id": f"d-data-{device.removeprefix('/dev/')}",
        "kind": "data",
        "device": device,
        "category": "cloud_essd",
        "size_gib": 500,
        "performance_level": "PL2",
    }
    return Disk(**(fields | changes))


def instance(disks: list[Disk] | None = None, **changes: Any) -> Instance:
    """prod-db-01: system disk plus two ESSD data disks, no public IP."""
    fields: dict[str, Any] = {
        "instance_id": "i-source",
        "name": "prod-db-01",
        "region_id": REGION,
        "zone_id": SOURCE_ZONE,
        "instance_type": "ecs.g7.large",
        "status": "Running",
        "vpc_id": "vpc-prod",
        "vswitch_id": "vsw-source",
        "security_group_ids": ["sg-prod"],
        "instance_charge_type": "PostPaid",
        "internet_charge_type": "PayByTraffic",
        "internet_max_bandwidth_out": 0,
        "private_ips": ["192.168.0.10"],
        "image_id": "m-base",
        "disks": disks
        if disks is not None
        else [
            system_disk(),
            data_disk("/dev/xvdb"),
            data_disk("/dev/xvdc", category="cloud_essd", size_gib=100, performance_level="PL1"),
        ],
    }
    return Instance(**(fields | changes))


def snapshots_of(source: Instance) -> list[Snapshot]:
    return [
        Snapshot(
            snapshot_id=f"s-{d.disk_id}",
            source_disk_id=d.disk_id,
            source_disk_kind=d.kind,
            source_disk_size_gib=d.size_gib,
            source_disk_category=d.category,
            status="accomplished",
            progress=100,
            available=True,
        )
        for d in source.disks
    ]


def image_of(source: Instance, image_id: str = "m-recovery") -> Image:
    return Image(
        image_id=image_id,
        name=f"Create_from_{source.instance_id}_20260101",
        status="Available",
        progress=100,
        mappings=image_mappings(source, snapshots_of(source)),
    )


def spec(instance_type: str, cpu: int, memory_gib: float) -> InstanceTypeSpec:
    family = ".".join(instance_type.split(".")[:2])
    return InstanceTypeSpec(
        instance_type=instance_type, cpu=cpu, memory_gib=memory_gib, family=family
    )

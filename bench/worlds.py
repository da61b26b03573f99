"""World files for the recovery benchmarks: a source of 1, 3, 4 or 8 ESSD disks (Scenario A) and
a source of 8 equal data disks beside an existing target instance (Scenario B), and the cloud's
own critical path for each, from the sandbox's simulated durations."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecs_dr.sandbox.models import durations

REGION = "cn-hangzhou"
SOURCE_ZONE = "cn-hangzhou-h"
TARGET_ZONE = "cn-hangzhou-i"
INSTANCE_TYPE = "ecs.g7.xlarge"
B_SOURCE_ID = "i-bp1benchsrcb0000001"
TARGET_ID = "i-bp1benchdst00000001"
VPC_ID = "vpc-bp1bench000000000001"
SOURCE_VSWITCH = "vsw-bp1benchh0000000001"
TARGET_VSWITCH = "vsw-bp1benchi0000000001"
SECURITY_GROUP = "sg-bp1bench00000000001"

# (size GiB, performance level) per disk, system disk first: sizes a database or file server
# carries, each within its PL's size range (PL2 from 461 GiB).
LAYOUTS: dict[int, list[tuple[int, str]]] = {
    1: [(100, "PL1")],
    3: [(40, "PL0"), (200, "PL1"), (500, "PL2")],
    4: [(40, "PL0"), (200, "PL1"), (300, "PL1"), (500, "PL2")],
    8: [
        (40, "PL0"),
        (100, "PL1"),
        (100, "PL1"),
        (200, "PL1"),
        (200, "PL1"),
        (300, "PL1"),
        (500, "PL2"),
        (500, "PL2"),
    ],
}
# Scenario B copies equal data disks, so 1, 4 and 8 of them share one critical path and the
# ratio of wall times measures only how well the copies overlap.
B_DISK = (200, "PL1")
B_DISKS = 8


@dataclass(frozen=True)
class Disk:
    disk_id: str
    device: str
    kind: str
    size: int
    performance_level: str


def _disk(owner: str, index: int, size: int, level: str) -> Disk:
    kind = "system" if index == 0 else "data"
    return Disk(
        disk_id=f"d-bp1bench{owner}{index:08d}",
        device=f"/dev/xvd{chr(ord('a') + index)}",
        kind=kind,
        size=size,
        performance_level=level,
    )


def scenario_a_source(count: int) -> str:
    return f"i-bp1benchsrca{count:07d}"


def scenario_a_disks(count: int) -> list[Disk]:
    owner = f"a{count:02d}"
    return [_disk(owner, n, size, level) for n, (size, level) in enumerate(LAYOUTS[count])]


def scenario_b_disks() -> list[Disk]:
    """The B source's data disks (its system disk left out: Scenario B copies data)."""
    return [_disk("b00", n, *B_DISK) for n in range(1, B_DISKS + 1)]


def _disk_spec(disk: Disk) -> dict[str, Any]:
    return {
        "disk_id": disk.disk_id,
        "type": disk.kind,
        "device": disk.device,
        "category": "cloud_essd",
        "size": disk.size,
        "performance_level": disk.performance_level,
    }


def _instance(instance_id: str, name: str, zone: str, vswitch: str, disks: list[Disk]) -> Any:
    return {
        "instance_id": instance_id,
        "instance_name": name,
        "zone_id": zone,
        "instance_type": INSTANCE_TYPE,
        "vswitch_id": vswitch,
        "security_group_ids": [SECURITY_GROUP],
        "internet_max_bandwidth_out": 0,
        "disks": [_disk_spec(d) for d in disks],
    }


def bench_world() -> dict[str, Any]:
    """Sources of 1, 3, 4 and 8 disks and the Scenario B source in zone h (none has a public
    IP), the Scenario B target Running in zone i, a VSwitch of the VPC in each zone."""
    zones = [
        {"zone_id": z, "instance_types": {INSTANCE_TYPE: {"stock": 100}}}
        for z in (SOURCE_ZONE, TARGET_ZONE)
    ]
    instances = [
        _instance(
            scenario_a_source(n), f"bench-a{n}", SOURCE_ZONE, SOURCE_VSWITCH, scenario_a_disks(n)
        )
        for n in LAYOUTS
    ]
    b_system = _disk("b00", 0, 40, "PL0")
    instances.append(
        _instance(
            B_SOURCE_ID, "bench-b", SOURCE_ZONE, SOURCE_VSWITCH, [b_system, *scenario_b_disks()]
        )
    )
    instances.append(
        _instance(TARGET_ID, "bench-dst", TARGET_ZONE, TARGET_VSWITCH, [_disk("dst", 0, 40, "PL0")])
    )
    return {
        "instance_types": {
            INSTANCE_TYPE: {"cpu": 4, "memory_gib": 16, "family": "ecs.g7", "max_data_disks": 16}
        },
        "regions": [
            {
                "region_id": REGION,
                "zones": zones,
                "vpcs": [
                    {
                        "vpc_id": VPC_ID,
                        "cidr_block": "172.16.0.0/16",
                        "vswitches": [
                            {
                                "vswitch_id": SOURCE_VSWITCH,
                                "zone_id": SOURCE_ZONE,
                                "cidr_block": "172.16.1.0/24",
                            },
                            {
                                "vswitch_id": TARGET_VSWITCH,
                                "zone_id": TARGET_ZONE,
                                "cidr_block": "172.16.2.0/24",
                            },
                        ],
                        "security_groups": [SECURITY_GROUP],
                    }
                ],
                "instances": instances,
            }
        ],
    }


def write(path: Path) -> Path:
    """The bench world as a world file at `path`."""
    path.write_text(json.dumps(bench_world(), indent=1))
    return path


def _lasted(resource: dict[str, Any]) -> float:
    return float(sum(seconds for _, seconds in resource["stages"]))


def scenario_a_critical_path(state: dict[str, Any]) -> dict[str, float]:
    """Cloud seconds no recovery can beat, from the durations the sandbox drew for the
    resources of one recovery (`/_sandbox/state` after it): the group is accomplished when
    its slowest snapshot has uploaded, then the image is created, then the instance goes
    through Pending and Starting. The bench world's target zone has a VSwitch already."""
    region = state["regions"][REGION]
    world_instances = {i["instance_id"] for i in bench_world()["regions"][0]["instances"]}
    (image,) = region["images"].values()
    (instance,) = (
        i for i in region["instances"].values() if i["instance_id"] not in world_instances
    )
    return {
        "snapshot_s": max(_lasted(s) for s in region["snapshots"].values()),
        "image_s": _lasted(image),
        "instance_s": _lasted(instance),
    }


def scenario_b_critical_path(disks: list[Disk]) -> float:
    """Cloud seconds for copies made side by side up to the attachments, which ECS takes one
    at a time per instance (OperationConflict.DisksAttachingParallellyExceed): the slowest
    snapshot's upload and its disk's creation, then every attachment in turn."""
    ready = max(
        durations.snapshot_upload(d.size, "cloud_essd") + durations.disk_creation(d.size)
        for d in disks
    )
    return ready + durations.DISK_ATTACHING_S * len(disks)

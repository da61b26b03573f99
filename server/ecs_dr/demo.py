"""`make demo`: the product's main job on the sandbox, with no cloud account.

For now it starts the emulator and shows the demo world (regions, zones, instances and their
disks) as the product sees it: through the cloud gateway, over real HTTP, signed.
"""

from __future__ import annotations

import sys
from typing import Any

import anyio
from alibabacloud_ecs20140526 import models
from tabulate import tabulate

from ecs_dr.bootstrap import embedded_sandbox
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.logs import configure_logging


async def _zones(gateway: EcsGateway, region_id: str) -> list[list[Any]]:
    body = await gateway.call(region_id, "DescribeZones", models.DescribeZonesRequest())
    vswitches = await gateway.collect(
        region_id, "DescribeVSwitches", models.DescribeVSwitchesRequest()
    )
    rows = []
    for zone in body.zones.zone:
        categories = zone.available_disk_categories.disk_categories or []
        types = zone.available_instance_types.instance_types or []
        subnets = [v.v_switch_id for v in vswitches if v.zone_id == zone.zone_id]
        rows.append(
            [zone.zone_id, len(types), ", ".join(subnets) or "-", ", ".join(sorted(categories))]
        )
    return rows


async def _instances(gateway: EcsGateway, region_id: str) -> list[list[Any]]:
    instances = await gateway.collect(
        region_id, "DescribeInstances", models.DescribeInstancesRequest(page_size=100)
    )
    disks = await gateway.collect(
        region_id, "DescribeDisks", models.DescribeDisksRequest(page_size=100)
    )
    rows = []
    for inst in instances:
        own = sorted(
            (d for d in disks if d.instance_id == inst.instance_id), key=lambda d: d.device or ""
        )
        layout = ", ".join(
            f"{d.device} {d.category} {d.size}G {d.performance_level or ''}".strip() for d in own
        )
        public = ", ".join(inst.public_ip_address.ip_address or []) or "-"
        rows.append(
            [
                inst.instance_id,
                inst.instance_name,
                inst.zone_id,
                inst.instance_type,
                inst.status,
                public,
                layout,
            ]
        )
    return rows


async def run() -> None:
    with embedded_sandbox() as sandbox:
        gateway = sandbox.gateway
        print(f"ECS sandbox listening on {sandbox.thread.endpoint} (demo world)\n")
        regions = await gateway.call(None, "DescribeRegions", models.DescribeRegionsRequest())
        for region in regions.regions.region:
            print(f"== {region.region_id} ({region.local_name})\n")
            print(
                tabulate(
                    await _zones(gateway, region.region_id),
                    headers=["zone", "types in stock", "VSwitches", "disk categories"],
                )
            )
            print()
            print(
                tabulate(
                    await _instances(gateway, region.region_id),
                    headers=["instance", "name", "zone", "type", "status", "public IP", "disks"],
                )
            )
            print()


def main() -> int:
    configure_logging("WARNING")
    anyio.run(run)
    return 0


if __name__ == "__main__":
    sys.exit(main())

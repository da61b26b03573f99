"""The load tests' world and their steps (`tests/e2e/test_load.py`): ten sources of
different shapes (two to five disks, ESSD PL0-PL2 and cloud_auto, with and without a public
IP) in one zone, a target zone that can take them all, a zone without a VSwitch and a zone out
of stock; a server that admits few requests at a time; a plan made and an operation followed
to its end, hearing its progress."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio

from tests.support.decisions import decide
from tests.support.mcp import Session

REGION = "cn-hangzhou"
SOURCE_ZONE = "cn-hangzhou-h"
TARGET_ZONE = "cn-hangzhou-i"
NO_VSWITCH_ZONE = "cn-hangzhou-j"
NO_STOCK_ZONE = "cn-hangzhou-k"
VPC = "vpc-bp1load0000000000001"
SECURITY_GROUP = "sg-bp1load000000000001"
VSWITCHES = {
    SOURCE_ZONE: ("vsw-bp1loadh00000000001", "172.16.1.0/24"),
    TARGET_ZONE: ("vsw-bp1loadi00000000001", "172.16.2.0/24"),
    NO_STOCK_ZONE: ("vsw-bp1loadk00000000001", "172.16.3.0/24"),
}
INSTANCE_TYPES = {
    "ecs.g7.large": {"cpu": 2, "memory_gib": 8, "family": "ecs.g7"},
    "ecs.g6.large": {"cpu": 2, "memory_gib": 8, "family": "ecs.g6"},
    "ecs.g7.xlarge": {"cpu": 4, "memory_gib": 16, "family": "ecs.g7"},
    "ecs.c7.large": {"cpu": 2, "memory_gib": 4, "family": "ecs.c7"},
    "ecs.r7.large": {"cpu": 2, "memory_gib": 16, "family": "ecs.r7"},
}
# The gateway's in-flight limit: fifty calls at once queue for it inside the server.
GATEWAY_SLOTS = "4"
# execute_recovery follows its operation this long, then answers in_progress: the rest of
# each recovery is followed through wait_operation, with progress on that call too.
CALL_WAIT_S = "0.3"
RECOVERIES_TIMEOUT_S = 35.0

Disk = tuple[str, int, str | None]  # category, GiB, performance level


@dataclass(frozen=True)
class Source:
    name: str
    instance_type: str
    bandwidth_out: int  # Mbps; 0: no public IP
    disks: tuple[Disk, ...]  # the system disk first, then /dev/xvdb, /dev/xvdc, ...


# Names that are no substring of one another, so a message naming one names no other.
SOURCES = (
    Source("orders-db", "ecs.g7.large", 0, (("cloud_essd", 40, "PL0"), ("cloud_essd", 500, "PL2"))),
    Source("storefront", "ecs.c7.large", 5, (("cloud_essd", 40, "PL1"), ("cloud_auto", 60, None))),
    Source(
        "billing",
        "ecs.g7.xlarge",
        0,
        (("cloud_essd", 60, "PL1"), ("cloud_essd", 100, "PL1"), ("cloud_essd", 200, "PL0")),
    ),
    Source(
        "search-index",
        "ecs.r7.large",
        20,
        (("cloud_essd", 40, "PL0"), ("cloud_essd", 480, "PL2"), ("cloud_auto", 80, None)),
    ),
    Source(
        "message-queue",
        "ecs.g7.large",
        0,
        (
            ("cloud_essd", 40, "PL1"),
            ("cloud_essd", 100, "PL0"),
            ("cloud_essd", 100, "PL1"),
            ("cloud_auto", 50, None),
        ),
    ),
    Source(
        "api-gateway", "ecs.c7.large", 10, (("cloud_auto", 40, None), ("cloud_essd", 20, "PL0"))
    ),
    Source(
        "warehouse",
        "ecs.g7.xlarge",
        0,
        (
            ("cloud_essd", 80, "PL1"),
            ("cloud_essd", 500, "PL2"),
            ("cloud_essd", 500, "PL2"),
            ("cloud_essd", 120, "PL1"),
            ("cloud_auto", 40, None),
        ),
    ),
    Source("mail-relay", "ecs.g7.large", 1, (("cloud_essd", 40, "PL0"), ("cloud_essd", 40, "PL0"))),
    Source(
        "ledger",
        "ecs.r7.large",
        0,
        (
            ("cloud_essd", 40, "PL1"),
            ("cloud_essd", 300, "PL1"),
            ("cloud_essd", 470, "PL2"),
            ("cloud_essd", 30, "PL0"),
        ),
    ),
    Source(
        "cache-tier",
        "ecs.g7.large",
        100,
        (("cloud_essd", 40, "PL1"), ("cloud_auto", 100, None), ("cloud_auto", 100, None)),
    ),
)


def source_id(n: int) -> str:
    return f"i-bp1load{n:011d}"


def write_world(path: Path) -> list[str]:
    """The world file for SOURCES; returns their instance ids, in order."""

    def zone(zone_id: str, stock: int = 20) -> dict[str, Any]:
        return {"zone_id": zone_id, "instance_types": {t: {"stock": stock} for t in INSTANCE_TYPES}}

    instances = []
    for n, source in enumerate(SOURCES):
        disks = [
            {
                "disk_id": f"d-bp1load{n:02d}disk{k:07d}",
                "type": "system" if k == 0 else "data",
                "device": f"/dev/xvd{chr(ord('a') + k)}",
                "category": category,
                "size": size,
                "performance_level": level,
                "disk_name": f"{source.name}-disk{k}",
            }
            for k, (category, size, level) in enumerate(source.disks)
        ]
        instances.append(
            {
                "instance_id": source_id(n),
                "instance_name": source.name,
                "zone_id": SOURCE_ZONE,
                "instance_type": source.instance_type,
                "vswitch_id": VSWITCHES[SOURCE_ZONE][0],
                "security_group_ids": [SECURITY_GROUP],
                "internet_max_bandwidth_out": source.bandwidth_out,
                "disks": disks,
            }
        )
    world = {
        "instance_types": INSTANCE_TYPES,
        "regions": [
            {
                "region_id": REGION,
                "zones": [
                    zone(SOURCE_ZONE),
                    zone(TARGET_ZONE),
                    zone(NO_VSWITCH_ZONE),
                    zone(NO_STOCK_ZONE, stock=0),
                ],
                "vpcs": [
                    {
                        "vpc_id": VPC,
                        "cidr_block": "172.16.0.0/12",
                        "vswitches": [
                            {"vswitch_id": vsw, "zone_id": z, "cidr_block": cidr}
                            for z, (vsw, cidr) in VSWITCHES.items()
                        ],
                        "security_groups": [SECURITY_GROUP],
                    }
                ],
                "instances": instances,
            }
        ],
    }
    path.write_text(json.dumps(world))
    return [source_id(n) for n in range(len(SOURCES))]


def server_env(world: Path) -> dict[str, str]:
    return {
        "ECS_DR_SANDBOX_WORLD": str(world),
        "ECS_DR_MAX_CONCURRENT_CALLS": GATEWAY_SLOTS,
        "ECS_DR_MAX_CALL_WAIT_S": CALL_WAIT_S,
    }


async def planned(served: Session, source: str, zone: str = TARGET_ZONE) -> str:
    """A full_instance plan of `source`, every prompt answered as recommended."""
    plan, _ = await decide(
        served,
        "plan_recovery",
        {"scenario": "full_instance", "source_instance_id": source, "target_zone_id": zone},
    )
    assert plan["status"] == "completed", plan
    return str(plan["plan_id"])


async def followed(
    served: Session, tool: str, arguments: dict[str, Any], heard: list[tuple[float, str]]
) -> dict[str, Any]:
    """Call a tool that starts an operation and follow it with wait_operation until it ends;
    every progress report these calls receive goes to `heard`, in order."""

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        heard.append((progress, message or ""))

    with anyio.fail_after(RECOVERIES_TIMEOUT_S):
        result = await served.client.call_tool(tool, arguments, progress_callback=on_progress)
        assert not result.is_error, result.content
        outcome: dict[str, Any] = dict(result.structured_content or {})
        while outcome["status"] == "in_progress":
            waited = await served.client.call_tool(
                "wait_operation",
                {"operation_id": outcome["operation_id"]},
                progress_callback=on_progress,
            )
            assert not waited.is_error, waited.content
            outcome = dict(waited.structured_content or {})
    return outcome

"""Instances by name through the `mcp` client: find_instances lists them (by name as ECS
matches it, by zone, by status, capped with a count of the rest), and describe_source takes an
exact name, refusing an unknown one with the way to find it and an ambiguous one with the
instances that share it. Nothing is created."""

from __future__ import annotations

import json
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from tests.support.demo_world import (
    DB_INSTANCE,
    DEMO_WORLD_FILE,
    PROD_SG,
    REGION,
    SHANGHAI_INSTANCE,
    SOURCE_VSWITCH,
    SOURCE_ZONE,
    STOPPED_INSTANCE,
    TARGET_INSTANCE,
    TARGET_ZONE,
)
from tests.support.mcp import Session, mcp_session

APP_SERVERS = 55
TWINS = ("i-bp1twin00000000001", "i-bp1twin00000000002")


def _instance(instance_id: str, name: str) -> dict[str, Any]:
    return {
        "instance_id": instance_id,
        "instance_name": name,
        "zone_id": SOURCE_ZONE,
        "instance_type": "ecs.g7.large",
        "vswitch_id": SOURCE_VSWITCH,
        "security_group_ids": [PROD_SG],
        "disks": [
            {
                "disk_id": "d-" + instance_id.removeprefix("i-"),
                "type": "system",
                "device": "/dev/xvda",
                "category": "cloud_essd",
                "size": 40,
                "performance_level": "PL0",
            }
        ],
    }


def _world(path: Path) -> Path:
    """The demo world, APP_SERVERS app servers, and two instances named twin-db."""
    world = json.loads(DEMO_WORLD_FILE.read_text())
    region = next(r for r in world["regions"] if r["region_id"] == REGION)
    region["instances"] += [
        _instance(f"i-bp1app{n:013d}", f"app-{n:02d}") for n in range(APP_SERVERS)
    ]
    region["instances"] += [_instance(i, "twin-db") for i in TWINS]
    path.write_text(json.dumps(world))
    return path


def _served(tmp_path: Path) -> AbstractAsyncContextManager[Session]:
    return mcp_session(tmp_path, env={"ECS_DR_SANDBOX_WORLD": str(_world(tmp_path / "w.json"))})


def _mutations(served: Session) -> list[str]:
    return [a for a in served.sandbox.actions() if not a.startswith(("Describe", "List"))]


async def test_find_instances_by_name_zone_and_status_and_capped(tmp_path: Path) -> None:
    async with _served(tmp_path) as served:
        exact = await served.call("find_instances", {"name": "prod-db-01"})
        wildcard = await served.call("find_instances", {"name": "*db*"})
        zone = await served.call("find_instances", {"zone_id": TARGET_ZONE})
        shanghai = await served.call("find_instances", {"zone_id": "cn-shanghai-e"})
        stopped = await served.call("find_instances", {"status": "Stopped"})
        capped = await served.call("find_instances", {"name": "app-*", "region_id": REGION})
        none = await served.call("find_instances", {"name": "prod-db-0?"})
        unknown_zone = await served.fail("find_instances", {"zone_id": "zz-nowhere-1a"})
        mutations = _mutations(served)

    assert exact["status"] == "completed"
    [row] = exact["instances"]
    assert (row["instance_id"], row["zone_id"], row["disk_count"]) == (
        DB_INSTANCE,
        SOURCE_ZONE,
        3,
    )
    assert row["public_ip"] == ""
    assert exact["left_out"] == 0
    assert DB_INSTANCE in exact.text
    assert "describe_source" in exact["next_step"] and "plan_recovery" in exact["next_step"]
    assert {r["instance_id"] for r in wildcard["instances"]} == {DB_INSTANCE, *TWINS}
    assert [r["instance_id"] for r in zone["instances"]] == [TARGET_INSTANCE]
    assert [r["instance_id"] for r in shanghai["instances"]] == [SHANGHAI_INSTANCE]
    assert [r["instance_id"] for r in stopped["instances"]] == [STOPPED_INSTANCE]
    assert len(capped["instances"]) == 50
    assert capped["left_out"] == APP_SERVERS - 50
    assert capped["regions_searched"] == [REGION]
    assert "narrow" in capped["next_step"]
    assert none["instances"] == [] and none["left_out"] == 0
    assert "zz-nowhere-1a" in unknown_zone
    assert mutations == []


async def test_describe_source_takes_an_exact_instance_name(tmp_path: Path) -> None:
    async with _served(tmp_path) as served:
        by_name = await served.call("describe_source", {"instance_id": "prod-db-01"})
        unknown = await served.fail("describe_source", {"instance_id": "pay-db-primary"})
        ambiguous = await served.fail("describe_source", {"instance_id": "twin-db"})
        not_a_name = await served.fail("describe_source", {"instance_id": "pay db primary"})
        mutations = _mutations(served)

    assert by_name["instance"]["instance_id"] == DB_INSTANCE
    assert "pay-db-primary" in unknown and 'find_instances(name="*pay-db-primary*")' in unknown
    assert all(i in ambiguous for i in TWINS) and "instance_id" in ambiguous
    assert "instance_id" in not_a_name and "find_instances" in not_a_name
    assert mutations == []

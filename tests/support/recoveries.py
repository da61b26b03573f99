"""Recoveries as end-to-end tests drive and check them over MCP: a Scenario A source's group
snapshot and image, and what the sandbox holds afterwards (every resource by kind, the source
untouched, the resources an operation tagged)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import anyio

from ecs_dr.sandbox.control import SandboxControl
from tests.support.decisions import confirmed, decide
from tests.support.demo_world import DB_INSTANCE, REGION, TARGET_ZONE
from tests.support.mcp import START_TIMEOUT_S, Session

TAG_OPERATION = "ecs-dr:operation-id"
KINDS = ("snapshot_groups", "snapshots", "images", "vswitches", "instances", "disks")


def inventory_of(state: Mapping[str, Any]) -> dict[str, set[str]]:
    """Every resource id in the source's region of a sandbox state, by kind."""
    region = state["regions"][REGION]
    return {kind: set(region[kind]) for kind in KINDS}


def inventory(sandbox: SandboxControl) -> dict[str, set[str]]:
    return inventory_of(sandbox.state())


def source_of(sandbox: SandboxControl) -> dict[str, Any]:
    """The source instance and its disks, as the sandbox holds them."""
    region = sandbox.state()["regions"][REGION]
    disks = {k: v for k, v in region["disks"].items() if v["instance_id"] == DB_INSTANCE}
    return {"instance": region["instances"][DB_INSTANCE], "disks": disks}


def of_operation(state: dict[str, Any], kind: str, resource_type: str, op: str) -> list[str]:
    region = state["regions"][REGION]
    tagged = {
        entry["resource_id"]
        for entry in region["tags"]
        if entry["resource_type"] == resource_type and entry["tags"].get(TAG_OPERATION) == op
    }
    return [r for r in region[kind] if r in tagged]


async def snapshot_and_image(served: Session, instance_id: str) -> str:
    """Group snapshot and full image of a multi-disk source, confirmed as the user would."""
    group, _ = await decide(served, "create_snapshot_group", {"instance_id": instance_id})
    assert group["status"] == "completed", group
    image, _ = await decide(
        served,
        "create_full_image",
        {"instance_id": instance_id, "snapshot_group_id": group["snapshot_group_id"]},
    )
    assert image["status"] == "completed", image
    return str(image["image_id"])


async def planned_execution(served: Session) -> dict[str, Any]:
    """execute_recovery's arguments for a confirmed full_instance plan of the DB instance."""
    planned, _ = await decide(
        served,
        "plan_recovery",
        {
            "scenario": "full_instance",
            "source_instance_id": DB_INSTANCE,
            "target_zone_id": TARGET_ZONE,
            "drill": True,
        },
    )
    return await confirmed(served, "execute_recovery", {"plan_id": planned["plan_id"]})


async def ended(served: Session, result: dict[str, Any]) -> dict[str, Any]:
    """Follow the operation with wait_operation until it is no longer in progress."""
    with anyio.fail_after(START_TIMEOUT_S):
        while result["status"] == "in_progress":
            result = await served.call(
                "wait_operation", {"operation_id": result["operation_id"], "max_wait_s": 0.2}
            )
    return result

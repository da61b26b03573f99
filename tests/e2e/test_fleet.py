"""A fleet end to end, through the `mcp` client over stdio: twenty instances planned in one
plan (no mutating call), confirmed once and recovered together under the API rate limit the
server was given, while the sandbox throttles the account; throttling never reaches the client
and every instance ends recovered, exactly once, then cleanup removes all of it. A source that
cannot be planned is asked about on its own (skip it, or cancel the fleet), and the rest go."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from ecs_dr.sandbox.control import SandboxControl
from tests.support.decisions import confirmed, decide
from tests.support.demo_world import (
    DB_INSTANCE,
    DEMO_WORLD_FILE,
    PROD_SG,
    REGION,
    SOURCE_VSWITCH,
    SOURCE_ZONE,
    TARGET_INSTANCE,
    TARGET_ZONE,
    WEB_INSTANCE,
)
from tests.support.mcp import Session, mcp_session
from tests.support.recoveries import TAG_OPERATION

FLEET_SIZE = 20
MUTATING = ("Create", "Attach", "Run", "Delete", "Tag", "Modify", "Stop", "Reboot")
# The server's own pace; the sandbox refuses the account above SANDBOX_QPS, and a few calls
# are throttled outright on top, so the gateway's backoff has something to absorb.
CLIENT_QPS = 100
SANDBOX_QPS = 110


def fleet_world(path: Path) -> list[str]:
    """The demo world plus FLEET_SIZE app servers (system + data ESSD) in zone h."""
    world = json.loads(DEMO_WORLD_FILE.read_text())
    region = next(r for r in world["regions"] if r["region_id"] == REGION)
    ids = []
    for n in range(FLEET_SIZE):
        instance_id = f"i-bp1fleet{n:011d}"
        ids.append(instance_id)
        region["instances"].append(
            {
                "instance_id": instance_id,
                "instance_name": f"app-{n:02d}",
                "zone_id": SOURCE_ZONE,
                "instance_type": "ecs.g7.large",
                "vswitch_id": SOURCE_VSWITCH,
                "security_group_ids": [PROD_SG],
                "instance_charge_type": "PostPaid",
                "internet_charge_type": "PayByTraffic",
                "internet_max_bandwidth_out": 0,
                "disks": [
                    {
                        "disk_id": f"d-bp1fleetsys{n:08d}",
                        "type": "system",
                        "device": "/dev/xvda",
                        "category": "cloud_essd",
                        "size": 40,
                        "performance_level": "PL0",
                    },
                    {
                        "disk_id": f"d-bp1fleetdat{n:08d}",
                        "type": "data",
                        "device": "/dev/xvdb",
                        "category": "cloud_essd",
                        "size": 100,
                        "performance_level": "PL1",
                    },
                ],
            }
        )
    path.write_text(json.dumps(world))
    return ids


def tagged(state: dict[str, Any], resource_type: str, operation_id: str) -> list[str]:
    return [
        e["resource_id"]
        for e in state["regions"][REGION]["tags"]
        if e["resource_type"] == resource_type and e["tags"].get(TAG_OPERATION) == operation_id
    ]


def mutations(sandbox: SandboxControl) -> list[str]:
    return [a for a in sandbox.actions() if a.startswith(MUTATING)]


async def finished(served: Session, result: dict[str, Any]) -> dict[str, Any]:
    """Follow an in_progress execution with wait_operation until it ends."""
    while result["status"] == "in_progress":
        result = await served.call("wait_operation", {"operation_id": result["operation_id"]})
    return result


async def test_twenty_instances_recover_together_under_the_rate_limit_without_throttling_errors(
    tmp_path: Path,
) -> None:
    sources = fleet_world(tmp_path / "world.json")
    env = {
        "ECS_DR_SANDBOX_WORLD": str(tmp_path / "world.json"),
        "ECS_DR_MAX_QPS": str(CLIENT_QPS),
        "ECS_DR_MAX_CONCURRENT_CALLS": "8",
    }
    async with mcp_session(tmp_path, env=env) as served:
        served.sandbox.add_fault({"kind": "throttle", "qps": SANDBOX_QPS})
        for nth in (10, 25, 40):  # apart, so that no call meets two of them in a row
            served.sandbox.add_fault(
                {
                    "kind": "error",
                    "action": "DescribeImages",
                    "code": "Throttling.User",
                    "http_status": 400,
                    "nth": nth,
                }
            )
        planned, asked = await decide(
            served,
            "plan_recovery",
            {
                "scenario": "full_instance",
                "source_instance_id": sources,
                "target_zone_id": TARGET_ZONE,
                "drill": True,
            },
        )
        assert asked == [] and planned["status"] == "completed", planned
        assert mutations(served.sandbox) == []
        runs = [s for s in planned["steps"] if s["action"] == "RunInstances"]
        assert [s["step"] for s in runs] == [f"{i}/run_instances" for i in sources]
        assert all(s["parameters"]["InternetMaxBandwidthOut"] == 0 for s in runs)

        result = await finished(
            served,
            await served.call(
                "execute_recovery",
                await confirmed(served, "execute_recovery", {"plan_id": planned["plan_id"]}),
            ),
        )
        assert result["status"] == "completed", result
        rows = result["result"]["rows"]
        assert [r["source_instance_id"] for r in rows] == sources
        assert all(r["status"] == "completed" and r["all_match"] for r in rows)

        requests = served.sandbox.requests()
        throttled = [r for r in requests if r["code"] == "Throttling.User"]
        assert len(throttled) >= 3  # throttling happened, and was absorbed
        operation_id = result["operation_id"]
        state = served.sandbox.state()
        dr_ids = {r["dr_instance_id"] for r in rows}
        assert set(tagged(state, "instance", operation_id)) == dr_ids
        assert len(dr_ids) == FLEET_SIZE
        created = Counter(
            r["action"] for r in requests if r["action"].startswith("Create") and r["status"] == 200
        )
        assert created == {"CreateSnapshotGroup": FLEET_SIZE, "CreateImage": FLEET_SIZE}
        instances = state["regions"][REGION]["instances"]
        assert {instances[i]["zone_id"] for i in dr_ids} == {TARGET_ZONE}
        assert {instances[i]["status"] for i in dr_ids} == {"Running"}

        cleanup, _ = await decide(served, "cleanup_recovery", {"operation_id": operation_id})
        assert cleanup["status"] == "completed", cleanup
        state = served.sandbox.state()
        assert tagged(state, "instance", operation_id) == []
        assert tagged(state, "image", operation_id) == []


async def test_a_source_already_in_the_target_zone_is_skipped_by_choice_and_the_rest_recover(
    tmp_path: Path,
) -> None:
    sources = [DB_INSTANCE, TARGET_INSTANCE, WEB_INSTANCE]
    arguments = {
        "scenario": "full_instance",
        "source_instance_id": sources,
        "target_zone_id": TARGET_ZONE,
        "drill": True,
    }
    async with mcp_session(tmp_path) as served:
        planned, asked = await decide(served, "plan_recovery", arguments)
        assert [p["decision_id"] for p in asked] == [f"{TARGET_INSTANCE}:skip_source"]
        (skip,) = asked
        assert [o["value"] for o in skip["options"]] == ["skip", "cancel"]
        assert f"{TARGET_INSTANCE} already lives in {TARGET_ZONE}" in skip["question"]
        assert planned["status"] == "completed", planned
        assert mutations(served.sandbox) == []
        assert [s["source_instance_id"] for s in planned["plan"]["skipped"]] == [TARGET_INSTANCE]
        assert not any(s["step"].startswith(TARGET_INSTANCE) for s in planned["steps"])

        result = await finished(
            served,
            await served.call(
                "execute_recovery",
                await confirmed(served, "execute_recovery", {"plan_id": planned["plan_id"]}),
            ),
        )
        assert result["status"] == "completed", result
        statuses = {r["source_instance_id"]: r["status"] for r in result["result"]["rows"]}
        assert statuses == {
            DB_INSTANCE: "completed",
            WEB_INSTANCE: "completed",
            TARGET_INSTANCE: "skipped",
        }

        cancelled, _ = await decide(
            served, "plan_recovery", arguments, choose=lambda p: str(p["options"][-1]["value"])
        )
        assert cancelled["status"] == "cancelled", cancelled

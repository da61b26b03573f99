"""plan_recovery(scenario="full_instance") and execute_recovery end to end, through the `mcp`
client over stdio: the plan makes no mutating call; its execution recovers prod-db-01 into
another zone as one operation with every rule and every tag; a second execution is refused; a
DR name another instance has is the user's choice."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ecs_dr.sandbox.control import SandboxControl
from tests.support.decisions import confirmed, decide, first_option
from tests.support.demo_world import (
    DB_INSTANCE,
    DEMO_WORLD_FILE,
    NO_VSWITCH_ZONE,
    REGION,
    STOPPED_INSTANCE,
    TARGET_INSTANCE,
    TARGET_ZONE,
    WEB_INSTANCE,
)
from tests.support.markdown_tables import table_headed
from tests.support.mcp import (
    Elicitations,
    Session,
    assert_session_user_agent,
    mcp_session,
    recommended,
)

MUTATING = ("Create", "Attach", "Run", "Delete", "Tag", "Modify", "Stop", "Reboot")
DB_LAYOUT = {
    "/dev/xvda": ("cloud_essd", 40, "PL0"),
    "/dev/xvdb": ("cloud_essd", 100, "PL1"),
    "/dev/xvdc": ("cloud_essd", 500, "PL2"),
}


def mutations(sandbox: SandboxControl) -> list[str]:
    return [a for a in sandbox.actions() if a.startswith(MUTATING)]


def tags_of(state: dict[str, Any], resource_type: str, resource_id: str) -> dict[str, str]:
    for entry in state["tags"]:
        if (entry["resource_type"], entry["resource_id"]) == (resource_type, resource_id):
            return dict(entry["tags"])
    return {}


async def plan(served: Session, **arguments: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return await decide(served, "plan_recovery", {"scenario": "full_instance", **arguments})


async def test_prod_db_is_planned_without_a_mutation_then_recovered_as_one_drill_operation(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        planned, asked = await plan(
            served, source_instance_id=DB_INSTANCE, target_zone_id=TARGET_ZONE, drill=True
        )
        assert asked == []
        assert planned["status"] == "completed", planned
        plan_id = planned["plan_id"]
        assert [s["action"] for s in planned["steps"]] == [
            "CreateSnapshotGroup",
            "CreateImage",
            "RunInstances",
        ]
        run = planned["steps"][2]["parameters"]
        assert run["InternetMaxBandwidthOut"] == 0
        assert run["ZoneId"] == TARGET_ZONE
        assert planned["preflight"]["snapshot_strategy"] == "snapshot_group"
        assert planned["plan"]["tags"]["ecs-dr:drill"] == "true"
        assert planned["estimated_duration_s"] > 0 and planned["findings"]
        assert mutations(served.sandbox) == []

        first = await served.call("execute_recovery", {"plan_id": plan_id})
        assert first["status"] == "needs_decision"
        (confirm,) = first["decisions"]
        assert confirm["decision_id"].startswith("confirm_plan_")
        proceed = {confirm["decision_id"]: "proceed"}
        assert set(confirm["context"]["parameters"]) == {s["step"] for s in planned["steps"]}
        assert mutations(served.sandbox) == []

        done = await served.call("execute_recovery", {"plan_id": plan_id, "decisions": proceed})
        assert done["status"] == "completed", done
        dr_id = done["dr_instance_id"]
        assert all(r["match"] for r in done["result"]["comparison"]), done.text
        assert "| " in table_headed(done.text, "Item")

        # Every rule reached the cloud: bandwidth 0, PL on every disk, Device= only.
        (sent,) = served.sandbox.calls("RunInstances")
        assert str(sent["InternetMaxBandwidthOut"]) == "0"
        assert sent["SystemDisk.PerformanceLevel"] == "PL0"
        assert [sent[f"DataDisk.{n}.Device"] for n in (1, 2)] == ["/dev/xvdb", "/dev/xvdc"]
        assert [sent[f"DataDisk.{n}.PerformanceLevel"] for n in (1, 2)] == ["PL1", "PL2"]
        assert not any(k.endswith("SnapshotId") for k in sent)
        # ...exactly as planned: only the ids created on the way were placeholders.
        for key, value in run.items():
            expected = done["result"]["image_id"] if key == "ImageId" else value
            assert str(sent[key]) == str(expected), key
        (image_sent,) = served.sandbox.calls("CreateImage")
        image_planned = planned["steps"][1]["parameters"]
        for key, value in image_planned.items():
            if not key.endswith("SnapshotId"):
                assert str(image_sent[key]) == str(value), key
        state = served.sandbox.state()["regions"][REGION]
        instance = state["instances"][dr_id]
        assert instance["zone_id"] == TARGET_ZONE
        assert instance["internet_max_bandwidth_out"] == 0
        dr_disks = {d["device"]: d for d in state["disks"].values() if d["instance_id"] == dr_id}
        assert {
            device: (d["category"], d["size"], d["performance_level"])
            for device, d in dr_disks.items()
        } == DB_LAYOUT

        # Every created resource names its operation and source, and says it is a drill.
        result = done["result"]
        operation_id = done["operation_id"]
        created = [
            ("snapshotgroup", result["snapshot_group_id"]),
            *(("snapshot", s) for s in result["snapshot_ids"]),
            ("image", result["image_id"]),
            ("instance", dr_id),
            *(("disk", d["disk_id"]) for d in dr_disks.values()),
        ]
        for resource_type, resource_id in created:
            tags = tags_of(state, resource_type, resource_id)
            assert tags.get("ecs-dr:operation-id") == operation_id, (resource_type, tags)
            assert tags.get("ecs-dr:source-instance") == DB_INSTANCE, (resource_type, tags)
            assert tags.get("ecs-dr:drill") == "true", (resource_type, tags)

        # One operation, each create once, in order; the source never changed.
        creates = [a for a in mutations(served.sandbox) if not a.startswith("Tag")]
        assert creates == ["CreateSnapshotGroup", "CreateImage", "RunInstances"]
        operation = await served.call("get_operation", {"operation_id": operation_id})
        steps = [s["step"] for s in operation["operation"]["steps"]]
        assert steps == ["create_snapshot_group", "create_image", "run_instances"]

        again = await served.fail("execute_recovery", {"plan_id": plan_id, "decisions": proceed})
        assert plan_id in again and "executed" in again
        assert served.sandbox.actions().count("RunInstances") == 1
        assert_session_user_agent(served.sandbox)


async def test_a_zone_without_vswitch_is_planned_with_the_users_choice_through_forms(
    tmp_path: Path,
) -> None:
    forms = Elicitations(recommended)
    async with mcp_session(tmp_path, elicitation=forms) as served:
        planned = await served.call(
            "plan_recovery",
            {
                "scenario": "full_instance",
                "source_instance_id": DB_INSTANCE,
                "target_zone_id": NO_VSWITCH_ZONE,
            },
        )
        assert planned["status"] == "completed", planned
        assert [s["action"] for s in planned["steps"]] == [
            "CreateSnapshotGroup",
            "CreateImage",
            "CreateVSwitch",
            "RunInstances",
        ]
        assert planned["plan"]["tags"]["ecs-dr:drill"] == "false"
        assert mutations(served.sandbox) == []

        done = await served.call("execute_recovery", {"plan_id": planned["plan_id"]})
        assert done["status"] == "completed", done
        state = served.sandbox.state()["regions"][REGION]
        created = done["result"]["created_vswitch_id"]
        assert state["instances"][done["dr_instance_id"]]["vswitch_id"] == created
        assert tags_of(state, "vswitch", created).get("ecs-dr:drill") == "false"
        actions = served.sandbox.actions()
        assert actions.index("CreateImage") < actions.index("CreateVSwitch")
        assert actions.index("CreateVSwitch") < actions.index("RunInstances")


async def test_full_instance_plans_refuse_a_target_instance_and_a_missing_zone(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        missing = await served.fail(
            "plan_recovery", {"scenario": "full_instance", "source_instance_id": DB_INSTANCE}
        )
        assert "target_zone_id" in missing
        wrong = await served.fail(
            "plan_recovery",
            {
                "scenario": "full_instance",
                "source_instance_id": DB_INSTANCE,
                "target_instance_id": TARGET_INSTANCE,
            },
        )
        assert "target_zone_id" in wrong
        unknown = await served.fail("execute_recovery", {"plan_id": "plan-0000000000000000"})
        assert "plan-0000000000000000" in unknown
        assert mutations(served.sandbox) == []


async def test_an_execution_outliving_the_bounded_wait_is_followed_to_the_dr_instance(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path, env={"ECS_DR_MAX_CALL_WAIT_S": "0.05"}) as served:
        planned, _ = await plan(served, source_instance_id=DB_INSTANCE, target_zone_id=TARGET_ZONE)
        first = await served.call(
            "execute_recovery",
            await confirmed(served, "execute_recovery", {"plan_id": planned["plan_id"]}),
        )
        assert first["status"] == "in_progress", first
        operation_id = first["operation_id"]

        done: dict[str, Any] = first
        for _ in range(400):
            done = await served.call("wait_operation", {"operation_id": operation_id})
            if done["status"] != "in_progress":
                break
        assert done["status"] == "completed", done
        dr_id = done["result"]["dr_instance_id"]
        assert done["result"]["all_match"]
        record = await served.call("get_operation", {"operation_id": operation_id})
        steps = {s["step"]: s["resource_id"] for s in record["operation"]["steps"]}
        assert steps["run_instances"] == dr_id
        assert served.sandbox.actions().count("RunInstances") == 1


def _world_with_names(path: Path, renamed: Mapping[str, str]) -> Path:
    """The demo world with the instances in `renamed` (by id) given other names."""
    world = json.loads(DEMO_WORLD_FILE.read_text())
    for region in world["regions"]:
        for instance in region["instances"]:
            instance["instance_name"] = renamed.get(
                instance["instance_id"], instance["instance_name"]
            )
    path.write_text(json.dumps(world))
    return path


def _sent_name(planned: Mapping[str, Any]) -> str:
    run = next(s for s in planned["steps"] if s["action"] == "RunInstances")
    return str(run["parameters"]["InstanceName"])


def _keep(prompt: Mapping[str, Any]) -> str:
    values = [o["value"] for o in prompt["options"]]
    return "keep_name" if "keep_name" in values else first_option(prompt)


async def test_a_dr_name_another_instance_has_is_a_choice_of_a_numbered_name_or_keeping_it(
    tmp_path: Path,
) -> None:
    taken = "recovery-web-frontend-01"
    world = _world_with_names(
        tmp_path / "w.json",
        {TARGET_INSTANCE: taken, STOPPED_INSTANCE: f"{taken}_2"},
    )
    web = {"source_instance_id": WEB_INSTANCE, "target_zone_id": TARGET_ZONE}
    async with mcp_session(tmp_path, env={"ECS_DR_SANDBOX_WORLD": str(world)}) as served:
        numbered, asked = await decide(
            served, "plan_recovery", {"scenario": "full_instance", **web}
        )
        kept, _ = await decide(served, "plan_recovery", {"scenario": "full_instance", **web}, _keep)
        named, named_asked = await plan(served, **web, instance_name="web-dr")
        fleet, fleet_asked = await plan(
            served, source_instance_id=[WEB_INSTANCE, DB_INSTANCE], target_zone_id=TARGET_ZONE
        )
        assert mutations(served.sandbox) == []

    [prompt] = asked
    assert prompt["decision_id"] == f"dr_name_{taken}"
    assert TARGET_INSTANCE in prompt["question"]
    assert [o["value"] for o in prompt["options"]] == ["numbered_name", "keep_name", "cancel"]
    assert numbered["status"] == "completed", numbered
    assert _sent_name(numbered) == f"{taken}_3"
    assert any(f"{taken}_3" in f for f in numbered["findings"])
    assert _sent_name(kept) == taken
    assert (named_asked, _sent_name(named)) == ([], "web-dr")
    # In a fleet, the question is the one source's whose name is in use.
    assert [p["decision_id"] for p in fleet_asked] == [f"{WEB_INSTANCE}:dr_name_{taken}"]
    assert fleet["status"] == "completed", fleet
    web_plan = next(m for m in fleet["plan"]["members"] if m["source_instance_id"] == WEB_INSTANCE)
    assert web_plan["instance"]["run"]["instance_name"] == f"{taken}_3"

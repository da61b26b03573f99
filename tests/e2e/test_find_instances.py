"""Instances by name through the `mcp` client: find_instances lists them (by name as ECS
matches it, by zone, by status, capped with a count of the rest); every instance argument takes
an exact name, refusing an unknown one with the way to find it; a name a few instances share is
a choice prompt where the tool takes decisions (plan_recovery, the step tools), else a refusal
listing them. Nothing is created."""

from __future__ import annotations

import json
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import mcp_types as types

from ecs_dr.cloud.gateway import READ_ONLY_PREFIXES
from tests.support.decisions import decide
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
from tests.support.mcp import Elicitations, Session, mcp_session, recommended

APP_SERVERS = 55
TWINS = ("i-bp1twin00000000001", "i-bp1twin00000000002")


def _instance(instance_id: str, name: str, data_disks: int = 0) -> dict[str, Any]:
    body = instance_id.removeprefix("i-")
    data = [
        {
            "disk_id": f"d-{body}{n}",
            "type": "data",
            "device": f"/dev/xvd{'bcdefgh'[n]}",
            "category": "cloud_essd",
            "size": 20,
            "performance_level": "PL0",
        }
        for n in range(data_disks)
    ]
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
            },
            *data,
        ],
    }


def _world(path: Path) -> Path:
    """The demo world, APP_SERVERS app servers, and two instances named twin-db (each with a
    data disk, so a snapshot group can take them)."""
    world = json.loads(DEMO_WORLD_FILE.read_text())
    region = next(r for r in world["regions"] if r["region_id"] == REGION)
    region["instances"] += [
        _instance(f"i-bp1app{n:013d}", f"app-{n:02d}") for n in range(APP_SERVERS)
    ]
    region["instances"] += [_instance(i, "twin-db", data_disks=1) for i in TWINS]
    path.write_text(json.dumps(world))
    return path


def _served(
    tmp_path: Path, elicitation: Elicitations | None = None
) -> AbstractAsyncContextManager[Session]:
    return mcp_session(
        tmp_path,
        env={"ECS_DR_SANDBOX_WORLD": str(_world(tmp_path / "w.json"))},
        elicitation=elicitation,
    )


def _second_twin(prompt: Mapping[str, Any]) -> str:
    """The user picks the second twin-db when asked which; the recommended option otherwise."""
    values = [o["value"] for o in prompt["options"]]
    return TWINS[1] if TWINS[1] in values else str(values[0])


def _mutations(served: Session) -> list[str]:
    return [a for a in served.sandbox.actions() if not a.startswith(READ_ONLY_PREFIXES)]


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
        ambiguous = await served.call("describe_source", {"instance_id": "twin-db"})
        picked = await served.call(
            "describe_source", {"instance_id": ambiguous["decisions"][0]["options"][1]["value"]}
        )
        not_a_name = await served.fail("describe_source", {"instance_id": "pay db primary"})
        mutations = _mutations(served)

    assert by_name["instance"]["instance_id"] == DB_INSTANCE
    assert "pay-db-primary" in unknown and 'find_instances(name="*pay-db-primary*")' in unknown
    # A read-only tool takes no decisions: its choice's values are ids to call again with.
    assert ambiguous["status"] == "needs_decision", ambiguous
    [which] = ambiguous["decisions"]
    assert which["decision_id"] == "instance_id=twin-db" and which["header"] == "Instance"
    assert sorted(o["value"] for o in which["options"]) == sorted(TWINS)
    assert "describe_source again with instance_id=<the chosen id>" in ambiguous["next_step"]
    assert picked["instance"]["instance_id"] == which["options"][1]["value"]
    assert "instance_id" in not_a_name and "find_instances" in not_a_name
    assert mutations == []


async def test_a_shared_name_in_plan_recovery_is_a_choice_and_the_plan_takes_the_chosen_one(
    tmp_path: Path,
) -> None:
    async with _served(tmp_path) as served:
        planned, asked = await decide(
            served,
            "plan_recovery",
            {
                "scenario": "full_instance",
                "source_instance_id": "twin-db",
                "target_zone_id": TARGET_ZONE,
            },
            _second_twin,
        )
        fleet, fleet_asked = await decide(
            served,
            "plan_recovery",
            {
                "scenario": "full_instance",
                "source_instance_id": ["prod-db-01", "twin-db"],
                "target_zone_id": TARGET_ZONE,
            },
            _second_twin,
        )
        mutations = _mutations(served)

    choice = asked[0]
    assert choice["decision_id"] == "source_instance_id=twin-db"
    assert [o["value"] for o in choice["options"]] == list(TWINS)
    assert all(SOURCE_ZONE in o["description"] for o in choice["options"])
    assert planned["status"] == "completed", planned
    assert planned["plan"]["source_instance_id"] == TWINS[1]
    assert [p["decision_id"] for p in fleet_asked] == ["source_instance_id=twin-db"]
    assert fleet["status"] == "completed", fleet
    assert [m["source_instance_id"] for m in fleet["plan"]["members"]] == [DB_INSTANCE, TWINS[1]]
    assert mutations == []


async def test_a_client_with_forms_is_asked_which_instance_a_shared_name_means(
    tmp_path: Path,
) -> None:
    forms = Elicitations(recommended)
    async with _served(tmp_path, forms) as served:
        planned = await served.call(
            "plan_recovery",
            {
                "scenario": "full_instance",
                "source_instance_id": "twin-db",
                "target_zone_id": TARGET_ZONE,
            },
        )
        mutations = _mutations(served)

    assert planned["status"] == "completed", planned
    assert planned["plan"]["source_instance_id"] == TWINS[0]
    form = forms.seen[0]
    assert isinstance(form, types.ElicitRequestFormParams)
    assert "source_instance_id=twin-db" in form.requested_schema["properties"]
    assert mutations == []


async def test_step_tools_and_read_only_tools_take_instance_names(tmp_path: Path) -> None:
    async with _served(tmp_path) as served:
        group = await served.call("create_snapshot_group", {"instance_id": "twin-db"})
        chosen = await served.call(
            "create_snapshot_group",
            {"instance_id": "twin-db", "decisions": {"instance_id=twin-db": TWINS[1]}},
        )
        target = await served.call("describe_target_instance", {"instance_id": "dr-target-01"})
        verified = await served.call(
            "verify_dr_instance",
            {"source_instance_id": "prod-db-01", "dr_instance_id": "dr-target-01"},
        )
        ambiguous = await served.call("describe_target_instance", {"instance_id": "twin-db"})
        picked = await served.call(
            "describe_target_instance",
            {"instance_id": ambiguous["decisions"][0]["options"][1]["value"]},
        )
        mutations = _mutations(served)

    assert group["status"] == "needs_decision"
    assert [p["decision_id"] for p in group["decisions"]] == ["instance_id=twin-db"]
    assert chosen["status"] == "needs_decision"
    [confirm] = chosen["decisions"]
    assert confirm["context"]["parameters"]["InstanceId"] == TWINS[1]
    assert target["instance"]["instance_id"] == TARGET_INSTANCE
    assert (verified["source_instance_id"], verified["dr_instance_id"]) == (
        DB_INSTANCE,
        TARGET_INSTANCE,
    )
    # A read-only tool takes no decisions: its choice's values are ids to call again with.
    assert ambiguous["status"] == "needs_decision", ambiguous
    [which] = ambiguous["decisions"]
    assert which["decision_id"] == "instance_id=twin-db" and which["header"] == "Instance"
    assert sorted(o["value"] for o in which["options"]) == sorted(TWINS)
    assert (
        "describe_target_instance again with instance_id=<the chosen id>" in ambiguous["next_step"]
    )
    assert picked["instance"]["instance_id"] == which["options"][1]["value"]
    assert mutations == []

"""next_step through the `mcp` client: each tool leads along the plan path (plan_recovery,
its confirmation, execute_recovery, wait_operation, verify_dr_instance, cleanup_recovery after
a drill) and never to a step tool, whatever the source's snapshot strategy. Only the step tools
themselves may lead on along the step path."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ecs_dr.tools import TOOLS
from ecs_dr.tools.steps import STEP_TOOLS
from tests.support.decisions import decide
from tests.support.demo_world import (
    DB_INSTANCE,
    LEGACY_INSTANCE,
    NO_VSWITCH_ZONE,
    TARGET_INSTANCE,
    TARGET_ZONE,
    WEB_INSTANCE,
)
from tests.support.mcp import Session, mcp_session

TOOL_NAMES = {entry.name for entry in TOOLS}
PLAN_PATH = {
    "find_instances",
    "describe_source",
    "check_target_zone",
    "describe_target_instance",
    "plan_recovery",
    "execute_recovery",
    "wait_operation",
    "get_operation",
    "verify_dr_instance",
    "cleanup_recovery",
}

READ_ONLY = {"find_instances", "describe_source", "check_target_zone", "describe_target_instance"}


def tools_named(text: str) -> set[str]:
    """The tools a next_step names."""
    return {name for name in TOOL_NAMES if re.search(rf"\b{name}\b", text)}


def assert_on_step_path(result: dict[str, Any], following: str) -> None:
    """A step tool's next_step stays on the step path: the step that follows it (and what a
    read-only tool told before it, such as the zone check_target_zone checked)."""
    named = tools_named(result["next_step"])
    assert following in named, result["next_step"]
    assert named - READ_ONLY == {following}, result["next_step"]


def assert_on_plan_path(result: dict[str, Any], *expected: str) -> None:
    named = tools_named(result["next_step"])
    assert named <= PLAN_PATH, result["next_step"]
    assert not named & set(STEP_TOOLS), result["next_step"]
    assert set(expected) <= named, result["next_step"]


async def _drilled(served: Session) -> tuple[dict[str, Any], ...]:
    """A drill of prod-db-01 along the plan path: each call's result, in order."""
    arguments = {
        "scenario": "full_instance",
        "source_instance_id": DB_INSTANCE,
        "target_zone_id": TARGET_ZONE,
        "drill": True,
    }
    planned = await served.call("plan_recovery", arguments)
    asked = await served.call("execute_recovery", {"plan_id": planned["plan_id"]})
    proceed = {asked["decisions"][0]["decision_id"]: "proceed"}
    done = await served.call(
        "execute_recovery", {"plan_id": planned["plan_id"], "decisions": proceed}
    )
    while done["status"] == "in_progress":
        done = await served.call("wait_operation", {"operation_id": done["operation_id"]})
    verified = await served.call(
        "verify_dr_instance",
        {"source_instance_id": DB_INSTANCE, "dr_instance_id": done["dr_instance_id"]},
    )
    return planned, asked, done, verified


async def test_find_instances_leads_to_describe_source_and_plan_recovery(tmp_path: Path) -> None:
    async with mcp_session(tmp_path) as served:
        found = await served.call("find_instances", {"name": "prod-db-01"})
    assert_on_plan_path(found, "describe_source", "plan_recovery")


async def test_describe_source_leads_to_the_plan_whatever_the_snapshot_strategy(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        described = {
            source: await served.call("describe_source", {"instance_id": source})
            for source in (DB_INSTANCE, WEB_INSTANCE, LEGACY_INSTANCE)
        }
    strategies = {d["snapshot_strategy"] for d in described.values()}
    assert strategies == {"snapshot_group", "single_snapshot", "per_disk_snapshots"}
    for result in described.values():
        assert_on_plan_path(result, "plan_recovery")


async def test_check_target_zone_sends_its_answers_to_plan_recovery(tmp_path: Path) -> None:
    async with mcp_session(tmp_path) as served:
        gap = await served.call(
            "check_target_zone", {"instance_id": DB_INSTANCE, "target_zone_id": NO_VSWITCH_ZONE}
        )
        fits = await served.call(
            "check_target_zone", {"instance_id": DB_INSTANCE, "target_zone_id": TARGET_ZONE}
        )
    assert gap["status"] == "needs_decision"
    assert_on_plan_path(gap, "plan_recovery")
    assert fits["status"] == "completed"
    assert_on_plan_path(fits, "plan_recovery")


async def test_describe_target_instance_leads_to_a_disks_plan_or_verification(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        target = await served.call("describe_target_instance", {"instance_id": TARGET_INSTANCE})
    assert_on_plan_path(target, "plan_recovery", "verify_dr_instance")


async def test_a_drill_is_led_from_plan_to_execute_to_verify_to_cleanup(tmp_path: Path) -> None:
    async with mcp_session(tmp_path) as served:
        planned, asked, done, verified = await _drilled(served)
    assert_on_plan_path(planned, "execute_recovery")
    assert_on_plan_path(asked, "execute_recovery")
    assert done["status"] == "completed", done
    assert_on_plan_path(done, "verify_dr_instance", "cleanup_recovery")
    assert_on_plan_path(verified, "cleanup_recovery")


async def test_step_tools_lead_on_along_the_step_path_of_the_sources_strategy(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        group, _ = await decide(served, "create_snapshot_group", {"instance_id": LEGACY_INSTANCE})
        image, _ = await decide(
            served,
            "create_full_image",
            {"instance_id": LEGACY_INSTANCE, "snapshot_ids": group["snapshot_ids"]},
        )
    # legacy-app-01 cannot take a group: its per-disk snapshots go to the image as such.
    assert "snapshot_group_id" not in group  # None is left out of structured content
    assert_on_step_path(group, "create_full_image")
    assert "snapshot_ids=" in group["next_step"]
    assert_on_step_path(image, "run_dr_instance")

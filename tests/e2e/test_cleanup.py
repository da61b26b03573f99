"""cleanup_recovery end to end: a Scenario A recovery with the step tools, then each of its
operations cleaned up through the MCP client over stdio; the sandbox's state shows that all
and only those resources went, and the source was never touched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mcp_types as types

from tests.support.decisions import decide
from tests.support.demo_world import (
    DB_INSTANCE,
    NO_VSWITCH_ZONE,
    REGION,
    TARGET_INSTANCE,
    TARGET_ZONE,
)
from tests.support.mcp import Elicitations, Session, decline, mcp_session, recommended
from tests.support.recoveries import inventory, snapshot_and_image, source_of


async def test_cleanup_removes_all_and_only_each_operations_resources_and_only_once(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        sandbox = served.sandbox
        before, source_before = inventory(sandbox), source_of(sandbox)
        image_id = await snapshot_and_image(served, DB_INSTANCE)
        dr, _ = await decide(
            served,
            "run_dr_instance",
            {"instance_id": DB_INSTANCE, "image_id": image_id, "target_zone_id": TARGET_ZONE},
        )
        assert dr["status"] == "completed", dr
        listed = (await served.call("list_operations"))["operations"]
        ops = {o["kind"]: o["operation_id"] for o in listed}
        created = inventory(sandbox)
        assert created["instances"] - before["instances"] == {dr["dr_instance_id"]}

        # The DR instance's operation: asked first, listing exactly that instance.
        asked = await served.call("cleanup_recovery", {"operation_id": ops["run_dr_instance"]})
        assert asked["status"] == "needs_decision"
        (prompt,) = asked["decisions"]
        assert prompt["decision_id"].startswith("confirm_cleanup_")
        assert prompt["options"][0]["value"] == "delete"
        assert list(prompt["context"]["parameters"]) == [dr["dr_instance_id"]]
        assert not [a for a in sandbox.actions() if a.startswith("Delete")]

        cleaned = {}
        for kind in ("run_dr_instance", "create_full_image", "create_snapshot_group"):
            result, _ = await decide(served, "cleanup_recovery", {"operation_id": ops[kind]})
            assert result["status"] == "completed", result
            assert all(r["action"] == "deleted" for r in result["rows"]), result.text
            assert DB_INSTANCE in result["protected"]
            cleaned[kind] = result
        assert [r["kind"] for r in cleaned["run_dr_instance"]["rows"]] == ["instance"]
        assert [r["resource_id"] for r in cleaned["create_full_image"]["rows"]] == [image_id]
        group_rows = cleaned["create_snapshot_group"]["rows"]
        assert [r["kind"] for r in group_rows] == ["snapshot_group", *["snapshot"] * 3]

        # All and only the recovery's resources went; the source is as it was.
        assert inventory(sandbox) == before
        assert source_of(sandbox) == source_before
        for record in sandbox.requests():
            if record["action"].startswith("Delete"):
                assert DB_INSTANCE not in str(record["parameters"]), record
                assert not set(source_before["disks"]) & set(record["parameters"].values())

        record = await served.call("get_operation", {"operation_id": ops["run_dr_instance"]})
        assert record["operation"]["status"] == "cleaned_up"
        assert record["operation"]["cleanup"]["deleted"] == [dr["dr_instance_id"]]

        # A second cleanup is refused, and so is an unknown id; nothing more is deleted.
        deletes = len([a for a in sandbox.actions() if a.startswith("Delete")])
        again = await served.fail("cleanup_recovery", {"operation_id": ops["run_dr_instance"]})
        assert "cleaned up already" in again
        unknown = await served.fail("cleanup_recovery", {"operation_id": "op-0000000000000000"})
        assert "unknown operation id" in unknown
        assert len([a for a in sandbox.actions() if a.startswith("Delete")]) == deletes


def accept_all_but_cleanup(params: types.ElicitRequestParams) -> types.ElicitResult:
    """The user accepts every create as recommended, and declines the cleanup."""
    if "Permanently delete" in params.message:
        return decline(params)
    return recommended(params)


async def test_declining_the_cleanup_form_deletes_nothing(tmp_path: Path) -> None:
    forms = Elicitations(accept_all_but_cleanup)
    async with mcp_session(tmp_path, elicitation=forms) as served:
        group = await served.call("create_snapshot_group", {"instance_id": DB_INSTANCE})
        assert group["status"] == "completed", group
        op = group["operation_id"]
        result = await served.call("cleanup_recovery", {"operation_id": op})
        assert result["status"] == "cancelled"
        assert group["snapshot_group_id"] in forms.seen[-1].message
        assert not [a for a in served.sandbox.actions() if a.startswith("Delete")]
        record = await served.call("get_operation", {"operation_id": op})
        assert record["operation"]["status"] == "completed"


async def test_a_scenario_b_plan_cleanup_leaves_the_attached_disks_with_their_reason(
    tmp_path: Path,
) -> None:
    target = TARGET_INSTANCE
    async with mcp_session(tmp_path) as served:
        sandbox = served.sandbox
        planned, _ = await decide(
            served,
            "plan_recovery",
            {"scenario": "disks", "source_instance_id": DB_INSTANCE, "target_instance_id": target},
        )
        executed, _ = await decide(served, "execute_recovery", {"plan_id": planned["plan_id"]})
        assert executed["status"] == "completed", executed
        op = executed["operation_id"]
        new_disks = {r["disk_id"] for r in executed["result"]["rows"]}
        snapshots = {r["snapshot_id"] for r in executed["result"]["rows"]}

        result = await served.call("cleanup_recovery", {"operation_id": op})

        # Nothing here may be deleted: the disks are In_use on the target, and their
        # snapshots are held by them. No confirmation is asked, nothing changes.
        assert result["status"] == "completed", result
        rows = {r["resource_id"]: r for r in result["rows"]}
        assert set(rows) == new_disks | snapshots
        for disk_id in new_disks:
            assert rows[disk_id]["action"] == "left"
            assert "In_use" in rows[disk_id]["reason"] and target in rows[disk_id]["reason"]
        for snapshot_id in snapshots:
            assert rows[snapshot_id]["action"] == "left"
            assert "made from it stays" in rows[snapshot_id]["reason"]
        assert result["deleted"] == [] and result["decisions"] == []
        assert not [a for a in sandbox.actions() if a.startswith("Delete")]
        record = await served.call("get_operation", {"operation_id": op})
        assert record["operation"]["status"] == "completed"
        assert target in result["protected"]
        assert "| Resource | Kind | Action | Reason |" in result.text


async def drill(served: Session) -> tuple[str, list[dict[str, Any]]]:
    """A Scenario A drill into the zone where the source's VPC had no VSwitch, each prompt
    answered as recommended: its operation id and the prompts asked."""
    arguments = {
        "scenario": "full_instance",
        "source_instance_id": DB_INSTANCE,
        "target_zone_id": NO_VSWITCH_ZONE,
        "drill": True,
    }
    planned, asked = await decide(served, "plan_recovery", arguments)
    executed, _ = await decide(served, "execute_recovery", {"plan_id": planned["plan_id"]})
    assert executed["status"] == "completed", executed
    return executed["operation_id"], asked


async def test_a_drills_vswitch_goes_with_its_cleanup_after_its_dr_instance(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        sandbox = served.sandbox
        before = inventory(sandbox)
        op, asked = await drill(served)
        (choice,) = [p for p in asked if p["decision_id"].startswith("vswitch_")]
        assert (
            "Cleaning up the operation (a drill) deletes it too"
            in (choice["options"][0]["description"])
        )
        (vswitch_id,) = inventory(sandbox)["vswitches"] - before["vswitches"]

        result, _ = await decide(served, "cleanup_recovery", {"operation_id": op})

        assert result["status"] == "completed", result
        rows = {r["resource_id"]: r for r in result["rows"]}
        assert (rows[vswitch_id]["kind"], rows[vswitch_id]["action"]) == ("vswitch", "deleted")
        assert vswitch_id not in sandbox.state()["regions"][REGION]["vswitches"]
        assert inventory(sandbox) == before
        deletes = [a for a in sandbox.actions() if a.startswith("Delete")]
        assert deletes[0] == "DeleteInstance" and deletes[-1] == "DeleteVSwitch"


async def test_a_recoverys_vswitch_choice_says_it_stays_with_the_dr_instance(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        arguments = {
            "scenario": "full_instance",
            "source_instance_id": DB_INSTANCE,
            "target_zone_id": NO_VSWITCH_ZONE,
        }
        planned, asked = await decide(served, "plan_recovery", arguments)
        assert planned["status"] == "completed", planned
        (choice,) = [p for p in asked if p["decision_id"].startswith("vswitch_")]
        description = choice["options"][0]["description"]
        assert "stays with the DR instance" in description and "deletes it" not in description


async def test_a_drills_vswitch_another_drill_is_in_stays_naming_that_instance(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        sandbox = served.sandbox
        before = inventory(sandbox)
        first, _ = await drill(served)
        (vswitch_id,) = inventory(sandbox)["vswitches"] - before["vswitches"]
        with_first = inventory(sandbox)
        second, asked = await drill(served)
        assert not [p for p in asked if p["decision_id"].startswith("vswitch_")]
        (other_dr,) = inventory(sandbox)["instances"] - with_first["instances"]

        result, confirmations = await decide(served, "cleanup_recovery", {"operation_id": first})

        assert result["status"] == "completed", result
        (row,) = [r for r in result["left"] if r["resource_id"] == vswitch_id]
        assert row["action"] == "left" and other_dr in row["reason"], row
        # The user is told before confirming, and in the table after: it stays, and why.
        (confirm,) = confirmations
        assert confirm["context"]["left_in_place"][vswitch_id] == row["reason"]
        (table_row,) = [r for r in result.text.splitlines() if vswitch_id in r]
        assert "left" in table_row and other_dr in table_row
        assert vswitch_id in sandbox.state()["regions"][REGION]["vswitches"]
        assert "DeleteVSwitch" not in sandbox.actions()
        assert other_dr in inventory(sandbox)["instances"]
        assert second != first

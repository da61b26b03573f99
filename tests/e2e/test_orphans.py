"""The cloud is the second record, end to end: a drill recovered by one server, its journal
deleted while no server runs, and a new server on the same sandbox finds the drill's resources
by their tags (find_orphans) and cleans them up after a confirmation naming each one, never
touching the source, once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio

from ecs_dr.sandbox.clock import VirtualClock
from ecs_dr.sandbox.control import SandboxControl
from ecs_dr.workflows.journal import JOURNAL_FILE
from tests.support.credentials import SANDBOX_KEY_ID, SANDBOX_KEY_SECRET
from tests.support.decisions import confirmed, decide
from tests.support.demo_world import DB_INSTANCE, NO_VSWITCH_ZONE, REGION
from tests.support.mcp import START_TIMEOUT_S, Session, mcp_session_on
from tests.support.recoveries import inventory, source_of
from tests.support.sandboxes import SandboxHandle, sandbox_process, sdk_client
from tests.support.sdk_calls import run

OPERATION_TAG = "ecs-dr:operation-id"


async def finished(served: Session, result: dict[str, Any]) -> dict[str, Any]:
    """The result once its operation has finished (mcp_session_on's calls answer in_progress)."""
    with anyio.fail_after(START_TIMEOUT_S):
        while result["status"] == "in_progress":
            waited = {"operation_id": result["operation_id"], "max_wait_s": 0.2}
            result = await served.call("wait_operation", waited)
    return result


def tagged_with(sandbox: SandboxControl, operation_id: str) -> dict[str, str]:
    """resource id -> resource type of everything the sandbox holds tagged with the operation."""
    return {
        entry["resource_id"]: entry["resource_type"]
        for entry in sandbox.state()["regions"][REGION]["tags"]
        if entry["tags"].get(OPERATION_TAG) == operation_id
    }


async def test_a_drill_whose_journal_was_deleted_is_found_by_its_tags_and_cleaned_up_once(
    tmp_path: Path,
) -> None:
    with sandbox_process(tmp_path) as sandbox:
        source_before = source_of(sandbox)
        async with mcp_session_on(sandbox, tmp_path, "first") as (first, _):
            planned, _ = await decide(
                first,
                "plan_recovery",
                {
                    "scenario": "full_instance",
                    "source_instance_id": DB_INSTANCE,
                    "target_zone_id": NO_VSWITCH_ZONE,
                    "drill": True,
                },
            )
            arguments = {"plan_id": planned["plan_id"]}
            executed = await first.call(
                "execute_recovery", await confirmed(first, "execute_recovery", arguments)
            )
            done = await finished(first, executed)
            assert done["status"] == "completed", done
            operation_id = done["operation_id"]
        created = tagged_with(sandbox, operation_id)
        assert {"instance", "image", "snapshotgroup", "snapshot", "vswitch"} <= set(
            created.values()
        )

        # The journal is deleted while no server runs: the next one starts with an empty one.
        for path in (tmp_path / "state").glob(f"{JOURNAL_FILE}*"):
            path.unlink()
        async with mcp_session_on(sandbox, tmp_path, "second") as (second, _):
            assert (await second.call("list_operations"))["operations"] == []
            found = await second.call("find_orphans", {"region_id": REGION})
            (orphan,) = found["operations"]
            assert orphan["operation_id"] == operation_id
            assert orphan["region_id"] == REGION
            rows = {r["resource_id"]: r for r in orphan["resources"]}
            assert set(rows) == set(created)
            assert {r["source_instance"] for r in rows.values()} == {DB_INSTANCE}
            assert {r["drill"] for r in rows.values()} == {"true"}
            assert all(r["status"] for r in rows.values()), rows
            assert DB_INSTANCE not in rows and not set(rows) & set(source_before["disks"])

            # An instance launched since into the drill's VSwitch keeps it there.
            (vswitch_id,) = [rid for rid, kind in created.items() if kind == "vswitch"]
            ecs = sdk_client(
                SandboxHandle(
                    sandbox.endpoint, SANDBOX_KEY_ID, SANDBOX_KEY_SECRET, REGION, VirtualClock()
                )
            )
            squatter = run(ecs, zone_id=NO_VSWITCH_ZONE, v_switch_id=vswitch_id)
            # Asked first, naming every resource to delete; the VSwitch stays, with its reason.
            asked = await second.call("cleanup_recovery", {"operation_id": operation_id})
            assert asked["status"] == "needs_decision", asked
            (prompt,) = asked["decisions"]
            assert prompt["decision_id"].startswith("confirm_cleanup_")
            # The DR instance's disks go with it; the rest is named one by one.
            doomed = {rid for rid, kind in created.items() if kind not in ("vswitch", "disk")}
            assert set(prompt["context"]["parameters"]) == doomed
            assert all(rid in prompt["question"] for rid in doomed)
            (dr_row,) = [r for r in asked["rows"] if r["kind"] == "instance"]
            assert all(rid in dr_row["reason"] for rid, kind in created.items() if kind == "disk")
            assert {r["resource_id"] for r in asked["left"]} == {
                rid for rid, kind in created.items() if kind == "vswitch"
            }
            assert squatter in asked["left"][0]["reason"]
            assert DB_INSTANCE in asked["protected"]
            assert set(source_before["disks"]) <= set(asked["protected"])
            assert tagged_with(sandbox, operation_id) == created

            decisions = {prompt["decision_id"]: "delete"}
            cleaned = await finished(
                second,
                await second.call(
                    "cleanup_recovery", {"operation_id": operation_id, "decisions": decisions}
                ),
            )
            assert cleaned["status"] == "completed", cleaned
            left = inventory(sandbox)
            for rid, kind in created.items():
                held = {
                    "instance": "instances",
                    "image": "images",
                    "disk": "disks",
                    "snapshotgroup": "snapshot_groups",
                    "snapshot": "snapshots",
                    "vswitch": "vswitches",
                }[kind]
                assert (rid in left[held]) == (kind == "vswitch"), (rid, kind)
            assert source_of(sandbox) == source_before

            # The cleanup is journaled: it can be followed, and it does not run twice.
            listed = (await second.call("list_operations"))["operations"]
            (record,) = listed
            assert record["kind"] == "cleanup_recovery" and record["status"] == "completed"
            again = await second.fail("cleanup_recovery", {"operation_id": operation_id})
            assert "cleaned up already" in again and record["operation_id"] in again
            still = (await second.call("find_orphans", {"region_id": REGION}))["operations"]
            (remaining,) = still
            assert remaining["cleanup_operation_id"] == record["operation_id"]
            assert {r["kind"] for r in remaining["resources"]} == {"vswitch"}

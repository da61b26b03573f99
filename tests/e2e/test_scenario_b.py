"""Scenario B end to end: an MCP client over stdio copies a disk of a source onto an existing
instance through `ecs-dr-mcp serve --sandbox`; the sandbox's state and requests log show what
reached the cloud."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ecs_dr.sandbox.control import SandboxControl
from tests.support.decisions import decide
from tests.support.demo_world import (
    DB_INSTANCE,
    DB_LOG,
    ENTRY_DATA,
    IN_DEMO_ACCOUNT,
    REGION,
    STOPPED_INSTANCE,
    TARGET_INSTANCE,
)
from tests.support.mcp import Elicitations, assert_session_user_agent, mcp_session, recommended

OS_COMMANDS = ("mount ", "mkfs", "fdisk", "lsblk", "parted", "diskpart", "fstab", "sudo")


def region_state(sandbox: SandboxControl) -> dict[str, Any]:
    return dict(sandbox.state()["regions"][REGION])


def disks_of(state: dict[str, Any], instance_id: str) -> dict[str, dict[str, Any]]:
    return {d["device"]: d for d in state["disks"].values() if d["instance_id"] == instance_id}


async def test_a_data_disk_is_copied_onto_an_instance_in_another_zone_and_attached(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        snapshot, _ = await decide(served, "create_snapshot", {"disk_id": DB_LOG})
        assert snapshot["status"] == "completed", snapshot
        assert snapshot["result"]["zone_redundant"] is True

        arguments = {"snapshot_id": snapshot["snapshot_id"], "target_instance_id": TARGET_INSTANCE}
        first = await served.call("create_disk_from_snapshot", arguments)
        assert first["status"] == "needs_decision"
        (confirm,) = first["decisions"]
        assert confirm["decision_id"].startswith("confirm_CreateDisk_")
        assert confirm["context"]["parameters"] == {
            "RegionId": REGION,
            "ZoneId": "cn-hangzhou-i",
            "SnapshotId": snapshot["snapshot_id"],
            "DiskCategory": "cloud_essd",
            "Size": 500,
            "PerformanceLevel": "PL2",
            "DiskName": "recovery-prod-db-01-wal",
        }
        assert "CreateDisk" not in served.sandbox.actions()

        created, _ = await decide(served, "create_disk_from_snapshot", arguments)
        assert created["status"] == "completed", created
        disk_id = created["disk_id"]
        assert created["zone_id"] == "cn-hangzhou-i"
        assert created["next_step"].startswith("attach_disk(")

        attached, asked = await decide(
            served, "attach_disk", {"disk_id": disk_id, "target_instance_id": TARGET_INSTANCE}
        )
        assert [p["decision_id"].startswith("confirm_AttachDisk_") for p in asked] == [True]
        assert asked[0]["context"]["parameters"] == {
            "InstanceId": TARGET_INSTANCE,
            "DiskId": disk_id,
        }
        assert attached["status"] == "completed", attached
        assert attached["device"] == "/dev/xvdb"
        assert [(r["device"], r["new"]) for r in attached["result"]["layout"]] == [
            ("/dev/xvda", False),
            ("/dev/xvdb", True),
        ]
        assert f"| /dev/xvdb | {disk_id} | data | cloud\\_essd | 500 | PL2 | In\\_use |" in (
            attached.text
        )
        assert "mounted" in attached["result"]["reminder"]
        assert not any(c in attached.text for c in OS_COMMANDS)

        state = region_state(served.sandbox)
        target = disks_of(state, TARGET_INSTANCE)
        assert sorted(target) == ["/dev/xvda", "/dev/xvdb"]
        copy = target["/dev/xvdb"]
        assert copy["disk_id"] == disk_id
        assert (copy["category"], copy["size"], copy["performance_level"]) == (
            "cloud_essd",
            500,
            "PL2",
        )
        assert (copy["zone_id"], copy["status"]) == ("cn-hangzhou-i", "In_use")
        source = state["disks"][DB_LOG]
        assert (source["instance_id"], source["zone_id"]) == (DB_INSTANCE, "cn-hangzhou-h")
        (sent,) = served.sandbox.calls("CreateDisk")
        assert sent["PerformanceLevel"] == "PL2" and "InstanceId" not in sent
        assert served.sandbox.actions().count("AttachDisk") == 1
        assert_session_user_agent(served.sandbox)


async def test_an_unoffered_category_is_chosen_by_the_user_and_a_stopped_target_takes_it(
    tmp_path: Path,
) -> None:
    forms = Elicitations(recommended)
    async with mcp_session(tmp_path, elicitation=forms) as served:
        snapshot = await served.call("create_snapshot", {"disk_id": ENTRY_DATA})
        created = await served.call(
            "create_disk_from_snapshot",
            {"snapshot_id": snapshot["snapshot_id"], "target_instance_id": STOPPED_INSTANCE},
        )
        assert created["status"] == "completed", created
        attached = await served.call(
            "attach_disk", {"disk_id": created["disk_id"], "target_instance_id": STOPPED_INSTANCE}
        )
        assert attached["status"] == "completed", attached

        asked = [f.message.splitlines()[0] for f in forms.seen]
        assert asked[0].startswith(f"{IN_DEMO_ACCOUNT}CreateSnapshot will be called")
        assert "offers no cloud_essd_entry disks" in asked[1]
        assert asked[2].startswith(f"{IN_DEMO_ACCOUNT}CreateDisk will be called")
        assert "DiskCategory: cloud_essd" in forms.seen[2].message
        assert "PerformanceLevel: PL1" in forms.seen[2].message
        assert asked[3].startswith(f"{IN_DEMO_ACCOUNT}AttachDisk will be called")

        state = region_state(served.sandbox)
        assert state["instances"][STOPPED_INSTANCE]["status"] == "Stopped"
        copy = disks_of(state, STOPPED_INSTANCE)["/dev/xvdb"]
        assert (copy["category"], copy["size"], copy["performance_level"]) == (
            "cloud_essd",
            100,
            "PL1",
        )
        assert (copy["zone_id"], copy["status"]) == ("cn-hangzhou-l", "In_use")
        assert_session_user_agent(served.sandbox)

"""Recovery points end to end: create_recovery_point and list_recovery_points through the MCP
client on the sandbox. (The sandbox models no automatic snapshot policy: every snapshot it
lists is SnapshotType user; the rule telling a policy's apart is unit-tested.)"""

from __future__ import annotations

from pathlib import Path

from ecs_dr.domain.recovery_points import TAG_RECOVERY_POINT, TAG_TAKEN_AT
from tests.support.decisions import decide
from tests.support.demo_world import DB_INSTANCE, WEB_INSTANCE
from tests.support.mcp import mcp_session

CREATES = ("Create", "Run", "Attach")


def _tags(call: dict[str, str]) -> dict[str, str]:
    keys = {k: v for k, v in call.items() if k.startswith("Tag.") and k.endswith(".Key")}
    return {v: call[k.removesuffix("Key") + "Value"] for k, v in keys.items()}


async def test_a_group_point_is_tagged_zone_redundant_listed_and_misses_a_disk_added_later(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        first = await served.call("create_recovery_point", {"instance_id": DB_INSTANCE})
        assert first["status"] == "needs_decision"
        (confirm,) = first["decisions"]
        assert confirm["decision_id"].startswith("confirm_CreateSnapshotGroup_")
        assert "Snapshot capacity: at most" in confirm["question"]
        assert "upper bound" in confirm["question"]
        assert confirm["context"]["parameters"]["InstanceId"] == DB_INSTANCE
        assert not [a for a in served.sandbox.actions() if a.startswith(CREATES)]

        point, _ = await decide(served, "create_recovery_point", {"instance_id": DB_INSTANCE})
        assert point["status"] == "completed", point
        result = point["result"]
        assert point["point_id"] == result["snapshot_group_id"]
        assert result["kind"] == "group" and result["crash_consistent"] is True
        assert all(s["zone_redundant"] for s in result["snapshots"])
        assert sorted(result["fingerprint"]["source_disks"]) == sorted(
            s["disk_id"] for s in result["snapshots"]
        )
        (group_call,) = served.sandbox.calls("CreateSnapshotGroup")
        tags = _tags(group_call)
        assert tags[TAG_RECOVERY_POINT] == DB_INSTANCE and TAG_TAKEN_AT in tags

        listed = await served.call("list_recovery_points", {"instance_id": DB_INSTANCE})
        newest = listed["points"][0]
        assert (newest["point_id"], newest["kind"], newest["origin"]) == (
            point["point_id"],
            "group",
            "this server",
        )
        assert newest["zone_redundant"] and newest["crash_consistent"]
        assert newest["missing_disks"] == []
        assert f"| {point['point_id']} | group |" in listed.text

        data = next(s for s in result["snapshots"] if s["kind"] == "data")
        disk, _ = await decide(
            served,
            "create_disk_from_snapshot",
            {"snapshot_id": data["snapshot_id"], "target_instance_id": DB_INSTANCE},
        )
        attached, _ = await decide(
            served, "attach_disk", {"disk_id": disk["disk_id"], "target_instance_id": DB_INSTANCE}
        )
        assert attached["status"] == "completed", attached

        again = await served.call("list_recovery_points", {"instance_id": DB_INSTANCE})
        same = next(p for p in again["points"] if p["point_id"] == point["point_id"])
        assert same["missing_disks"] == [disk["disk_id"]]
        assert f"missing {disk['disk_id']}" in again.text


async def test_an_image_point_of_a_one_disk_source_is_listed_first_ready_for_run_instances(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        arguments = {"instance_id": WEB_INSTANCE, "image": True}
        first = await served.call("create_recovery_point", arguments)
        (confirm,) = first["decisions"]
        assert confirm["decision_id"].startswith("confirm_CreateSnapshot_")
        assert "CreateImage" in confirm["question"]
        assert "image quota is not checked" in confirm["question"]
        without_image = await served.call("create_recovery_point", {"instance_id": WEB_INSTANCE})
        assert without_image["decisions"][0]["decision_id"] != confirm["decision_id"]

        point, _ = await decide(served, "create_recovery_point", arguments)
        assert point["status"] == "completed", point
        assert point["point_id"].startswith("m-")
        assert point["result"]["kind"] == "image"
        assert "CreateSnapshotGroup" not in served.sandbox.actions()
        (image_call,) = served.sandbox.calls("CreateImage")
        assert _tags(image_call)[TAG_RECOVERY_POINT] == WEB_INSTANCE

        listed = await served.call("list_recovery_points", {"instance_id": WEB_INSTANCE})
        kinds = [(p["kind"], p["origin"]) for p in listed["points"]]
        assert kinds[:2] == [("image", "this server"), ("snapshots", "this server")]
        image = listed["points"][0]
        assert image["point_id"] == point["point_id"]
        assert image["zone_redundant"] and image["crash_consistent"]
        assert image["missing_disks"] == [] and len(image["disks"]) == 1

"""Scenario A end to end: an MCP client over stdio drives `ecs-dr-mcp serve --sandbox`, then
the sandbox's state and requests log show what reached the cloud."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ecs_dr.sandbox.control import SandboxControl
from tests.support.decisions import decide
from tests.support.demo_world import (
    DB_INSTANCE,
    IN_DEMO_ACCOUNT,
    LEGACY_INSTANCE,
    NO_VSWITCH_ZONE,
    PROD_VPC,
    REGION,
    TARGET_ZONE,
    WEB_INSTANCE,
)
from tests.support.mcp import (
    Elicitations,
    assert_session_user_agent,
    decline,
    mcp_session,
    recommended,
)
from tests.support.recoveries import snapshot_and_image

NO_G7_STOCK = "cn-hangzhou-k"
CREATES = ("Create", "Run", "Allocate", "Attach", "Modify", "Delete", "Stop", "Reboot")


def region_state(sandbox: SandboxControl) -> dict[str, Any]:
    return dict(sandbox.state()["regions"][REGION])


def disks_of(state: dict[str, Any], instance_id: str) -> dict[str, dict[str, Any]]:
    return {d["device"]: d for d in state["disks"].values() if d["instance_id"] == instance_id}


def mutations(sandbox: SandboxControl) -> list[str]:
    return [a for a in sandbox.actions() if a.startswith(CREATES)]


def assert_source_untouched(sandbox: SandboxControl, source_id: str) -> None:
    """No request named the source in a call that changes it (snapshots only read it)."""
    for record in sandbox.requests():
        changes = record["action"].startswith(("Modify", "Delete", "Stop", "Reboot", "Detach"))
        assert not (changes and source_id in str(record["parameters"])), record


def assert_disks_kept(state: dict[str, Any], source_id: str, dr_id: str) -> None:
    source, dr = disks_of(state, source_id), disks_of(state, dr_id)
    assert sorted(dr) == sorted(source)
    for device, disk in source.items():
        copy = dr[device]
        assert (copy["category"], copy["size"], copy["performance_level"]) == (
            disk["category"],
            disk["size"],
            disk["performance_level"],
        ), device


async def test_multi_disk_source_without_public_ip_recovers_with_every_disk_and_no_bandwidth(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        source = await served.call("describe_source", {"instance_id": DB_INSTANCE})
        assert source["snapshot_strategy"] == "snapshot_group"
        assert source["has_public_ip"] is False

        first = await served.call("create_snapshot_group", {"instance_id": DB_INSTANCE})
        assert first["status"] == "needs_decision"
        (confirm,) = first["decisions"]
        assert confirm["decision_id"].startswith("confirm_CreateSnapshotGroup_")
        assert confirm["context"]["parameters"]["InstanceId"] == DB_INSTANCE
        assert mutations(served.sandbox) == []  # nothing before the confirmation

        group, _ = await decide(served, "create_snapshot_group", {"instance_id": DB_INSTANCE})
        snapshots = group["result"]["snapshots"]
        assert [s["device"] for s in snapshots] == ["/dev/xvda", "/dev/xvdb", "/dev/xvdc"]
        assert all(s["zone_redundant"] and s["zone_redundant_at"] for s in snapshots)
        assert group["result"]["crash_consistent"] is True

        image, _ = await decide(
            served,
            "create_full_image",
            {"instance_id": DB_INSTANCE, "snapshot_group_id": group["snapshot_group_id"]},
        )
        assert [m["device"] for m in image["result"]["mappings"]] == [
            "/dev/xvda",
            "/dev/xvdb",
            "/dev/xvdc",
        ]
        dr, asked = await decide(
            served,
            "run_dr_instance",
            {
                "instance_id": DB_INSTANCE,
                "image_id": image["image_id"],
                "target_zone_id": TARGET_ZONE,
            },
        )
        assert [p["decision_id"].startswith("confirm_RunInstances_") for p in asked] == [True]
        assert dr["status"] == "completed", dr
        assert dr["result"]["all_match"] is True
        assert "| Disk /dev/xvdc performance level | PL2 | PL2 | yes |" in dr.text

        state = region_state(served.sandbox)
        instance = state["instances"][dr["dr_instance_id"]]
        assert instance["instance_name"] == "recovery-prod-db-01"
        assert instance["zone_id"] == TARGET_ZONE
        assert instance["internet_max_bandwidth_out"] == 0
        assert not instance["public_ip"]
        assert_disks_kept(state, DB_INSTANCE, dr["dr_instance_id"])

        (run,) = served.sandbox.calls("RunInstances")
        assert run["InternetMaxBandwidthOut"] == "0"
        assert run["SystemDisk.PerformanceLevel"] == "PL0"
        assert {run["DataDisk.1.Device"], run["DataDisk.2.Device"]} == {"/dev/xvdb", "/dev/xvdc"}
        assert not [k for k in run if k.startswith("DataDisk.") and k.endswith("SnapshotId")]
        assert mutations(served.sandbox).count("CreateSnapshotGroup") == 1
        assert "CreateSnapshot" not in served.sandbox.actions()
        assert_source_untouched(served.sandbox, DB_INSTANCE)
        assert_session_user_agent(served.sandbox)


async def test_single_disk_source_with_public_ip_recovers_through_elicitation(
    tmp_path: Path,
) -> None:
    forms = Elicitations(recommended)
    async with mcp_session(tmp_path, elicitation=forms) as served:
        source = await served.call("describe_source", {"instance_id": WEB_INSTANCE})
        assert source["snapshot_strategy"] == "single_snapshot"
        system = source["instance"]["disks"][0]["disk_id"]

        snapshot = await served.call("create_snapshot", {"disk_id": system})
        assert snapshot["status"] == "completed", snapshot
        assert snapshot["result"]["zone_redundant"] is True
        image = await served.call(
            "create_full_image",
            {"instance_id": WEB_INSTANCE, "snapshot_id": snapshot["snapshot_id"]},
        )
        assert [m["device"] for m in image["result"]["mappings"]] == ["/dev/xvda"]
        dr = await served.call(
            "run_dr_instance",
            {
                "instance_id": WEB_INSTANCE,
                "image_id": image["image_id"],
                "target_zone_id": TARGET_ZONE,
            },
        )
        assert dr["status"] == "completed", dr

        # One confirmation form per create, each showing the exact parameters.
        assert [f.message.removeprefix(IN_DEMO_ACCOUNT).split()[0] for f in forms.seen] == [
            "CreateSnapshot",
            "CreateImage",
            "RunInstances",
        ]
        assert "InternetMaxBandwidthOut: 5" in forms.seen[-1].message

        state = region_state(served.sandbox)
        instance = state["instances"][dr["dr_instance_id"]]
        assert instance["internet_max_bandwidth_out"] == 5
        assert instance["public_ip"]
        assert_disks_kept(state, WEB_INSTANCE, dr["dr_instance_id"])
        (run,) = served.sandbox.calls("RunInstances")
        assert run["SystemDisk.PerformanceLevel"] == "PL1"
        assert run["InternetMaxBandwidthOut"] == "5"
        assert_source_untouched(served.sandbox, WEB_INSTANCE)
        assert_session_user_agent(served.sandbox)


async def test_zone_without_vswitch_creates_one_when_the_user_chooses_it_on_the_2026_protocol(
    tmp_path: Path,
) -> None:
    forms = Elicitations(recommended)
    async with mcp_session(tmp_path, elicitation=forms, mode="auto") as served:
        assert served.client.protocol_version == "2026-07-28"
        check = await served.call(
            "check_target_zone", {"instance_id": DB_INSTANCE, "target_zone_id": NO_VSWITCH_ZONE}
        )
        assert check["status"] == "needs_decision"
        (prompt,) = check["decisions"]
        assert prompt["decision_id"] == f"vswitch_{NO_VSWITCH_ZONE}"
        assert prompt["options"][0]["value"] == "create_vswitch"

        image_id = await snapshot_and_image(served, DB_INSTANCE)
        dr = await served.call(
            "run_dr_instance",
            {"instance_id": DB_INSTANCE, "image_id": image_id, "target_zone_id": NO_VSWITCH_ZONE},
        )
        assert dr["status"] == "completed", dr
        asked = [f.message.splitlines()[0] for f in forms.seen]
        assert asked[-2].startswith("The VPC vpc-bp1prod0000000000001 has no VSwitch")
        assert asked[-1].startswith(f"{IN_DEMO_ACCOUNT}RunInstances will be called")

        state = region_state(served.sandbox)
        created = dr["result"]["created_vswitch_id"]
        vswitch = state["vswitches"][created]
        assert (vswitch["vpc_id"], vswitch["zone_id"]) == (
            PROD_VPC,
            NO_VSWITCH_ZONE,
        )
        taken = {v["cidr_block"] for k, v in state["vswitches"].items() if k != created}
        assert vswitch["cidr_block"] not in taken
        assert state["instances"][dr["dr_instance_id"]]["vswitch_id"] == created
        actions = served.sandbox.actions()
        assert actions.index("CreateVSwitch") < actions.index("RunInstances")
        assert_disks_kept(state, DB_INSTANCE, dr["dr_instance_id"])
        assert_session_user_agent(served.sandbox)


async def test_zone_out_of_stock_uses_the_similar_type_the_user_chose(tmp_path: Path) -> None:
    async with mcp_session(tmp_path) as served:
        image_id = await snapshot_and_image(served, DB_INSTANCE)
        arguments = {
            "instance_id": DB_INSTANCE,
            "image_id": image_id,
            "target_zone_id": NO_G7_STOCK,
        }
        first = await served.call("run_dr_instance", arguments)
        assert first["status"] == "needs_decision"
        (prompt,) = first["decisions"]
        assert prompt["decision_id"] == f"instance_type_{NO_G7_STOCK}"
        assert prompt["options"][0]["value"] == "type:ecs.g6.large"  # same vCPU and memory
        assert "RunInstances" not in served.sandbox.actions()

        dr, _ = await decide(served, "run_dr_instance", arguments)
        assert dr["status"] == "completed", dr
        state = region_state(served.sandbox)
        assert state["instances"][dr["dr_instance_id"]]["instance_type"] == "ecs.g6.large"
        (run,) = served.sandbox.calls("RunInstances")
        assert run["InstanceType"] == "ecs.g6.large"
        assert_disks_kept(state, DB_INSTANCE, dr["dr_instance_id"])
        assert_session_user_agent(served.sandbox)


async def test_non_essd_data_disk_takes_per_disk_snapshots_only_after_the_user_agrees(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        source = await served.call("describe_source", {"instance_id": LEGACY_INSTANCE})
        assert source["snapshot_strategy"] == "per_disk_snapshots"

        first = await served.call("create_snapshot_group", {"instance_id": LEGACY_INSTANCE})
        (prompt,) = first["decisions"]
        assert prompt["decision_id"] == "snapshot_strategy"
        assert "NOT crash-consistent" in prompt["options"][0]["description"]

        snapshots, asked = await decide(
            served, "create_snapshot_group", {"instance_id": LEGACY_INSTANCE}
        )
        assert [p["decision_id"].split("_")[0] for p in asked] == ["snapshot", "confirm"]
        assert snapshots["result"]["strategy"] == "per_disk_snapshots"
        assert snapshots["result"]["crash_consistent"] is False
        assert "snapshot_group_id" not in snapshots  # None is left out
        actions = served.sandbox.actions()
        assert "CreateSnapshotGroup" not in actions
        assert actions.count("CreateSnapshot") == 2

        image, _ = await decide(
            served,
            "create_full_image",
            {"instance_id": LEGACY_INSTANCE, "snapshot_ids": snapshots["snapshot_ids"]},
        )
        dr, _ = await decide(
            served,
            "run_dr_instance",
            {
                "instance_id": LEGACY_INSTANCE,
                "image_id": image["image_id"],
                "target_zone_id": TARGET_ZONE,
            },
        )
        assert dr["status"] == "completed", dr
        state = region_state(served.sandbox)
        assert_disks_kept(state, LEGACY_INSTANCE, dr["dr_instance_id"])
        (run,) = served.sandbox.calls("RunInstances")
        assert run["DataDisk.1.Category"] == "cloud_efficiency"
        assert "DataDisk.1.PerformanceLevel" not in run
        assert_session_user_agent(served.sandbox)


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_declining_the_form_creates_nothing(tmp_path: Path, mode: str) -> None:
    forms = Elicitations(decline)
    async with mcp_session(tmp_path, elicitation=forms, mode=mode) as served:
        result = await served.call("create_snapshot_group", {"instance_id": DB_INSTANCE})
        assert result["status"] == "cancelled"
        assert len(forms.seen) == 1
        assert mutations(served.sandbox) == []


async def test_answering_cancel_creates_nothing(tmp_path: Path) -> None:
    async with mcp_session(tmp_path) as served:
        result, _ = await decide(
            served,
            "create_snapshot_group",
            {"instance_id": DB_INSTANCE},
            choose=lambda prompt: "cancel",
        )
        assert result["status"] == "cancelled"
        assert mutations(served.sandbox) == []


async def test_a_call_outliving_the_bounded_wait_returns_in_progress_and_wait_operation_finishes_it(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path, env={"ECS_DR_MAX_CALL_WAIT_S": "0.05"}) as served:
        first, _ = await decide(served, "create_snapshot_group", {"instance_id": DB_INSTANCE})
        assert first["status"] == "in_progress"
        operation_id = first["operation_id"]
        assert "wait_operation" in first["next_step"]

        done: dict[str, Any] = first
        for _ in range(200):
            done = await served.call("wait_operation", {"operation_id": operation_id})
            if done["status"] != "in_progress":
                break
        assert done["status"] == "completed", done
        assert done["result"]["snapshot_group_id"]
        # It ends as create_snapshot_group would have: with the next call.
        assert done["operation_id"] == operation_id
        assert done["next_step"].startswith(f"create_full_image(instance_id={DB_INSTANCE!r}")

        record = await served.call("get_operation", {"operation_id": operation_id})
        (step,) = record["operation"]["steps"]
        assert step["resource_id"] == done["result"]["snapshot_group_id"]
        listed = await served.call("list_operations")
        assert [o["operation_id"] for o in listed["operations"]] == [operation_id]


async def test_an_image_that_fails_to_build_ends_failed_with_the_clouds_reason(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        group, _ = await decide(served, "create_snapshot_group", {"instance_id": DB_INSTANCE})
        served.sandbox.add_fault(
            {"kind": "outcome", "action": "CreateImage", "status": "CreateFailed"}
        )
        image, _ = await decide(
            served,
            "create_full_image",
            {"instance_id": DB_INSTANCE, "snapshot_group_id": group["snapshot_group_id"]},
        )
        assert image["status"] == "failed"
        assert "CreateFailed" in image["error"]
        assert "get_operation" in image["next_step"]
        record = await served.call("get_operation", {"operation_id": image["operation_id"]})
        assert record["status"] == "failed"
        (step,) = record["operation"]["steps"]
        assert step["action"] == "CreateImage" and step["resource_id"]


async def test_a_refused_create_is_a_clear_failure_with_ecs_code_and_request_id(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        served.sandbox.add_fault(
            {"kind": "error", "action": "CreateSnapshotGroup", "code": "QuotaExceed.Snapshot"}
        )
        group, _ = await decide(served, "create_snapshot_group", {"instance_id": DB_INSTANCE})
        assert group["status"] == "failed"
        assert "QuotaExceed.Snapshot" in group["error"]
        assert "RequestId" in group["error"]
        assert "Traceback" not in group["error"]

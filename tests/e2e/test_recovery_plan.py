"""plan_recovery and execute_recovery end to end, through the `mcp` client over stdio: a plan
makes no mutating call; its execution copies k disks concurrently onto an existing instance;
bad plans and second executions are refused and create nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ecs_dr.sandbox.control import SandboxControl
from tests.support.decisions import confirmed, decide
from tests.support.demo_world import (
    DB_DATA,
    DB_INSTANCE,
    DB_LOG,
    DB_SYSTEM,
    ENTRY_INSTANCE,
    IN_DEMO_ACCOUNT,
    REGION,
    SHANGHAI_INSTANCE,
    STOPPED_INSTANCE,
    TARGET_INSTANCE,
)
from tests.support.markdown_tables import table_headed
from tests.support.mcp import (
    Elicitations,
    Session,
    assert_session_user_agent,
    mcp_session,
    recommended,
)

MUTATING = ("Create", "Attach", "Run", "Delete", "Tag")
# The fastest snapshot upload takes 30 cloud seconds; a whole k-disk recovery done in sequence
# would take the sum of every upload.
SNAPSHOT_BASE_S = 30.0


def mutations(sandbox: SandboxControl) -> list[str]:
    return [a for a in sandbox.actions() if a.startswith(MUTATING)]


def disks_of(sandbox: SandboxControl, instance_id: str) -> dict[str, dict[str, Any]]:
    state = sandbox.state()["regions"][REGION]
    return {d["device"]: d for d in state["disks"].values() if d["instance_id"] == instance_id}


async def plan(served: Session, **arguments: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """plan_recovery, each decision answered with the recommended option."""
    return await decide(served, "plan_recovery", {"scenario": "disks", **arguments})


async def test_two_data_disks_are_planned_then_copied_concurrently_into_another_zone(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        planned, asked = await plan(
            served, source_instance_id=DB_INSTANCE, target_instance_id=TARGET_INSTANCE
        )
        assert [p["decision_id"] for p in asked] == [f"disks_{DB_INSTANCE}"]
        assert asked[0]["multi_select"]
        assert [o["value"] for o in asked[0]["options"]] == [f"disk:{DB_DATA}", f"disk:{DB_LOG}"]
        assert planned["status"] == "completed", planned
        plan_id = planned["plan_id"]
        assert [s["action"] for s in planned["steps"]] == [
            "CreateSnapshot",
            "CreateSnapshot",
            "CreateDisk",
            "CreateDisk",
            "AttachDisk",
            "AttachDisk",
        ]
        for step in planned["steps"][2:4]:
            parameters = step["parameters"]
            assert parameters["ZoneId"] == "cn-hangzhou-i"
            assert parameters["PerformanceLevel"] in ("PL1", "PL2")
        assert planned["preflight"]["cross_zone"] is True
        assert planned["estimated_duration_s"] > 0
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
        rows = done["result"]["rows"]
        assert [(r["source_disk_id"], r["target_device"]) for r in rows] == [
            (DB_DATA, "/dev/xvdb"),
            (DB_LOG, "/dev/xvdc"),
        ]
        assert [(r["category"], r["size_gib"], r["performance_level"]) for r in rows] == [
            ("cloud_essd", 100, "PL1"),
            ("cloud_essd", 500, "PL2"),
        ]
        layout, summary = (table_headed(done.text, h) for h in ("Device", "Source disk"))
        assert "| /dev/xvdc |" in layout and DB_LOG in summary
        assert "mounted" in done["result"]["reminder"]

        target = disks_of(served.sandbox, TARGET_INSTANCE)
        assert sorted(target) == ["/dev/xvda", "/dev/xvdb", "/dev/xvdc"]
        assert {d["status"] for d in target.values()} == {"In_use"}
        assert target["/dev/xvdc"]["zone_id"] == "cn-hangzhou-i"

        # Concurrency from the requests log: every snapshot was sent before the first wait and
        # while the others were still uploading, and the disks waited for the slowest upload.
        requests = [r for r in served.sandbox.requests() if r["status"] == 200]
        snapshots = [r for r in requests if r["action"] == "CreateSnapshot"]
        disks = [r for r in requests if r["action"] == "CreateDisk"]
        waits = [r for r in requests if r["action"] == "DescribeSnapshots"]
        assert len(snapshots) == 2 and len(disks) == 2
        assert max(r["time"] for r in snapshots) <= min(r["time"] for r in waits)
        sent = [r["cloud_time"] for r in snapshots]
        spent = min(r["cloud_time"] for r in disks) - min(sent)
        uploads = [SNAPSHOT_BASE_S + 0.6 * 100, SNAPSHOT_BASE_S + 0.6 * 500]
        assert max(sent) - min(sent) < min(uploads)
        assert spent >= max(uploads)
        disk_waits = [r for r in requests if r["action"] == "DescribeDisks"]
        after_create = [r for r in disk_waits if r["time"] > min(d["time"] for d in disks)]
        assert max(r["time"] for r in disks) <= min(r["time"] for r in after_create)

        again = await served.fail("execute_recovery", {"plan_id": plan_id, "decisions": proceed})
        assert "was confirmed and executed as op-" in again
        assert served.sandbox.actions().count("CreateSnapshot") == 2
        assert_session_user_agent(served.sandbox)


async def test_the_system_disk_needs_its_own_yes_and_a_stopped_target_with_another_category(
    tmp_path: Path,
) -> None:
    forms = Elicitations(recommended)
    async with mcp_session(tmp_path, elicitation=forms) as served:
        system = await served.call(
            "plan_recovery",
            {
                "scenario": "disks",
                "source_instance_id": DB_INSTANCE,
                "target_instance_id": TARGET_INSTANCE,
                "disk_ids": [DB_SYSTEM],
            },
        )
        assert system["status"] == "completed", system
        assert "system disk" in forms.seen[0].message
        entry = await served.call(
            "plan_recovery",
            {
                "scenario": "disks",
                "source_instance_id": ENTRY_INSTANCE,
                "target_instance_id": STOPPED_INSTANCE,
            },
        )
        assert entry["status"] == "completed", entry
        assert "offers no cloud_essd_entry disks" in forms.seen[1].message
        assert entry["steps"][1]["parameters"]["DiskCategory"] == "cloud_essd"
        assert entry["preflight"]["target_status"] == "Stopped"
        assert mutations(served.sandbox) == []

        for planned in (system, entry):
            done = await served.call("execute_recovery", {"plan_id": planned["plan_id"]})
            assert done["status"] == "completed", done
        assert forms.seen[2].message.startswith(
            f"{IN_DEMO_ACCOUNT}{system['plan_id']} copies 1 disk(s)"
        )

        copy = disks_of(served.sandbox, TARGET_INSTANCE)["/dev/xvdb"]
        assert (copy["type"], copy["size"], copy["performance_level"]) == ("data", 40, "PL0")
        moved = disks_of(served.sandbox, STOPPED_INSTANCE)["/dev/xvdb"]
        assert (moved["category"], moved["zone_id"], moved["status"]) == (
            "cloud_essd",
            "cn-hangzhou-l",
            "In_use",
        )
        assert served.sandbox.state()["regions"][REGION]["instances"][STOPPED_INSTANCE][
            "status"
        ] == ("Stopped")


async def test_bad_plans_are_refused_with_clear_errors_and_nothing_is_created(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        base = {"scenario": "disks", "source_instance_id": DB_INSTANCE}
        stranger = await served.fail(
            "plan_recovery",
            {**base, "target_instance_id": TARGET_INSTANCE, "disk_ids": ["d-other"]},
        )
        assert f"d-other is not a disk of {DB_INSTANCE}" in stranger
        region = await served.fail(
            "plan_recovery", {**base, "target_instance_id": SHANGHAI_INSTANCE, "disk_ids": [DB_LOG]}
        )
        assert "is in cn-shanghai" in region and "cn-hangzhou" in region
        unknown = await served.fail("execute_recovery", {"plan_id": "plan-0000000000000000"})
        assert "unknown plan id" in unknown
        full = await served.client.call_tool(
            "plan_recovery",
            {**base, "scenario": "full_instance", "target_instance_id": TARGET_INSTANCE},
        )
        assert full.is_error
        assert mutations(served.sandbox) == []


async def test_a_plan_whose_target_changed_since_planning_is_refused(tmp_path: Path) -> None:
    async with mcp_session(tmp_path) as served:
        stale, _ = await plan(
            served,
            source_instance_id=DB_INSTANCE,
            target_instance_id=TARGET_INSTANCE,
            disk_ids=[DB_LOG],
        )
        # Another plan changes the target's layout: one more disk on dr-target-01.
        other, _ = await plan(
            served,
            source_instance_id=DB_INSTANCE,
            target_instance_id=TARGET_INSTANCE,
            disk_ids=[DB_DATA],
        )
        done = await served.call(
            "execute_recovery",
            await confirmed(served, "execute_recovery", {"plan_id": other["plan_id"]}),
        )
        assert done["status"] == "completed", done
        before = mutations(served.sandbox)

        # Asking reads nothing; the user's answer is checked against the cloud first.
        answered = await confirmed(served, "execute_recovery", {"plan_id": stale["plan_id"]})
        refused = await served.fail("execute_recovery", answered)
        assert "changed since" in refused and "Plan again (plan_recovery)" in refused
        assert "was added" in refused
        assert mutations(served.sandbox) == before


async def test_a_read_only_server_plans_but_does_not_execute(tmp_path: Path) -> None:
    async with mcp_session(tmp_path, read_only=True) as served:
        planned, _ = await plan(
            served,
            source_instance_id=DB_INSTANCE,
            target_instance_id=TARGET_INSTANCE,
            disk_ids=[DB_LOG],
        )
        assert planned["status"] == "completed", planned
        refused = await served.fail("execute_recovery", {"plan_id": planned["plan_id"]})
        assert "--read-only" in refused
        assert mutations(served.sandbox) == []

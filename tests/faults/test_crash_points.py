"""A recovery survives a SIGKILL of its server at any point: `resume_recovery` in a new server
process on the same journal finishes it, and the cloud ends with exactly what one
uninterrupted run creates (one snapshot group, one image, one VSwitch, one instance; or one
snapshot, disk and attach per copied disk) and the source untouched. Each kill point is a
row of the fault matrix's table (fault "SIGKILL of the server").

The sandbox runs as its own process (it must outlive the killed server), on a virtual clock
the test drives at about the test time scale: cloud time moves only when the test moves it, so
each kill lands where it is meant to. The clock stops as soon as the trigger request shows in
the requests log (at most one step after it landed; near a short wait, steps are small), so
the wait the server is in cannot end before the kill; each test also asserts that the next
step had not been answered when the kill landed. A create "in flight" is held by a sandbox
latency fault: the request reached ECS, the server died before the answer.

The servers are `ecs-dr-mcp serve` told that the cloud's time runs at the test time scale
(ECS_DR_CLOUD_TIME_SCALE), so their waits poll, and time out, that much faster and a recovery
takes about a second.
The second server starts while the first one runs, on the same journal; it only acts once
the first one was killed and reaped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ecs_dr.sandbox.control import SandboxControl
from tests.faults.crashes import assert_created_once, crash_and_resume, untouched
from tests.faults.kill_points import (
    CREATED_A,
    CREATED_B,
    SANDBOX_CODE,
    SCENARIO_A,
    SCENARIO_B,
    TOKENS_A,
    TOKENS_B,
    KillPoint,
)
from tests.faults.matrix import record as table_row
from tests.support.credentials import SANDBOX_KEY_ID, SANDBOX_KEY_SECRET
from tests.support.demo_world import DB_INSTANCE, NO_VSWITCH_ZONE, REGION, TARGET_INSTANCE
from tests.support.recoveries import inventory_of
from tests.support.sandboxes import sandbox_process


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxControl]:
    """One sandbox process for the module; every test starts from a reset world."""
    code = ["-c", SANDBOX_CODE, SANDBOX_KEY_ID, SANDBOX_KEY_SECRET]
    with sandbox_process(tmp_path_factory.mktemp("sandbox"), code) as control:
        yield control


@pytest.fixture
def sandbox(cloud: SandboxControl) -> SandboxControl:
    cloud.reset()
    return cloud


# --- the tests -----------------------------------------------------------------------------


@pytest.mark.parametrize("point", SCENARIO_A, ids=str)
async def test_a_full_instance_recovery_killed_at_any_point_is_resumed_without_duplicates(
    tmp_path: Path, sandbox: SandboxControl, point: KillPoint
) -> None:
    row = table_row("SIGKILL of the server", point.name, "A")
    crashed = await crash_and_resume(
        tmp_path,
        sandbox,
        {
            "scenario": "full_instance",
            "source_instance_id": DB_INSTANCE,
            "target_zone_id": NO_VSWITCH_ZONE,
        },
        point,
    )
    record = crashed.record

    state = assert_created_once(crashed, sandbox, point, CREATED_A, TOKENS_A)
    region = state["regions"][REGION]
    (dr,) = inventory_of(state)["instances"] - inventory_of(crashed.before)["instances"]
    instance = region["instances"][dr]
    assert (instance["status"], instance["zone_id"]) == ("Running", NO_VSWITCH_ZONE)
    (vswitch,) = inventory_of(state)["vswitches"] - inventory_of(crashed.before)["vswitches"]
    assert instance["vswitch_id"] == vswitch
    dr_disks = [d for d in region["disks"].values() if d["instance_id"] == dr]
    assert sorted(d["device"] for d in dr_disks) == ["/dev/xvda", "/dev/xvdb", "/dev/xvdc"]
    assert {d["status"] for d in dr_disks} == {"In_use"}
    assert untouched(state, DB_INSTANCE) == untouched(crashed.before, DB_INSTANCE)
    steps = {s["step"]: s["resource_id"] for s in record["steps"]}
    assert steps["run_instances"] == dr and steps["create_vswitch"] == vswitch
    assert all(steps.values()), steps
    # Every count and comparison of the row held (assert_created_once, untouched).
    row.outcome = "resumed-completed"


@pytest.mark.parametrize("point", SCENARIO_B, ids=str)
async def test_b_disk_recovery_killed_at_any_point_is_resumed_without_duplicates(
    tmp_path: Path, sandbox: SandboxControl, point: KillPoint
) -> None:
    row = table_row("SIGKILL of the server", point.name, "B")
    crashed = await crash_and_resume(
        tmp_path,
        sandbox,
        {
            "scenario": "disks",
            "source_instance_id": DB_INSTANCE,
            "target_instance_id": TARGET_INSTANCE,
        },
        point,
    )
    record = crashed.record

    state = assert_created_once(crashed, sandbox, point, CREATED_B, TOKENS_B)
    region = state["regions"][REGION]
    new_disks = inventory_of(state)["disks"] - inventory_of(crashed.before)["disks"]
    for disk_id in new_disks:
        disk = region["disks"][disk_id]
        assert (disk["instance_id"], disk["status"]) == (TARGET_INSTANCE, "In_use"), disk
    # Each new disk was attached once: AttachDisk has no ClientToken to make a retry harmless.
    attaches = [r for r in sandbox.requests() if r["action"] == "AttachDisk"]
    assert sorted(r["parameters"]["DiskId"] for r in attaches) == sorted(new_disks), attaches
    assert all(r["status"] == 200 for r in attaches), attaches
    assert sorted(
        d["device"] for d in region["disks"].values() if d["instance_id"] == TARGET_INSTANCE
    ) == ["/dev/xvda", "/dev/xvdb", "/dev/xvdc"]
    assert untouched(state, DB_INSTANCE) == untouched(crashed.before, DB_INSTANCE)
    # The target's own disks and its state did not change.
    target_before = untouched(crashed.before, TARGET_INSTANCE)
    target_now = untouched(state, TARGET_INSTANCE)
    assert target_now["instances"][TARGET_INSTANCE]["status"] == "Running"
    for disk_id, disk in target_before["disks"].items():
        assert target_now["disks"][disk_id] == disk
    assert all(s["resource_id"] for s in record["steps"]), record["steps"]
    # Every count and comparison of the row held (assert_created_once, untouched).
    row.outcome = "resumed-completed"

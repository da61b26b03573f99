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

import os
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest

from ecs_dr.sandbox.control import SandboxControl
from tests.faults.matrix import record as table_row
from tests.support.credentials import SANDBOX_KEY_ID, SANDBOX_KEY_SECRET
from tests.support.decisions import confirmed, decide
from tests.support.demo_world import DB_INSTANCE, NO_VSWITCH_ZONE, REGION, TARGET_INSTANCE
from tests.support.mcp import Session, child_pids, mcp_session_on
from tests.support.sandboxes import TEST_TIME_SCALE, sandbox_process

TAG_OPERATION = "ecs-dr:operation-id"
SERVER_MARK = "ecs-dr-test-server"  # in every test server's command line (serve_on)
KINDS = ("snapshot_groups", "snapshots", "images", "vswitches", "instances", "disks")
RESOURCE_TYPE = {
    "snapshot_groups": "snapshotgroup",
    "snapshots": "snapshot",
    "images": "image",
    "vswitches": "vswitch",
    "instances": "instance",
    "disks": "disk",
}
# One uninterrupted run of each scenario creates exactly these (prod-db-01 has three disks).
CREATED_A = {
    "snapshot_groups": 1,
    "snapshots": 3,
    "images": 1,
    "vswitches": 1,
    "instances": 1,
    "disks": 3,
}
CREATED_B = {
    "snapshot_groups": 0,
    "snapshots": 2,
    "images": 0,
    "vswitches": 0,
    "instances": 0,
    "disks": 2,
}
# Every create the scenario sends, and how many resources (ClientTokens) each makes.
TOKENS_A = {"CreateSnapshotGroup": 1, "CreateImage": 1, "CreateVSwitch": 1, "RunInstances": 1}
TOKENS_B = {"CreateSnapshot": 2, "CreateDisk": 2}

# Cloud time moves at most this much per step while a kill is pending: the shortest wait
# killed in (an attach: 5 cloud seconds) cannot finish between the trigger and the freeze.
CAREFUL_STEP_S = 1.0
FREE_STEP_S = 20.0
TICK_S = 0.002
PHASE_TIMEOUT_S = 30.0
# How long a create is held in flight by the sandbox, so the kill lands before its answer.
IN_FLIGHT_S = 0.8
# How long a held poll waits (KillPoint.hold).
HOLD_S = 0.5

# The sandbox on a virtual clock, in its own process (it must outlive the servers).
SANDBOX_CODE = """
import asyncio, sys, time
from ecs_dr.sandbox.app import create_sandbox
from ecs_dr.sandbox.clock import VirtualClock
from ecs_dr.sandbox.server import bind_loopback, uvicorn_server
sandbox = create_sandbox(sys.argv[1], sys.argv[2], clock=VirtualClock(time.time()))
sock = bind_loopback(0)
print(f"endpoint: 127.0.0.1:{sock.getsockname()[1]}", flush=True)
asyncio.run(uvicorn_server(sandbox).serve(sockets=[sock]))
"""
Requests = list[dict[str, Any]]
Trigger = Callable[[Requests], bool]


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


def server(
    workdir: Path, sandbox: SandboxControl, name: str
) -> AbstractAsyncContextManager[tuple[Session, int]]:
    """`ecs-dr-mcp serve` on the sandbox and `workdir`'s journal, and its pid."""
    # The sandbox's cloud runs faster than ECS: so may the calls.
    return mcp_session_on(
        sandbox, workdir, name, {"ECS_DR_MAX_CALL_WAIT_S": "0.05", "ECS_DR_MAX_QPS": "1000"}
    )


# --- the clock ---------------------------------------------------------------------------


async def drive_until(
    sandbox: SandboxControl,
    trigger: Callable[[Requests], Awaitable[bool]],
    careful_after: str = "",
) -> None:
    """Move cloud time on at about the test time scale until `trigger` holds on the requests
    log; from then on the clock stands still (nothing else moves it). Once ECS answered
    `careful_after`, time moves in small steps: a request landing just before a step gets at
    most one step of time before the trigger sees it."""
    last = time.monotonic()
    with anyio.fail_after(PHASE_TIMEOUT_S):
        while True:
            requests = sandbox.requests()
            if await trigger(requests):
                return
            careful = careful_after and answered(requests, careful_after)
            now = time.monotonic()
            step = CAREFUL_STEP_S if careful else FREE_STEP_S
            sandbox.advance_clock(min((now - last) * TEST_TIME_SCALE, step))
            last = now
            await anyio.sleep(TICK_S)


@asynccontextmanager
async def clock_running(sandbox: SandboxControl) -> AsyncIterator[None]:
    """Cloud time moves on in the background while the block runs."""

    async def never(requests: Requests) -> bool:
        return False

    async with anyio.create_task_group() as group:
        group.start_soon(drive_until, sandbox, never)
        try:
            yield
        finally:
            group.cancel_scope.cancel()


# --- kill points ---------------------------------------------------------------------------


def answered(requests: Requests, action: str) -> list[int]:
    """Where in the log ECS answered `action` successfully."""
    return [i for i, r in enumerate(requests) if r["action"] == action and r["status"] == 200]


def after(action: str, n: int = 1) -> Trigger:
    """Once ECS answered the n-th `action`."""
    return lambda requests: len(answered(requests, action)) >= n


def polling(action: str, poll: str, polls: int = 1, n: int = 1) -> Trigger:
    """Once the server polled `poll` `polls` times after ECS answered the n-th `action`: it is
    in the middle of that wait (the clock stops there, so the wait cannot end before the
    kill)."""

    def trigger(requests: Requests) -> bool:
        done = answered(requests, action)
        if len(done) < n:
            return False
        later = [r for r in requests[done[n - 1] + 1 :] if r["action"] == poll]
        return len(later) >= polls

    return trigger


@dataclass(frozen=True)
class KillPoint:
    name: str
    trigger: Trigger | None = None
    careful_after: str = ""
    """Cloud time moves in small steps once ECS answered this action: the short wait the
    kill lands in (a VSwitch, a disk, an attach) cannot end between the trigger and the
    freeze."""
    in_flight: str | None = None
    """A create action the sandbox holds: the kill lands after the request reached ECS and
    before its answer (or its id in the journal) reached the server."""
    step: str | None = None
    """The journal step of the `in_flight` create."""
    before: tuple[str, int] = ("", 1)
    """The kill lands before ECS answered the n-th of this action (the next step)."""
    hold: str | None = None
    """An action the sandbox holds from the start of the execution: the wait it begins
    cannot see its resource ready before the kill (for waits too short to stop by the
    clock). The run must not call it before the trigger."""

    def __str__(self) -> str:
        return self.name


SCENARIO_A = [
    KillPoint(
        "after_create_snapshot_group", after("CreateSnapshotGroup"), before=("CreateImage", 1)
    ),
    # The first DescribeSnapshotGroups after the create lists the snapshots to tag them.
    KillPoint(
        "mid_snapshot_wait",
        polling("CreateSnapshotGroup", "DescribeSnapshotGroups", 2),
        before=("CreateImage", 1),
    ),
    KillPoint("after_create_image", after("CreateImage"), before=("CreateVSwitch", 1)),
    KillPoint(
        "mid_image_wait", polling("CreateImage", "DescribeImages"), before=("CreateVSwitch", 1)
    ),
    KillPoint(
        "after_create_vswitch",
        after("CreateVSwitch"),
        before=("RunInstances", 1),
        hold="DescribeVSwitches",
    ),
    KillPoint(
        "after_run_instances",
        after("RunInstances"),
        before=("RunInstances", 2),
        careful_after="CreateVSwitch",
    ),
    KillPoint(
        "mid_instance_wait",
        polling("RunInstances", "DescribeInstances"),
        before=("RunInstances", 2),
        careful_after="CreateVSwitch",
    ),
    KillPoint(
        "run_instances_in_flight",
        in_flight="RunInstances",
        step="run_instances",
        before=("RunInstances", 1),
    ),
]
SCENARIO_B = [
    KillPoint("after_create_snapshots", after("CreateSnapshot", 2), before=("CreateDisk", 1)),
    KillPoint(
        "mid_snapshot_wait",
        polling("CreateSnapshot", "DescribeSnapshots", n=2),
        before=("CreateDisk", 1),
    ),
    KillPoint(
        "after_first_create_disk",
        after("CreateDisk"),
        before=("AttachDisk", 1),
        hold="DescribeDisks",
    ),
    KillPoint(
        "after_first_attach",
        after("AttachDisk"),
        before=("AttachDisk", 2),
        careful_after="CreateDisk",
    ),
    KillPoint(
        "mid_first_attach_wait",
        polling("AttachDisk", "DescribeDisks"),
        before=("AttachDisk", 2),
        careful_after="CreateDisk",
    ),
    KillPoint(
        "mid_second_attach_wait",
        polling("AttachDisk", "DescribeDisks", n=2),
        before=("AttachDisk", 3),
        careful_after="CreateDisk",
    ),
    KillPoint(
        "create_disk_in_flight",
        in_flight="CreateDisk",
        step="create_disk_xvdc",
        before=("AttachDisk", 1),
    ),
]


# --- the cloud, before and after -----------------------------------------------------------


def inventory(state: dict[str, Any]) -> dict[str, set[str]]:
    region = state["regions"][REGION]
    return {kind: set(region[kind]) for kind in KINDS}


def untouched(state: dict[str, Any], *instance_ids: str) -> dict[str, Any]:
    """The instances and the disks they had, as the sandbox holds them."""
    region = state["regions"][REGION]
    return {
        "instances": {i: region["instances"][i] for i in instance_ids},
        "disks": {k: v for k, v in region["disks"].items() if v["instance_id"] in instance_ids},
    }


def tagged(state: dict[str, Any], resource_type: str, op: str) -> set[str]:
    return {
        entry["resource_id"]
        for entry in state["regions"][REGION]["tags"]
        if entry["resource_type"] == resource_type and entry["tags"].get(TAG_OPERATION) == op
    }


def client_tokens(requests: Requests, action: str) -> set[str]:
    return {r["parameters"].get("ClientToken", "") for r in requests if r["action"] == action}


# --- one crash and its resumption ----------------------------------------------------------


@dataclass
class Crashed:
    operation_id: str
    before: dict[str, Any]
    """The sandbox's state before execute_recovery."""
    at_kill: Requests
    """The requests log when the server was killed."""
    record: dict[str, Any]
    """The operation as the journal holds it once resumed."""


async def crash(
    tmp_path: Path, sandbox: SandboxControl, plan_args: dict[str, Any], point: KillPoint
) -> tuple[str, dict[str, Any], Requests]:
    """Plan and execute a recovery in a first server and SIGKILL it at `point`; returns the
    operation id, the sandbox's state before execution and the requests log at the kill."""
    if point.in_flight is not None:
        sandbox.add_fault({"kind": "latency", "action": point.in_flight, "seconds": IN_FLIGHT_S})
    mark = f"{SERVER_MARK}-first"
    stack = AsyncExitStack()
    pid = None
    try:
        first, pid = await stack.enter_async_context(server(tmp_path, sandbox, "first"))
        planned, _ = await decide(first, "plan_recovery", plan_args)
        assert planned["status"] == "completed", planned
        before = sandbox.state()
        started = await first.call(
            "execute_recovery",
            await confirmed(first, "execute_recovery", {"plan_id": planned["plan_id"]}),
        )
        # The clock stands still: nothing can finish before the test moves it.
        assert started["status"] == "in_progress", started
        op = started["operation_id"]
        careful = point.careful_after
        if point.hold is not None:
            sandbox.add_fault({"kind": "latency", "action": point.hold, "seconds": HOLD_S})

        if point.in_flight is not None:

            async def sent(requests: Requests) -> bool:
                detail = await first.call("get_operation", {"operation_id": op})
                steps = {s["step"]: s for s in detail["operation"]["steps"]}
                return point.step in steps and steps[point.step]["resource_id"] is None

            await drive_until(sandbox, sent, careful)
            # The journal holds the intent; give the request time to reach the sandbox.
            await anyio.sleep(IN_FLIGHT_S / 4)
            assert not answered(sandbox.requests(), point.in_flight)
        else:
            trigger = point.trigger
            assert trigger is not None

            async def seen(requests: Requests) -> bool:
                return trigger(requests)

            await drive_until(sandbox, seen, careful)
        os.kill(pid, signal.SIGKILL)
        at_kill = sandbox.requests()
    finally:
        if pid is not None and child_pids(mark):
            os.kill(pid, signal.SIGKILL)
        with suppress(Exception):  # the client sees its server die
            await stack.aclose()
    action, n = point.before
    assert len(answered(at_kill, action)) < n, f"the kill landed after {action} #{n}"
    assert child_pids(mark) == []
    assert not await anyio.Path(f"/proc/{pid}").exists(), "the killed server was not reaped"

    if point.in_flight is not None:
        # The held create reached ECS and made its resource; nobody heard the answer.
        with anyio.fail_after(IN_FLIGHT_S * 5):
            while not answered(sandbox.requests(), point.in_flight):  # noqa: ASYNC110
                await anyio.sleep(0.02)
    sandbox.clear_faults()
    return op, before, at_kill


async def resume(second: Session, sandbox: SandboxControl, op: str) -> dict[str, Any]:
    """resume_recovery in the second server, followed until the operation ends; returns the
    operation as the journal holds it."""
    async with clock_running(sandbox):
        listed = await second.call("list_operations")
        (record,) = [o for o in listed["operations"] if o["operation_id"] == op]
        assert record["status"] == "running", record
        result = await second.call("resume_recovery", {"operation_id": op})
        assert result["operation_id"] == op, result
        with anyio.fail_after(PHASE_TIMEOUT_S):
            while result["status"] == "in_progress":
                result = await second.call("wait_operation", {"operation_id": op, "max_wait_s": 1})
    assert result["status"] == "completed", result
    again = await second.fail("resume_recovery", {"operation_id": op})
    assert "completed" in again
    detail = await second.call("get_operation", {"operation_id": op})
    return dict(detail["operation"])


async def crash_and_resume(
    tmp_path: Path, sandbox: SandboxControl, plan_args: dict[str, Any], point: KillPoint
) -> Crashed:
    """The first server killed at `point`; a second one, on the same journal and started
    meanwhile, resumes the operation to its end."""
    await anyio.Path(tmp_path / "state").mkdir(parents=True, exist_ok=True)
    crashed: anyio.Event = anyio.Event()
    outcome: dict[str, Any] = {}

    async def second_server() -> None:
        async with server(tmp_path, sandbox, "second") as (second, _):
            await crashed.wait()
            outcome["record"] = await resume(second, sandbox, outcome["op"])

    async with anyio.create_task_group() as group:
        group.start_soon(second_server)
        try:
            outcome["op"], outcome["before"], outcome["at_kill"] = await crash(
                tmp_path, sandbox, plan_args, point
            )
        except BaseException:
            group.cancel_scope.cancel()
            raise
        crashed.set()
    assert child_pids(SERVER_MARK) == []
    return Crashed(outcome["op"], outcome["before"], outcome["at_kill"], outcome["record"])


def assert_created_once(
    crashed: Crashed,
    sandbox: SandboxControl,
    point: KillPoint,
    expected: dict[str, int],
    tokens: dict[str, int],
) -> dict[str, Any]:
    """The cloud holds exactly what one run creates, all of it tagged with the operation, and
    each create's retries carried its one ClientToken. Returns the sandbox's state."""
    op = crashed.operation_id
    state = sandbox.state()
    requests = sandbox.requests()
    before, now = inventory(crashed.before), inventory(state)
    new = {kind: now[kind] - before[kind] for kind in KINDS}
    assert {kind: len(ids) for kind, ids in new.items()} == expected, new
    assert all(before[kind] <= now[kind] for kind in KINDS), "a resource went away"
    for kind, ids in new.items():
        assert tagged(state, RESOURCE_TYPE[kind], op) & now[kind] == ids, (kind, ids)
    for action, count in tokens.items():
        assert len(client_tokens(requests, action)) == count, (action, requests)
        assert all(r["status"] == 200 for r in requests if r["action"] == action), action
    if point.in_flight is not None:
        # The create whose answer was lost was sent again, and ECS answered with the same id.
        sent = [r for r in requests if r["action"] == point.in_flight]
        assert len(sent) > tokens[point.in_flight], sent
    return state


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
    (dr,) = inventory(state)["instances"] - inventory(crashed.before)["instances"]
    instance = region["instances"][dr]
    assert (instance["status"], instance["zone_id"]) == ("Running", NO_VSWITCH_ZONE)
    (vswitch,) = inventory(state)["vswitches"] - inventory(crashed.before)["vswitches"]
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
    new_disks = inventory(state)["disks"] - inventory(crashed.before)["disks"]
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

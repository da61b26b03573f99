"""Kill points for `test_crash_points.py`: the sandbox process on a virtual clock the test
drives, the servers on it, and where each scenario's server is killed (a request answered, a
poll seen, a create in flight)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio

from ecs_dr.sandbox.control import SandboxControl
from tests.support.mcp import Session, mcp_session_on
from tests.support.sandboxes import TEST_TIME_SCALE

SERVER_MARK = "ecs-dr-test-server"  # in every test server's command line (mcp_session_on)
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

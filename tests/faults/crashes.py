"""Kill points and one crash with its resumption, for `test_crash_points.py`: the servers on
a sandbox whose virtual clock the test drives, the kill points of each scenario (a request
answered, a poll seen, a create in flight), and what the cloud holds before and after."""

from __future__ import annotations

import os
import signal
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio

from ecs_dr.sandbox.control import SandboxControl
from tests.faults.kill_points import (
    HOLD_S,
    IN_FLIGHT_S,
    PHASE_TIMEOUT_S,
    RESOURCE_TYPE,
    SERVER_MARK,
    KillPoint,
    Requests,
    answered,
    clock_running,
    drive_until,
    server,
)
from tests.support.decisions import confirmed, decide
from tests.support.demo_world import REGION
from tests.support.mcp import Session, child_pids
from tests.support.recoveries import KINDS, TAG_OPERATION, inventory_of

# --- the cloud, before and after -----------------------------------------------------------


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
    before, now = inventory_of(crashed.before), inventory_of(state)
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

"""Stopping a recovery through the MCP client: cancel_operation, and the client cancelling the
call that started it (notifications/cancelled), each stop it before its next create and leave
what it made to cleanup_recovery; a dropped connection does not stop it (see
the last test here; test_resume_recovery.py resumes one whose server was killed).

The sandbox runs slower than other tests' (an image takes seconds), so the cancellation lands
while the image is being built, before RunInstances.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.shared.dispatcher import CallOptions

from tests.support.decisions import confirmed, decide
from tests.support.demo_world import DB_INSTANCE, REGION
from tests.support.mcp import START_TIMEOUT_S, Session, mcp_session, mcp_session_on, until_sent
from tests.support.recoveries import ended, of_operation, planned_execution
from tests.support.sandboxes import sandbox_process

SLOW = {"ECS_DR_SANDBOX_TIME_SCALE": "60", "ECS_DR_MAX_CALL_WAIT_S": "0.2"}


def made_by(served: Session, op: str) -> dict[str, list[str]]:
    """What the cloud holds of the operation, by kind."""
    state = served.sandbox.state()
    return {
        "snapshot_groups": of_operation(state, "snapshot_groups", "snapshotgroup", op),
        "images": of_operation(state, "images", "image", op),
        "instances": of_operation(state, "instances", "instance", op),
    }


async def cleaned_up(served: Session, op: str) -> dict[str, Any]:
    """cleanup_recovery of the operation, confirmed, called again while it waits for an image
    still being built to settle (cleanup deletes only settled resources)."""
    with anyio.fail_after(START_TIMEOUT_S):
        while True:
            answer = await served.client.call_tool("cleanup_recovery", {"operation_id": op})
            if not answer.is_error:
                cleaned, _ = await decide(served, "cleanup_recovery", {"operation_id": op})
                return cleaned
            assert "settled" in str(answer.content), answer.content
            await anyio.sleep(0.2)


async def test_cancel_operation_stops_a_recovery_before_run_instances_and_cleanup_removes_it(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path, env=SLOW) as served:
        started = await served.call("execute_recovery", await planned_execution(served))
        assert started["status"] == "in_progress", started
        op = started["operation_id"]
        await until_sent(served.sandbox, "CreateImage")

        stopped = await ended(served, await served.call("cancel_operation", {"operation_id": op}))
        assert stopped["status"] == "cancelled", stopped
        assert stopped["operation_id"] == op
        made = made_by(served, op)
        assert made["snapshot_groups"] and made["images"] and not made["instances"]
        assert set(made["snapshot_groups"] + made["images"]) <= set(
            (await served.call("cancel_operation", {"operation_id": op}))["created_resources"]
        )
        assert f"cleanup_recovery(operation_id={op!r})" in stopped["next_step"]
        assert "RunInstances" not in served.sandbox.actions()

        again = await served.call("cancel_operation", {"operation_id": op})
        assert again["status"] == "cancelled"
        assert "already ended (cancelled); nothing was changed" in again["next_step"]
        refused = await served.fail("resume_recovery", {"operation_id": op})
        assert "cancelled" in refused

        cleaned = await ended(served, await cleaned_up(served, op))
        assert cleaned["status"] == "completed", cleaned
        assert made_by(served, op) == {"snapshot_groups": [], "images": [], "instances": []}
        assert "RunInstances" not in served.sandbox.actions()

        cleanup = cleaned["operation_id"]
        assert "is a cleanup" in await served.fail("cancel_operation", {"operation_id": cleanup})
        unknown = await served.fail("cancel_operation", {"operation_id": "op-0000000000000000"})
        assert "unknown operation id" in unknown


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_a_client_cancelling_execute_recovery_stops_the_operation_it_started(
    tmp_path: Path, mode: str
) -> None:
    env = {**SLOW, "ECS_DR_MAX_CALL_WAIT_S": "30"}
    async with mcp_session(tmp_path, env=env, mode=mode) as served:
        arguments = await planned_execution(served)
        async with anyio.create_task_group() as call:
            # The mcp client sends notifications/cancelled for a call its caller cancels.
            call.start_soon(served.call, "execute_recovery", arguments)
            await until_sent(served.sandbox, "CreateImage")
            call.cancel_scope.cancel()

        (listed,) = (await served.call("list_operations"))["operations"]
        op = listed["operation_id"]
        stopped = await ended(served, {"status": "in_progress", "operation_id": op})
        assert stopped["status"] == "cancelled", stopped
        assert "client" in stopped["error"]
        assert "RunInstances" not in served.sandbox.actions()
        made = made_by(served, op)
        assert made["images"] and not made["instances"]


async def test_a_client_cancelling_a_step_tool_stops_the_operation_it_started(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path, env={**SLOW, "ECS_DR_MAX_CALL_WAIT_S": "30"}) as served:
        arguments = await confirmed(served, "create_snapshot_group", {"instance_id": DB_INSTANCE})
        async with anyio.create_task_group() as call:
            call.start_soon(served.call, "create_snapshot_group", arguments)
            await until_sent(served.sandbox, "CreateSnapshotGroup")
            call.cancel_scope.cancel()

        (listed,) = (await served.call("list_operations"))["operations"]
        stopped = await ended(served, {**listed, "status": "in_progress"})
        assert stopped["status"] == "cancelled", stopped
        assert "client" in stopped["error"]
        (group,) = made_by(served, listed["operation_id"])["snapshot_groups"]
        record = await served.call("get_operation", {"operation_id": listed["operation_id"]})
        assert [s["resource_id"] for s in record["operation"]["steps"]] == [group]


async def test_wait_operation_ends_with_what_execute_recovery_would_have_returned(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path, env={"ECS_DR_MAX_CALL_WAIT_S": "0.05"}) as served:
        started = await served.call("execute_recovery", await planned_execution(served))
        assert started["status"] == "in_progress", started
        done = await ended(served, started)

    assert done["status"] == "completed", done
    assert done["operation_id"] == started["operation_id"]
    assert done["next_step"].startswith("Show the comparison table to the user")
    assert "cleanup_recovery" in done["next_step"]
    assert done["result"]["dr_instance_id"]


async def test_a_dropped_connection_leaves_the_operation_durable_for_resume_recovery(
    tmp_path: Path,
) -> None:
    with sandbox_process(tmp_path) as sandbox:
        async with mcp_session_on(
            sandbox, tmp_path, "dropped", env={"ECS_DR_MAX_CALL_WAIT_S": "30"}
        ) as (first, _):
            arguments = await planned_execution(first)
            # A client that goes away mid-call: the call is abandoned without
            # notifications/cancelled, then the connection closes (the server's stdin ends).
            # (The session's own stamp and dispatcher: its public calls always cancel.)
            session = first.client.session
            request: dict[str, Any] = {
                "method": "tools/call",
                "params": {"name": "execute_recovery", "arguments": arguments},
            }
            options: CallOptions = {}
            session._stamp(request, options)
            options["cancel_on_abandon"] = False
            async with anyio.create_task_group() as call:
                call.start_soon(
                    session._dispatcher.send_raw_request,
                    "tools/call",
                    request["params"],
                    options,
                )
                await until_sent(sandbox, "CreateImage")
                call.cancel_scope.cancel()

        async with mcp_session_on(sandbox, tmp_path, "second") as (second, _):
            (listed,) = (await second.call("list_operations"))["operations"]
            op = listed["operation_id"]
            assert listed["status"] == "running", listed
            assert listed["running_in"] is None
            resumed = await ended(
                second, await second.call("resume_recovery", {"operation_id": op})
            )
            assert resumed["status"] == "completed", resumed

        (dr,) = of_operation(sandbox.state(), "instances", "instance", op)
        assert sandbox.state()["regions"][REGION]["instances"][dr]["status"] == "Running"

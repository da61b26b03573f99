"""resume_recovery end to end with a real SIGKILL: the server is killed while it executes a
full_instance plan (after CreateImage), a new server on the same journal and the same cloud
resumes the operation, and the cloud ends with exactly one snapshot group, one image and one
DR instance of that operation.

The sandbox runs as its own process here (the embedded one would die with the server).
"""

from __future__ import annotations

import os
import signal
from contextlib import suppress
from pathlib import Path

import anyio

from tests.support.decisions import confirmed, decide
from tests.support.demo_world import DB_INSTANCE, REGION, TARGET_ZONE
from tests.support.mcp import START_TIMEOUT_S, child_pids, mcp_session_on, until_sent
from tests.support.recoveries import of_operation
from tests.support.sandboxes import sandbox_process


async def test_a_recovery_killed_after_create_image_resumes_in_a_new_server_without_duplicates(
    tmp_path: Path,
) -> None:
    with sandbox_process(tmp_path) as sandbox:
        # The first server: plan, execute, and SIGKILL once CreateImage was sent.
        killed = False
        with suppress(Exception):
            async with mcp_session_on(sandbox, tmp_path, "first") as (first, pid):
                planned, _ = await decide(
                    first,
                    "plan_recovery",
                    {
                        "scenario": "full_instance",
                        "source_instance_id": DB_INSTANCE,
                        "target_zone_id": TARGET_ZONE,
                    },
                )
                started = await first.call(
                    "execute_recovery",
                    await confirmed(first, "execute_recovery", {"plan_id": planned["plan_id"]}),
                )
                assert started["status"] == "in_progress", started
                op = started["operation_id"]
                await until_sent(sandbox, "CreateImage")
                os.kill(pid, signal.SIGKILL)
                killed = True
        assert killed
        assert "RunInstances" not in sandbox.actions()

        # A new server on the same journal continues it.
        async with mcp_session_on(sandbox, tmp_path, "second") as (second, _):
            result = await second.call("resume_recovery", {"operation_id": op})
            assert result["operation_id"] == op
            with anyio.fail_after(START_TIMEOUT_S):
                while result["status"] == "in_progress":
                    result = await second.call(
                        "wait_operation", {"operation_id": op, "max_wait_s": 0.2}
                    )
            assert result["status"] == "completed", result

            again = await second.fail("resume_recovery", {"operation_id": op})
            assert "completed" in again
            unknown = await second.fail("resume_recovery", {"operation_id": "op-0000000000000000"})
            assert "op-0000000000000000" in unknown

        state = sandbox.state()
        assert len(of_operation(state, "snapshot_groups", "snapshotgroup", op)) == 1
        assert len(of_operation(state, "images", "image", op)) == 1
        (dr,) = of_operation(state, "instances", "instance", op)
        assert state["regions"][REGION]["instances"][dr]["status"] == "Running"
        assert sandbox.actions().count("CreateSnapshotGroup") == 1
        assert child_pids("ecs-dr-test-server") == []

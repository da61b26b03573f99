"""resume_recovery continues a creating step tool's operation after a real SIGKILL:
create_full_image is killed while its image is still Creating, a new server on the same
journal and the same cloud resumes the operation under its own id, and the cloud ends with
exactly one image of that operation, CreateImage having carried one ClientToken only.

(An operation journaled before the step tools stored their plan is refused: see
tests/workflows/test_resume_step_tools.py.)

The sandbox runs as its own process (the embedded one would die with the server); the servers
poll it at its time scale, so the waits take a fraction of a second.
"""

from __future__ import annotations

import os
import signal
from contextlib import suppress
from pathlib import Path

import anyio

from tests.support.decisions import decide
from tests.support.demo_world import DB_INSTANCE, REGION
from tests.support.mcp import (
    START_TIMEOUT_S,
    Answer,
    Session,
    child_pids,
    mcp_session_on,
    until_sent,
)
from tests.support.recoveries import of_operation
from tests.support.sandboxes import sandbox_process


async def _until_done(served: Session, result: Answer) -> Answer:
    """Follow an in_progress operation with wait_operation until it ends."""
    op = result["operation_id"]
    with anyio.fail_after(START_TIMEOUT_S):
        while result["status"] == "in_progress":
            result = await served.call("wait_operation", {"operation_id": op, "max_wait_s": 0.2})
    return result


async def test_create_full_image_killed_while_creating_resumes_without_a_second_image(
    tmp_path: Path,
) -> None:
    with sandbox_process(tmp_path) as sandbox:
        # The first server: the group snapshot, then the image, SIGKILLed once CreateImage
        # was sent and while the image is still Creating.
        killed = False
        with suppress(Exception):
            async with mcp_session_on(sandbox, tmp_path, "first") as (first, pid):
                group, _ = await decide(
                    first, "create_snapshot_group", {"instance_id": DB_INSTANCE}
                )
                group = await _until_done(first, group)
                assert group["status"] == "completed", group
                group_id = group["result"]["snapshot_group_id"]
                assert group_id

                started, _ = await decide(
                    first,
                    "create_full_image",
                    {"instance_id": DB_INSTANCE, "snapshot_group_id": group_id},
                )
                assert started["status"] == "in_progress", started
                op = started["operation_id"]
                await until_sent(sandbox, "CreateImage")
                os.kill(pid, signal.SIGKILL)
                killed = True
        assert killed
        (image_id,) = of_operation(sandbox.state(), "images", "image", op)
        assert sandbox.state()["regions"][REGION]["images"][image_id]["status"] == "Creating"

        # A new server on the same journal: resume_recovery continues the step tool's
        # operation under its id, with the plan it journaled.
        async with mcp_session_on(sandbox, tmp_path, "second") as (second, _):
            resumed = await second.call("resume_recovery", {"operation_id": op})
            assert resumed["operation_id"] == op
            assert resumed["plan_id"] is None
            if resumed["status"] == "completed":
                image = resumed["step_result"]  # shaped as create_full_image's result
                assert resumed["next_step"].startswith("run_dr_instance(")
            else:
                done = await _until_done(second, resumed)
                assert done["status"] == "completed", done
                image = done["result"]
            assert image["image_id"] == image_id
            assert [m["device"] for m in image["mappings"]] == [
                "/dev/xvda",
                "/dev/xvdb",
                "/dev/xvdc",
            ]

            again = await second.fail("resume_recovery", {"operation_id": op})
            assert "completed" in again

            detail = await second.call("get_operation", {"operation_id": op})
            (step,) = [s for s in detail["operation"]["steps"] if s["action"] == "CreateImage"]
            assert step["resource_id"] == image_id

        assert of_operation(sandbox.state(), "images", "image", op) == [image_id]
        creates = sandbox.calls("CreateImage")
        assert 1 <= len(creates) <= 2  # sent again only when the kill beat the journal
        assert {c["ClientToken"] for c in creates} == {step["client_token"]}
        assert sandbox.actions().count("CreateSnapshotGroup") == 1
        assert child_pids("ecs-dr-test-server") == []


async def test_create_recovery_point_killed_once_its_group_was_sent_resumes_with_the_same_tags(
    tmp_path: Path,
) -> None:
    with sandbox_process(tmp_path) as sandbox:
        killed = False
        with suppress(Exception):
            async with mcp_session_on(sandbox, tmp_path, "first") as (first, pid):
                started, _ = await decide(
                    first, "create_recovery_point", {"instance_id": DB_INSTANCE}
                )
                op = started["operation_id"]
                await until_sent(sandbox, "CreateSnapshotGroup")
                os.kill(pid, signal.SIGKILL)
                killed = True
        assert killed

        async with mcp_session_on(sandbox, tmp_path, "second") as (second, _):
            resumed = await second.call("resume_recovery", {"operation_id": op})
            done = await _until_done(second, resumed)
            assert done["status"] == "completed", done

        sent = sandbox.calls("CreateSnapshotGroup")
        assert 1 <= len(sent) <= 2  # sent again only when the kill beat the journal
        # A resend carries the same ClientToken, so it must carry the same tags: ECS refuses
        # one with other tag values (IdempotentParameterMismatch).
        assert len({tuple(sorted(c.items())) for c in sent}) == 1
        assert len(sandbox.state()["regions"][REGION]["snapshot_groups"]) == 1

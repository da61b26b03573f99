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
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.e2e.harness import (
    REQUEST_TIMEOUT_S,
    START_TIMEOUT_S,
    SandboxControl,
    Served,
    decide,
    server_environment,
)
from tests.e2e.test_resume_recovery import (
    KEY_ID,
    KEY_SECRET,
    PROD_DB,
    REGION,
    TIME_SCALE,
    _children,
    of_operation,
    sandbox_process,
)

SERVER_MARK = "ecs-dr-resume-step-server"
# `ecs-dr-mcp serve`; the mark in its command line finds its process for the kill.
SERVER_CODE = """
import sys
from ecs_dr.cli import main
sys.exit(main(["serve"]))
"""


@asynccontextmanager
async def server(workdir: Path, sandbox: SandboxControl, name: str) -> AsyncIterator[Served]:
    """`ecs-dr-mcp serve` (no --sandbox) on the separate sandbox and `workdir`'s journal."""
    log_path = workdir / f"{name}.log"
    env = server_environment(
        workdir / "state",
        {
            "ALIBABA_CLOUD_ECS_ENDPOINT": sandbox.endpoint,
            "ALIBABA_CLOUD_ECS_PROTOCOL": "http",
            "ALIBABA_CLOUD_REGION_ID": REGION,
            "ALIBABA_CLOUD_ACCESS_KEY_ID": KEY_ID,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": KEY_SECRET,
            "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
            "ECS_DR_MAX_CALL_WAIT_S": "0.2",
            # Waits poll at the sandbox's time scale, as a server polls ECS in real seconds.
            "ECS_DR_CLOUD_TIME_SCALE": TIME_SCALE,
        },
    )
    params = StdioServerParameters(
        command=sys.executable, args=["-c", SERVER_CODE, SERVER_MARK], env=env
    )
    with log_path.open("w") as errlog:
        async with Client(
            stdio_client(params, errlog=errlog), read_timeout_seconds=REQUEST_TIMEOUT_S
        ) as client:
            yield Served(client, sandbox, log_path)


async def _until_done(served: Served, result: dict[str, Any]) -> dict[str, Any]:
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
            async with server(tmp_path, sandbox, "first") as first:
                (pid,) = _children(SERVER_MARK)
                group, _ = await decide(first, "create_snapshot_group", {"instance_id": PROD_DB})
                group = await _until_done(first, group)
                assert group["status"] == "completed", group
                group_id = group["result"]["snapshot_group_id"]
                assert group_id

                started, _ = await decide(
                    first,
                    "create_full_image",
                    {"instance_id": PROD_DB, "snapshot_group_id": group_id},
                )
                assert started["status"] == "in_progress", started
                op = started["operation_id"]
                with anyio.fail_after(START_TIMEOUT_S):
                    # The requests log is polled: the sandbox has no event to wait on.
                    while True:
                        if "CreateImage" in sandbox.actions():
                            break
                        await anyio.sleep(0.005)
                os.kill(pid, signal.SIGKILL)
                killed = True
        assert killed
        (image_id,) = of_operation(sandbox.state(), "images", "image", op)
        assert sandbox.state()["regions"][REGION]["images"][image_id]["status"] == "Creating"

        # A new server on the same journal: resume_recovery continues the step tool's
        # operation under its id, with the plan it journaled.
        async with server(tmp_path, sandbox, "second") as second:
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
        assert _children(SERVER_MARK) == []

"""resume_recovery end to end with a real SIGKILL: the server is killed while it executes a
full_instance plan (after CreateImage), a new server on the same journal and the same cloud
resumes the operation, and the cloud ends with exactly one snapshot group, one image and one
DR instance of that operation.

The sandbox runs as its own process here (the embedded one would die with the server).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
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

REGION = "cn-hangzhou"
PROD_DB = "i-bp1proddb0000000001"
TARGET_ZONE = "cn-hangzhou-i"
KEY_ID, KEY_SECRET = "A", "S"
# Slow enough that the image is still being made when the kill lands.
TIME_SCALE = "600"
TAG_OPERATION = "ecs-dr:operation-id"


@contextmanager
def sandbox_process(workdir: Path) -> Iterator[SandboxControl]:
    """`ecs-dr-sandbox --port 0` in its own process; stopped on the way out."""
    args = [
        sys.executable,
        "-m",
        "ecs_dr.sandbox.cli",
        "--port",
        "0",
        "--access-key-id",
        KEY_ID,
        "--access-key-secret",
        KEY_SECRET,
        "--time-scale",
        TIME_SCALE,
    ]
    with (workdir / "sandbox.log").open("w") as errlog:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errlog, text=True)
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line.startswith("endpoint: "), line
            yield SandboxControl(line.removeprefix("endpoint: ").strip())
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            if proc.stdout is not None:
                proc.stdout.close()


def _children(command_part: str) -> list[int]:
    """The pids of this process's children whose command line holds `command_part`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == os.getpid() and command_part in cmdline:
            found.append(int(entry.name))
    return found


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
            # The sandbox's time runs TIME_SCALE times faster: so do the server's polls.
            "ECS_DR_CLOUD_TIME_SCALE": TIME_SCALE,
        },
    )
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "ecs_dr.cli", "serve"], env=env
    )
    with log_path.open("w") as errlog:
        async with Client(
            stdio_client(params, errlog=errlog), read_timeout_seconds=REQUEST_TIMEOUT_S
        ) as client:
            yield Served(client, sandbox, log_path)


def of_operation(state: dict[str, Any], kind: str, resource_type: str, op: str) -> list[str]:
    region = state["regions"][REGION]
    tagged = {
        entry["resource_id"]
        for entry in region["tags"]
        if entry["resource_type"] == resource_type and entry["tags"].get(TAG_OPERATION) == op
    }
    return [r for r in region[kind] if r in tagged]


async def test_a_recovery_killed_after_create_image_resumes_in_a_new_server_without_duplicates(
    tmp_path: Path,
) -> None:
    with sandbox_process(tmp_path) as sandbox:
        # The first server: plan, execute, and SIGKILL once CreateImage was sent.
        killed = False
        with suppress(Exception):
            async with server(tmp_path, sandbox, "first") as first:
                (pid,) = _children("ecs_dr.cli serve")
                planned, _ = await decide(
                    first,
                    "plan_recovery",
                    {
                        "scenario": "full_instance",
                        "source_instance_id": PROD_DB,
                        "target_zone_id": TARGET_ZONE,
                    },
                )
                started = await first.call(
                    "execute_recovery",
                    {"plan_id": planned["plan_id"], "decisions": {"confirm_plan": "proceed"}},
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
        assert "RunInstances" not in sandbox.actions()

        # A new server on the same journal continues it.
        async with server(tmp_path, sandbox, "second") as second:
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
        assert _children("ecs_dr.cli serve") == []

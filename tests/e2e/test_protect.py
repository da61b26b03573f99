"""`ecs-dr-mcp protect` end to end: the real command in a child process, against a sandbox of its
own over real HTTP, configured through the variables a user sets (endpoint, credentials,
region, state directory); what it did is read from the sandbox, and through an MCP server on
the same journal and cloud.

The sandbox runs at the test time scale, and the command polls it at that scale
(ECS_DR_CLOUD_TIME_SCALE), so a cycle takes a second or two.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

import anyio
import pytest
from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.utils_models import Config

from ecs_dr.cloud.errors import ram_action_for
from ecs_dr.domain.recovery_points import TAG_RECOVERY_POINT
from ecs_dr.sandbox.control import SandboxControl
from tests.support.credentials import SANDBOX_CREDENTIALS, credentials_of
from tests.support.decisions import decide
from tests.support.demo_world import (
    DB_DISKS,
    DB_INSTANCE,
    LEGACY_INSTANCE,
    REGION,
    TARGET_INSTANCE,
    TARGET_ZONE,
    WEB_INSTANCE,
)
from tests.support.mcp import mcp_session_on, server_environment, until_sent
from tests.support.recoveries import ended
from tests.support.sandboxes import TEST_TIME_SCALE, sandbox_process
from tests.support.secret_scan import SECRET_SCAN, Transcript

CYCLE_TIMEOUT_S = 120.0


class Cycle:
    """One run of the command: its exit status and its summary line per instance."""

    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode = returncode
        self.lines = stdout.splitlines()
        self.stderr = stderr

    def line(self, instance: str) -> str:
        (found,) = [line for line in self.lines if line.startswith(f"{instance}: ")]
        return found


def command_line(sandbox: SandboxControl, workdir: Path, *args: str) -> dict[str, Any]:
    """The command and the environment a user gives it: the sandbox's endpoint, credentials,
    region, and `workdir`'s journal."""
    environment = server_environment(
        workdir / "state",
        {
            "ALIBABA_CLOUD_ECS_ENDPOINT": sandbox.endpoint,
            "ALIBABA_CLOUD_ECS_PROTOCOL": "http",
            "ALIBABA_CLOUD_REGION_ID": REGION,
            "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
            "ECS_DR_CLOUD_TIME_SCALE": str(TEST_TIME_SCALE),
            **SANDBOX_CREDENTIALS,
        },
    )
    command = [sys.executable, "-m", "ecs_dr.cli", "protect", *args]
    return {"command": command, "env": environment}


async def protect(sandbox: SandboxControl, workdir: Path, *args: str) -> Cycle:
    """`ecs-dr-mcp protect ARGS` on the sandbox and `workdir`'s journal; stdout and stderr
    are scanned for the credentials it was given."""
    run = command_line(sandbox, workdir, *args)
    environment = run["env"]
    with anyio.fail_after(CYCLE_TIMEOUT_S):
        done = await anyio.run_process(run["command"], env=environment, check=False)
    stdout, stderr = done.stdout.decode(), done.stderr.decode()
    log_path = workdir / "protect.log"
    log_path.write_text(stderr)
    SECRET_SCAN.check(
        credentials_of(environment), log_path, Transcript(results=[("protect", stdout)])
    )
    assert "Traceback" not in stdout + stderr
    return Cycle(done.returncode, stdout, stderr)


def scheduling_policy() -> dict[str, Any]:
    """The RAM policy references/scheduling.md gives the command."""
    page = (Path(__file__).parents[2] / "references" / "scheduling.md").read_text()
    policy: dict[str, Any] = json.loads(page.split("```json\n", 1)[1].split("```", 1)[0])
    return policy


def _region(sandbox: SandboxControl) -> dict[str, Any]:
    region: dict[str, Any] = sandbox.state()["regions"][REGION]
    return region


def points_of(sandbox: SandboxControl, instance: str, kind: str) -> set[str]:
    """The existing resources of `kind` (snapshot_groups, snapshots, images) tagged as the
    instance's recovery points."""
    region = _region(sandbox)
    tagged = {
        entry["resource_id"]
        for entry in region["tags"]
        if entry["tags"].get(TAG_RECOVERY_POINT) == instance
    }
    return tagged & set(region[kind])


async def test_a_cycle_makes_a_point_per_instance_and_deletes_those_beyond_keep(
    tmp_path: Path,
) -> None:
    args = ("--instance", DB_INSTANCE, "--instance", WEB_INSTANCE, "--keep", "2")
    with sandbox_process(tmp_path) as sandbox:
        made: list[set[str]] = []
        for _ in range(3):
            cycle = await protect(sandbox, tmp_path, *args)
            assert cycle.returncode == 0, [*cycle.lines, cycle.stderr]
            assert len(cycle.lines) == 2
            made.append(points_of(sandbox, DB_INSTANCE, "snapshot_groups"))
            if len(made) == 1:
                (oldest,) = made[0]
                members = _region(sandbox)["snapshot_groups"][oldest]["snapshot_ids"]
        first, second, third = made
        assert len(first) == 1 and len(second) == 2 and len(third) == 2
        (newest,) = third - second
        assert oldest not in third
        db = cycle.line(DB_INSTANCE)
        assert f"point {newest} (group) made" in db
        assert f"2 kept; 1 deleted ({oldest})" in db
        assert "1 deleted" in cycle.line(WEB_INSTANCE)
        assert len(points_of(sandbox, WEB_INSTANCE, "snapshots")) == 2
        assert len(members) == 3
        assert not set(members) & set(_region(sandbox)["snapshots"])  # gone with their group

        needed = {ram_action_for(a) for a in sandbox.actions()}
        assert needed <= set(scheduling_policy()["Statement"][0]["Action"])

        async with mcp_session_on(sandbox, tmp_path, "server") as (served, _):
            operations = await served.call("list_operations")
            kinds = [op["kind"] for op in operations["operations"]]
            assert kinds.count("create_recovery_point") == 6
            listed = await served.call("list_recovery_points", {"instance_id": DB_INSTANCE})
            assert {p["point_id"] for p in listed["points"]} == third
        assert "DeleteImage" not in sandbox.actions()
        forced = [
            call
            for call in sandbox.calls("DeleteSnapshot")
            if call.get("Force", "false").lower() != "false"
        ]
        assert not forced, forced


async def test_a_cycle_never_deletes_a_by_hand_point_a_recoverys_snapshots_or_a_point_in_use(
    tmp_path: Path,
) -> None:
    args = ("--instance", DB_INSTANCE, "--keep", "1")
    with sandbox_process(tmp_path) as sandbox:
        first = await protect(sandbox, tmp_path, *args)
        assert first.returncode == 0, [*first.lines, first.stderr]
        (in_use,) = points_of(sandbox, DB_INSTANCE, "snapshot_groups")

        # A recovery's snapshots (its operation's tag alone), and an image from the point whose
        # operation a SIGKILL leaves unfinished; then a snapshot by hand, through the SDK.
        killed = False
        with suppress(Exception):
            async with mcp_session_on(sandbox, tmp_path, "recovery") as (served, pid):
                asked, _ = await decide(
                    served, "create_snapshot_group", {"instance_id": DB_INSTANCE}
                )
                recovery = await ended(served, asked)
                recovery_group = recovery["result"]["snapshot_group_id"]
                started, _ = await decide(
                    served,
                    "create_full_image",
                    {"instance_id": DB_INSTANCE, "snapshot_group_id": in_use},
                )
                assert started["status"] == "in_progress", started
                await until_sent(sandbox, "CreateImage")
                os.kill(pid, signal.SIGKILL)
                killed = True
        assert killed
        by_hand = sandbox_snapshot(sandbox, DB_DISKS[1])

        second = await protect(sandbox, tmp_path, *args)
        assert second.returncode == 0, [*second.lines, second.stderr]
        db = second.line(DB_INSTANCE)
        assert (
            f"{in_use} kept: operation {started['operation_id']} needs it and has not ended" in db
        )
        assert "0 deleted" in db
        third = await protect(sandbox, tmp_path, *args)
        assert third.returncode == 0
        groups = _region(sandbox)["snapshot_groups"]
        assert in_use in groups and recovery_group in groups
        assert by_hand in _region(sandbox)["snapshots"]
        assert "1 deleted" in third.line(DB_INSTANCE)
        assert len(points_of(sandbox, DB_INSTANCE, "snapshot_groups")) == 2  # newest + in use


async def test_a_cycle_killed_mid_point_keeps_that_point_until_its_operation_ends(
    tmp_path: Path,
) -> None:
    args = ("--instance", DB_INSTANCE, "--keep", "1")
    with sandbox_process(tmp_path) as sandbox:
        run = command_line(sandbox, tmp_path, *args)
        async with await anyio.open_process(run["command"], env=run["env"]) as killed:
            await until_sent(sandbox, "CreateSnapshotGroup")
            killed.kill()
        (half_made,) = points_of(sandbox, DB_INSTANCE, "snapshot_groups")

        second = await protect(sandbox, tmp_path, *args)
        assert second.returncode == 0, [*second.lines, second.stderr]
        assert f"{half_made} kept: operation op-" in second.line(DB_INSTANCE)

        async with mcp_session_on(sandbox, tmp_path, "server") as (served, _):
            listed = (await served.call("list_operations"))["operations"]
            (left,) = [o["operation_id"] for o in listed if o["status"] == "running"]
            stopped = await served.call("cancel_operation", {"operation_id": left})
            assert stopped["status"] == "cancelled", stopped

        third = await protect(sandbox, tmp_path, *args)
        assert third.returncode == 0, [*third.lines, third.stderr]
        assert half_made in third.line(DB_INSTANCE).split("deleted (", 1)[1]
        assert half_made not in _region(sandbox)["snapshot_groups"]


def sandbox_snapshot(sandbox: SandboxControl, disk_id: str) -> str:
    """A snapshot made by hand (no tag of this server's), through the official SDK."""
    client = Client(
        Config(
            access_key_id=SANDBOX_CREDENTIALS["ALIBABA_CLOUD_ACCESS_KEY_ID"],
            access_key_secret=SANDBOX_CREDENTIALS["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
            endpoint=sandbox.endpoint,
            protocol="http",
            region_id=REGION,
        )
    )
    answer = client.create_snapshot(
        models.CreateSnapshotRequest(disk_id=disk_id, snapshot_name="before-upgrade")
    )
    return str(answer.body.snapshot_id)


@pytest.mark.parametrize(
    ("point", "kind", "tool", "using", "code"),
    [
        pytest.param(
            ("--image",),
            "image",
            "run_dr_instance",
            lambda rid: {
                "instance_id": WEB_INSTANCE,
                "image_id": rid,
                "target_zone_id": TARGET_ZONE,
            },
            "ImageUsingByInstance",
            id="an image an instance runs from",
        ),
        pytest.param(
            (),
            "snapshot",
            "create_disk_from_snapshot",
            lambda rid: {"snapshot_id": rid, "target_instance_id": TARGET_INSTANCE},
            "SnapshotCreatedDisk",
            id="a snapshot a disk was made from",
        ),
    ],
)
async def test_a_point_in_use_in_the_cloud_is_kept_with_ecs_reason(
    tmp_path: Path,
    point: tuple[str, ...],
    kind: str,
    tool: str,
    using: Callable[[str], dict[str, str]],
    code: str,
) -> None:
    args = ("--instance", WEB_INSTANCE, *point, "--keep", "1")
    with sandbox_process(tmp_path) as sandbox:
        first = await protect(sandbox, tmp_path, *args)
        assert first.returncode == 0, [*first.lines, first.stderr]
        (resource_id,) = points_of(sandbox, WEB_INSTANCE, f"{kind}s")
        async with mcp_session_on(sandbox, tmp_path, "recovery") as (served, _):
            used, _ = await decide(served, tool, using(resource_id))
            assert (await ended(served, used))["status"] == "completed"

        second = await protect(sandbox, tmp_path, *args)
        assert second.returncode == 0, [*second.lines, second.stderr]
        web = second.line(WEB_INSTANCE)
        assert f"{resource_id} kept: {kind} {resource_id}: ECS refused the delete" in web
        assert code in web and "0 deleted" in web
        assert resource_id in _region(sandbox)[f"{kind}s"]
        if kind == "image":  # its snapshot is never sent for deletion while the image stays
            assert "DeleteSnapshot" not in sandbox.actions()


async def test_a_failing_instance_exits_non_zero_with_its_reason_while_the_others_get_points(
    tmp_path: Path,
) -> None:
    bogus = "i-bp1doesnotexist0001"
    args = ("--instance", LEGACY_INSTANCE, "--instance", bogus, "--instance", DB_INSTANCE)
    with sandbox_process(tmp_path) as sandbox:
        cycle = await protect(sandbox, tmp_path, *args, "--keep", "3")
        assert cycle.returncode == 1
        assert len(cycle.lines) == 3
        legacy = cycle.line(LEGACY_INSTANCE)
        assert "FAILED, no point made" in legacy and "--allow-per-disk" in legacy
        missing = cycle.line(bogus)
        assert "FAILED, no point made" in missing and "InvalidInstanceId.NotFound" in missing
        assert "(group) made" in cycle.line(DB_INSTANCE)
        assert len(points_of(sandbox, DB_INSTANCE, "snapshot_groups")) == 1
        assert not points_of(sandbox, LEGACY_INSTANCE, "snapshots")

        allowed = await protect(
            sandbox, tmp_path, "--instance", LEGACY_INSTANCE, "--keep", "3", "--allow-per-disk"
        )
        assert allowed.returncode == 0, [*allowed.lines, allowed.stderr]
        assert "(snapshots) made" in allowed.line(LEGACY_INSTANCE)
        assert len(points_of(sandbox, LEGACY_INSTANCE, "snapshots")) == 2


async def test_keep_below_one_is_refused_before_any_point_is_made(tmp_path: Path) -> None:
    with sandbox_process(tmp_path) as sandbox:
        cycle = await protect(sandbox, tmp_path, "--instance", DB_INSTANCE, "--keep", "0")
        assert cycle.returncode == 2
        assert "--keep" in cycle.stderr and "at least 1" in cycle.stderr
        assert not [a for a in sandbox.actions() if a.startswith("Create")]

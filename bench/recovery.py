"""Recovery against the cloud's own floor (issue 8, items 1-3).

Scenario A (1, 3, 8 disks) through the product: plan_recovery and execute_recovery over the
real `mcp` client against `ecs-dr-mcp serve` on a sandbox in its own process, followed with
wait_operation until completed. Its wall time in cloud seconds (real x scale) over the
critical path (bench/worlds.py, from the durations the sandbox drew for that recovery's
resources) is its overhead; beside it the runbook (bench/runbook.py) on a twin sandbox at the
same scale, repeat for repeat on the same durations. The requests log gives the API calls of
each recovery; Scenario B copies 1, 4 and 8 disks onto a target.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anyio
from tests.support.credentials import SANDBOX_KEY_ID, SANDBOX_KEY_SECRET
from tests.support.decisions import decide
from tests.support.mcp import Session, mcp_session_on
from tests.support.sandboxes import sandbox_process

from bench import progress, runbook, worlds
from bench.recovery_figures import (
    A_DISKS,
    A_SPREAD,
    B_DISKS,
    ECS_QPS,
    RUNBOOK_B_DISKS,
    Repeats,
    Run,
    Series,
    sections,
)
from bench.report import Section
from ecs_dr.sandbox.control import SandboxControl

# Cloud seconds per real second. At 100 a 3-disk recovery (658 cloud s) takes ~7 real s, and
# a sandbox round trip of ~5 ms real costs 0.5 cloud s: more than ECS's own API latency, so
# the product's real-time overhead is magnified, not hidden.
TIME_SCALE = 100.0
# The server's bounded call wait at ECS scale (45 s), so that execute_recovery answers
# in_progress and wait_operation follows as an agent's would.
CALL_WAIT_CLOUD_S = 45.0
RUN_TIMEOUT_S = 120.0
SPAWN_REPEATS = 5
A_REPEATS = 7
# Scenario B measures how copies overlap: equal disks at nominal durations, so 1, 4 and 8 of
# them share one critical path.
B_REPEATS = 3


# --- the product ---------------------------------------------------------------------------
def _a_durations(repeat: int) -> dict[str, Any]:
    return {"spread": A_SPREAD, "seed": repeat + 1}


async def _product_run(
    served: Session,
    sandbox: SandboxControl,
    plan: Mapping[str, Any],
    scale: float,
    durations: Mapping[str, Any] | None = None,
) -> Run:
    sandbox.reset(durations)
    with anyio.fail_after(RUN_TIMEOUT_S):
        started = time.perf_counter()
        planned, _ = await decide(served, "plan_recovery", plan)
        if planned["status"] != "completed":
            raise RuntimeError(f"plan_recovery answered {planned['status']}: {planned}")
        outcome, _ = await decide(served, "execute_recovery", {"plan_id": planned["plan_id"]})
        while outcome["status"] == "in_progress":
            outcome = await served.call("wait_operation", {"operation_id": outcome["operation_id"]})
        real_s = time.perf_counter() - started
    if outcome["status"] != "completed":
        raise RuntimeError(f"execute_recovery ended {outcome['status']}: {outcome}")
    return Run(real_s, sandbox.requests(), scale)


def _a_plan(count: int) -> dict[str, Any]:
    return {
        "scenario": "full_instance",
        "source_instance_id": worlds.scenario_a_source(count),
        "target_zone_id": worlds.TARGET_ZONE,
    }


def _b_plan(count: int) -> dict[str, Any]:
    return {
        "scenario": "disks",
        "source_instance_id": worlds.B_SOURCE_ID,
        "target_instance_id": worlds.TARGET_ID,
        "disk_ids": [d.disk_id for d in worlds.scenario_b_disks()[:count]],
    }


async def _product(
    sandbox: SandboxControl, workdir: Path, repeats: Repeats, scale: float
) -> tuple[dict[int, Series], dict[int, Series]]:
    env = {
        "ECS_DR_CLOUD_TIME_SCALE": str(scale),
        "ECS_DR_MAX_CALL_WAIT_S": str(CALL_WAIT_CLOUD_S / scale),
        "ECS_DR_MAX_QPS": str(ECS_QPS * scale),
    }
    a = {n: Series() for n in A_DISKS}
    b = {n: Series() for n in B_DISKS}
    async with mcp_session_on(sandbox, workdir, "bench", env=env) as (served, _):
        # A plan of each scenario first: the timed runs meet a warm server (its cold start is
        # measured elsewhere), and a plan changes nothing.
        for plan in (_a_plan(A_DISKS[0]), _b_plan(B_DISKS[0])):
            await decide(served, "plan_recovery", plan)
        for repeat in range(repeats.a):
            for n in A_DISKS:
                run = await _product_run(served, sandbox, _a_plan(n), scale, _a_durations(repeat))
                run.path = worlds.scenario_a_critical_path(sandbox.state())
                a[n].runs.append(run)
            progress.repetition("recovery: product, Scenario A", repeat + 1, repeats.a)
        for repeat in range(repeats.b):
            for n in B_DISKS:
                b[n].runs.append(await _product_run(served, sandbox, _b_plan(n), scale))
            progress.repetition("recovery: product, Scenario B", repeat + 1, repeats.b)
    return a, b


# --- the runbook ---------------------------------------------------------------------------
def _runbook(
    sandbox: SandboxControl, repeats: Repeats, scale: float, spawn_s: float
) -> dict[int, Series]:
    client = runbook.sdk_client(sandbox.endpoint, SANDBOX_KEY_ID, SANDBOX_KEY_SECRET, worlds.REGION)
    operator = runbook.Runbook(client, worlds.REGION, scale, spawn_s)
    # Scenario A by disk count; Scenario B's 8 disks under the negative key.
    series = {n: Series() for n in (*A_DISKS, -RUNBOOK_B_DISKS)}
    for repeat in range(repeats.a):
        for n in A_DISKS:
            sandbox.reset(_a_durations(repeat))
            started = time.perf_counter()
            operator.full_instance(worlds.scenario_a_source(n), worlds.TARGET_ZONE)
            real_s = time.perf_counter() - started
            path = worlds.scenario_a_critical_path(sandbox.state())
            series[n].runs.append(Run(real_s, sandbox.requests(), scale, path))
        progress.repetition("recovery: runbook, Scenario A", repeat + 1, repeats.a)
    for repeat in range(repeats.b):
        sandbox.reset()
        disk_ids = [d.disk_id for d in worlds.scenario_b_disks()[:RUNBOOK_B_DISKS]]
        started = time.perf_counter()
        operator.disks(worlds.B_SOURCE_ID, disk_ids, worlds.TARGET_ID)
        real_s = time.perf_counter() - started
        series[-RUNBOOK_B_DISKS].runs.append(Run(real_s, sandbox.requests(), scale))
        progress.repetition("recovery: runbook, Scenario B", repeat + 1, repeats.b)
    return series


async def _both(
    product_sandbox: SandboxControl,
    runbook_sandbox: SandboxControl,
    workdir: Path,
    repeats: Repeats,
    scale: float,
    spawn_s: float,
) -> tuple[dict[int, Series], dict[int, Series], dict[int, Series]]:
    """The product and the runbook side by side, each on a sandbox of its own (the runbook
    sleeps most of the time: the two hardly compete for the CPU)."""
    baseline: dict[int, Series] = {}

    async def follow_runbook() -> None:
        baseline.update(
            await anyio.to_thread.run_sync(_runbook, runbook_sandbox, repeats, scale, spawn_s)
        )

    async with anyio.create_task_group() as group:
        group.start_soon(follow_runbook)
        a, b = await _product(product_sandbox, workdir, repeats, scale)
    return a, b, baseline


def sandbox_args(world: Path, scale: float) -> list[str]:
    args = ["-m", "ecs_dr.sandbox.cli", "--port", "0", "--time-scale", str(scale)]
    keys = ["--access-key-id", SANDBOX_KEY_ID, "--access-key-secret", SANDBOX_KEY_SECRET]
    return [*args, "--world", str(world), *keys]


def run(quick: bool) -> list[Section]:
    repeats = Repeats(a=1, b=1) if quick else Repeats(a=A_REPEATS, b=B_REPEATS)
    scale = TIME_SCALE
    spawn = runbook.spawn_cost_s(SPAWN_REPEATS)
    spawn_s = statistics.median(spawn)
    with tempfile.TemporaryDirectory(prefix="ecs-dr-bench-") as tmp:
        workdir = Path(tmp)
        world = worlds.write(workdir / "world.json")
        (workdir / "runbook").mkdir()
        with (
            sandbox_process(workdir, sandbox_args(world, scale)) as product_sandbox,
            sandbox_process(workdir / "runbook", sandbox_args(world, scale)) as runbook_sandbox,
        ):
            a, b, base = anyio.run(
                _both, product_sandbox, runbook_sandbox, workdir, repeats, scale, spawn_s
            )
    return sections(a, base, b, scale=scale, repeats=repeats, spawn=spawn, spawn_s=spawn_s)

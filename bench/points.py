"""Recovery from a recovery point against recovery from scratch (issue 18).

Scenario A for the bench world's 4-disk source through the product (the real `mcp` client and
`ecs-dr-mcp serve` on a sandbox in its own process), twice on the same world and the same drawn
durations: once from scratch (snapshot group, image, instance) and once from an image point
taken beforehand (RunInstances alone). Each RTO is the drill report's (execute_recovery to the
DR instance Running), in cloud seconds (real x the sandbox's time scale).
"""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anyio
from tests.support.decisions import decide
from tests.support.mcp import Session, mcp_session_on
from tests.support.sandboxes import sandbox_process

from bench import worlds
from bench.recovery import CALL_WAIT_CLOUD_S, RUN_TIMEOUT_S, TIME_SCALE, sandbox_args
from bench.recovery_figures import A_SPREAD, ECS_QPS
from bench.report import Section, Target
from ecs_dr.sandbox.control import SandboxControl

DISKS = 4
REPEATS = 5
# The target: from an image point, at most a quarter of the from-scratch RTO.
RATIO_LIMIT = 0.25


async def _recover(served: Session, plan: Mapping[str, Any]) -> tuple[float, int]:
    """(RTO in real seconds, API calls) of one recovery, planned then executed."""
    with anyio.fail_after(RUN_TIMEOUT_S):
        planned, _ = await decide(served, "plan_recovery", plan)
        if planned["status"] != "completed":
            raise RuntimeError(f"plan_recovery answered {planned['status']}: {planned.text}")
        outcome, _ = await decide(served, "execute_recovery", {"plan_id": planned["plan_id"]})
        while outcome["status"] == "in_progress":
            outcome = await served.call("wait_operation", {"operation_id": outcome["operation_id"]})
    if outcome["status"] != "completed":
        raise RuntimeError(f"execute_recovery ended {outcome['status']}: {outcome.text}")
    report = await served.call("drill_report", {"operation_id": outcome["operation_id"]})
    return float(report["report"]["rto_s"]), len(served.sandbox.requests())


async def _measure(sandbox: SandboxControl, workdir: Path, repeats: int) -> dict[str, list[Any]]:
    env = {
        "ECS_DR_CLOUD_TIME_SCALE": str(TIME_SCALE),
        "ECS_DR_MAX_CALL_WAIT_S": str(CALL_WAIT_CLOUD_S / TIME_SCALE),
        "ECS_DR_MAX_QPS": str(ECS_QPS * TIME_SCALE),
    }
    source = worlds.scenario_a_source(DISKS)
    plan = {
        "scenario": "full_instance",
        "source_instance_id": source,
        "target_zone_id": worlds.TARGET_ZONE,
        "drill": True,
    }
    runs: dict[str, list[Any]] = {"scratch": [], "point": []}
    async with mcp_session_on(sandbox, workdir, "points", env=env) as (served, _):
        await decide(served, "plan_recovery", plan)  # a warm server, as in bench/recovery.py
        for repeat in range(repeats):
            durations = {"spread": A_SPREAD, "seed": repeat + 1}
            sandbox.reset(durations)
            runs["scratch"].append(await _recover(served, plan))
            sandbox.reset(durations)
            point, _ = await decide(
                served, "create_recovery_point", {"instance_id": source, "image": True}
            )
            while point["status"] == "in_progress":
                point = await served.call("wait_operation", {"operation_id": point["operation_id"]})
            if point["status"] != "completed":
                raise RuntimeError(f"create_recovery_point ended {point['status']}: {point.text}")
            before = len(sandbox.requests())
            rto, calls = await _recover(served, {**plan, "recovery_point": "latest"})
            runs["point"].append((rto, calls - before))
    return runs


def run(quick: bool) -> list[Section]:
    repeats = 1 if quick else REPEATS
    with tempfile.TemporaryDirectory(prefix="ecs-dr-bench-points-") as tmp:
        workdir = Path(tmp)
        world = worlds.write(workdir / "world.json")
        with sandbox_process(workdir, sandbox_args(world, TIME_SCALE)) as sandbox:
            runs = anyio.run(_measure, sandbox, workdir, repeats)
    rto = {k: statistics.median(r for r, _ in v) * TIME_SCALE for k, v in runs.items()}
    calls = {k: statistics.median(c for _, c in v) for k, v in runs.items()}
    ratio = rto["point"] / rto["scratch"]
    return [
        Section(
            key="recovery_points",
            title=f"Scenario A ({DISKS} disks): from an image recovery point vs from scratch",
            headers=["recovery", "RTO (cloud s, median)", "API calls (median)"],
            rows=[
                [
                    "from scratch: snapshots, image, instance",
                    round(rto["scratch"]),
                    calls["scratch"],
                ],
                ["from an image point: RunInstances alone", round(rto["point"]), calls["point"]],
            ],
            figures={"rto_cloud_s": rto, "api_calls": calls, "ratio": ratio, "repeats": repeats},
            targets=[
                Target("A 4 disks: RTO from an image point / from scratch", ratio, RATIO_LIMIT, "x")
            ],
            notes=[
                "RTO as drill_report measures it: from execute_recovery to the DR instance "
                f"Running, on the same world and drawn durations, at time scale {TIME_SCALE:g}. "
                "The point is taken before the timed recovery (not counted: it is taken ahead "
                "of a disaster)."
            ],
        )
    ]

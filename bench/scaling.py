"""How cost grows with work (issue 19, item 4): fleets of 10, 50 and 200 instances at 10 QPS,
each run as bench/fleet.py runs one (a 200-instance fleet is four plans of 50, executed at
once by one server), at a sandbox time scale high enough that the QPS limit is the bound."""

from __future__ import annotations

import tempfile
from pathlib import Path

import anyio

from bench.fleet import FleetRun, run_fleet_of
from bench.report import Section, Target
from bench.service_setup import FLEET_QPS, TIME_SCALE

SIZES = (10, 50, 200)
QUICK_SIZES = (4, 8, 16)
PEAK_RSS_LIMIT_MB = 200.0
# Calls per instance are flat when the largest fleet's are within 10% of the smallest's.
FLAT_LIMIT = 1.10


def run(quick: bool) -> list[Section]:
    sizes = QUICK_SIZES if quick else SIZES
    runs: list[FleetRun] = []
    with tempfile.TemporaryDirectory(prefix="ecs-dr-bench-") as tmp:
        for size in sizes:
            workdir = Path(tmp) / f"fleet-{size}"
            workdir.mkdir()
            runs.append(anyio.run(run_fleet_of, workdir, size))
    return [scaling_section(runs, quick)]


def _mb(kib: int) -> float:
    return kib / 1024


def scaling_section(runs: list[FleetRun], quick: bool) -> Section:
    smallest, largest = runs[0], runs[-1]
    growth = largest.calls_per_instance / smallest.calls_per_instance
    notes = [
        f"Each fleet: the demo world plus N sources (1-3 ESSD disks each), planned with "
        "plan_recovery(scenario=full_instance) in plans of at most 50 sources, executed at "
        f"once through one `ecs-dr-mcp serve` with ECS_DR_MAX_QPS={FLEET_QPS:g}, on a sandbox "
        f"at time scale {TIME_SCALE:g}x (a member's cloud critical path is under half a real "
        "second, so the QPS limit bounds the run).",
        "Calls per instance: the sandbox's requests log from the first execute_recovery to "
        "the end, throttled attempts excluded; the plans' reads are not in it. Instances per "
        "minute: real time of the same span.",
        "Peak RSS: the server process's VmHWM at the end of the run; journal: the SQLite file "
        "and its write-ahead log after the run.",
        f"Flat: calls per instance of the largest fleet over the smallest's, at most "
        f"{FLAT_LIMIT:.2f}x.",
    ]
    if quick:
        notes.insert(0, f"Quick run: fleets of {', '.join(str(r.size) for r in runs)}.")
    return Section(
        key="scaling",
        title=f"Scaling: fleets of {', '.join(str(r.size) for r in runs)} at {FLEET_QPS:g} QPS",
        headers=[
            "instances",
            "completed",
            "API calls per instance",
            "instances/minute",
            "peak RSS MB",
            "journal KiB",
            "wall s",
        ],
        rows=[
            [
                r.size,
                f"{r.completed}/{r.size}",
                round(r.calls_per_instance, 2),
                round(r.per_minute, 1),
                round(_mb(r.hwm_kib), 1),
                round(r.journal_bytes / 1024),
                round(r.wall_s, 1),
            ]
            for r in runs
        ],
        figures={
            str(r.size): {
                "completed": r.completed,
                "calls_per_instance": r.calls_per_instance,
                "calls_by_action": dict(r.calls),
                "instances_per_minute": r.per_minute,
                "peak_rss_mb": _mb(r.hwm_kib),
                "journal_bytes": r.journal_bytes,
                "wall_s": r.wall_s,
                "plan_s": r.plan_s,
                "plan_calls": r.plan_calls,
                "client_throttling_errors": r.client_throttled,
            }
            for r in runs
        },
        targets=[
            Target(
                f"peak RSS, {largest.size} instances",
                round(_mb(largest.hwm_kib), 1),
                PEAK_RSS_LIMIT_MB,
                "MB",
            ),
            Target(
                f"calls per instance, {largest.size} over {smallest.size} instances",
                round(growth, 3),
                FLAT_LIMIT,
                "x",
            ),
            Target(
                "instances completed, DR matching its source",
                sum(r.completed for r in runs),
                sum(r.size for r in runs),
                "instances",
                higher_is_better=True,
            ),
        ],
        notes=notes,
    )

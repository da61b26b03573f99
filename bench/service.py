"""The service around the recoveries: a fleet under the QPS limit (issue 8, item 4), what the
MCP layer costs per call, how fast the server starts and how much memory it holds (item 5),
and how many requests a second the sandbox serves (item 6).

Everything runs as it does in use: a sandbox in its own process, `ecs-dr-mcp serve` in
another, pointed at it, and the real `mcp` client over stdio in this one.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import anyio
import structlog

from bench.fleet import fleet_section, run_fleet
from bench.overhead import cold_starts, mcp_overhead, overhead_section
from bench.report import Section
from bench.service_setup import FULL, QUICK
from bench.throughput import measure_throughput, throughput_section
from ecs_dr.logs import configure_logging


def run(quick: bool) -> list[Section]:
    """Items 4-6 of issue 8, each a section of the report."""
    scale = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="ecs-dr-bench-") as tmp:
        workdir = Path(tmp)
        for part in ("fleet", "latency", "cold", "throughput"):
            (workdir / part).mkdir()
        # The in-process gateway logs each call as the server does (JSON lines into a file),
        # so that the in-process side pays what the server pays for its log.
        with (workdir / "bench.log").open("w") as log:
            configure_logging("INFO", stream=log)
            try:
                fleet = anyio.run(run_fleet, workdir / "fleet", scale)
                overhead = anyio.run(mcp_overhead, workdir / "latency", scale)
                cold = anyio.run(cold_starts, workdir / "cold", scale)
                throughput = anyio.run(measure_throughput, workdir / "throughput", scale)
            finally:
                structlog.reset_defaults()
    rate_of_5 = overhead.calls_per_tool_call / (overhead.mcp_p50_ms / 1000)
    return [
        fleet_section(fleet, scale),
        overhead_section(overhead, cold, fleet),
        throughput_section(throughput, rate_of_5),
    ]

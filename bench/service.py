"""The service around the recoveries: a fleet under the QPS limit (issue 8, item 4), what the
MCP layer costs per call and how much memory the server holds (item 5), and how many requests
a second the sandbox serves (item 6); how fast it starts is `bench.startup`.

Everything runs as it does in use: a sandbox in its own process, `ecs-dr-mcp serve` in
another, pointed at it, and the real `mcp` client over stdio in this one.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import anyio

from bench import progress
from bench.fleet import fleet_section, run_fleet
from bench.overhead import mcp_overhead, overhead_section
from bench.report import Section
from bench.service_setup import FULL, QUICK, logged_like_the_server
from bench.throughput import measure_throughput, throughput_section


def run(quick: bool) -> list[Section]:
    """Items 4-6 of issue 8, each a section of the report."""
    scale = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="ecs-dr-bench-") as tmp:
        workdir = Path(tmp)
        for part in ("fleet", "latency", "throughput"):
            (workdir / part).mkdir()
        with logged_like_the_server(workdir):
            with progress.stage(f"service: a fleet of {scale.fleet_size}"):
                fleet = anyio.run(run_fleet, workdir / "fleet", scale)
            with progress.stage("service: MCP overhead"):
                overhead = anyio.run(mcp_overhead, workdir / "latency", scale)
            with progress.stage("service: sandbox throughput"):
                throughput = anyio.run(measure_throughput, workdir / "throughput", scale)
    rate_of_5 = overhead.calls_per_tool_call / (overhead.mcp_p50_ms / 1000)
    return [
        fleet_section(fleet, scale),
        overhead_section(overhead, fleet),
        throughput_section(throughput, rate_of_5),
    ]

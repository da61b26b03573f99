"""Issue 19 items 1 and 3: how soon the server is of use and what an interactive call pays.
Spawn -> initialized -> tools listed for `ecs-dr-mcp serve` on an external sandbox,
`ecs-dr-mcp --version` from spawn to exit, and describe_source under the default rate limit
against the same requests bare."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from tests.support.credentials import SANDBOX_CREDENTIALS
from tests.support.demo_world import REGION
from tests.support.mcp import SERVER_LAUNCHER, server_environment

from bench import progress
from bench.overhead import INTERACTIVE_PAUSE_S, Overhead, mcp_overhead, spread_of
from bench.report import Section, Target
from bench.service_setup import (
    FULL,
    QUICK,
    Scale,
    logged_like_the_server,
    sandbox_at_scale,
    server_env,
)

# The console script a user runs, next to this interpreter.
COMMAND = str(Path(sys.executable).parent / "ecs-dr-mcp")


@dataclass
class ColdStart:
    initialized_s: list[float] = field(default_factory=list)
    listed_s: list[float] = field(default_factory=list)
    tools: int = 0
    version_s: list[float] = field(default_factory=list)


async def cold_starts(workdir: Path, scale: Scale) -> ColdStart:
    """Spawn -> initialized -> tools listed, for `ecs-dr-mcp serve` on an external sandbox
    (the way it runs against ECS: no embedded sandbox to start)."""
    found = ColdStart()
    with sandbox_at_scale(workdir) as sandbox:
        for n in range(scale.spawns):
            settings = {
                "ALIBABA_CLOUD_ECS_ENDPOINT": sandbox.endpoint,
                "ALIBABA_CLOUD_ECS_PROTOCOL": "http",
                "ALIBABA_CLOUD_REGION_ID": REGION,
                "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
                **SANDBOX_CREDENTIALS,
                **server_env(),
            }
            environment = server_environment(workdir / f"state-{n}", settings)
            params = StdioServerParameters(
                command=sys.executable,
                args=["-c", SERVER_LAUNCHER, "ecs-dr-bench-cold-start"],
                env=environment,
            )
            with (workdir / f"cold-{n}.log").open("w") as errlog, anyio.fail_after(60):
                started = time.perf_counter()
                async with Client(stdio_client(params, errlog=errlog)) as client:
                    found.initialized_s.append(time.perf_counter() - started)
                    listed = await client.list_tools()
                    found.listed_s.append(time.perf_counter() - started)
                    found.tools = len(listed.tools)
            progress.repetition("cold start: spawn -> tools listed", n + 1, scale.spawns)
    for n in range(scale.spawns):
        found.version_s.append(await version_run())
        progress.repetition("ecs-dr-mcp --version", n + 1, scale.spawns)
    return found


async def version_run() -> float:
    """Seconds from spawning `ecs-dr-mcp --version`, the installed command, to its exit."""
    with anyio.fail_after(60):
        started = time.perf_counter()
        await anyio.run_process([COMMAND, "--version"])
        return time.perf_counter() - started


def startup_section(cold: ColdStart, interactive: Overhead) -> Section:
    (mcp_ms,), (bare_ms,) = interactive.mcp_ms, interactive.direct_ms
    (mcp50,) = interactive.p(interactive.mcp_ms, 50)
    (bare50,) = interactive.p(interactive.direct_ms, 50)
    delta = mcp50 - bare50
    listed_s = statistics.median(cold.listed_s)
    version_s = statistics.median(cold.version_s)
    return Section(
        key="start_and_interactive",
        title="Start and an interactive call",
        headers=["figure", "median", "range [min, max]"],
        rows=[
            [
                "cold start: spawn -> initialized (s)",
                round(statistics.median(cold.initialized_s), 3),
                str(spread_of(cold.initialized_s, 3)),
            ],
            [
                "cold start: spawn -> tools listed (s)",
                round(listed_s, 3),
                str(spread_of(cold.listed_s, 3)),
            ],
            [
                "`ecs-dr-mcp --version`: spawn -> exit (s)",
                round(version_s, 3),
                str(spread_of(cold.version_s, 3)),
            ],
            [
                "describe_source via mcp/stdio, default rate limit, p50 (ms)",
                round(mcp50, 2),
                str(spread_of(mcp_ms)),
            ],
            ["same requests bare, in-process, p50 (ms)", round(bare50, 2), str(spread_of(bare_ms))],
            ["default-limit call over bare, p50 difference (ms)", round(delta, 2), "one round"],
        ],
        figures={
            "cold_start_initialized_s": cold.initialized_s,
            "cold_start_tools_listed_s": cold.listed_s,
            "tools_listed": cold.tools,
            "version_s": cold.version_s,
            "interactive_mcp_ms": mcp_ms,
            "interactive_bare_ms": bare_ms,
            "cloud_calls_per_describe_source": interactive.mcp_actions,
        },
        targets=[
            Target("cold start to tools listed (median)", listed_s, 0.8, "s"),
            Target("`ecs-dr-mcp --version` (median)", version_s, 0.3, "s"),
            Target("describe_source, default rate limit, over bare (p50)", delta, 10, "ms"),
        ],
        notes=[
            f"Cold start: `ecs-dr-mcp serve` on an external sandbox, median of {len(cold.listed_s)}"
            f" spawns, through the mcp Client's initialize and tools/list ({cold.tools} tools). "
            f"`--version`: the installed console script, median of {len(cold.version_s)} runs.",
            "Interactive call: the server as installed (ECS_DR_MAX_QPS unset, so its default "
            f"limit of 10 requests a second), {len(mcp_ms)} describe_source calls "
            f"{INTERACTIVE_PAUSE_S:g} s apart as a user's come, each followed by the same requests "
            f"({interactive.direct_actions}) from an unlimited gateway in this process, against an "
            "external sandbox process. Before issue 19 the limit spaced every request 100 ms "
            "apart (302 ms p50 against 2.2 ms bare).",
        ],
    )


def run(quick: bool) -> list[Section]:
    """Issue 19 items 1 and 3, one section."""
    scale = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="ecs-dr-bench-") as tmp:
        workdir = Path(tmp)
        with logged_like_the_server(workdir):
            with progress.stage("start: cold starts and --version"):
                cold = anyio.run(cold_starts, workdir / "cold", scale)
            with progress.stage("start: describe_source under the default rate limit"):
                interactive = anyio.run(
                    partial(mcp_overhead, default_limits=True), workdir / "interactive", scale
                )
    return [startup_section(cold, interactive)]

"""Item 5 of issue 8: what the MCP layer costs per call, how fast the server starts and how
much memory it holds."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from tests.support.credentials import (
    SANDBOX_CREDENTIALS,
)
from tests.support.demo_world import (
    DB_INSTANCE,
    REGION,
)
from tests.support.mcp import SERVER_LAUNCHER, mcp_session_on, server_environment

from bench.fleet import FleetRun
from bench.report import Section, Target
from bench.service_setup import (
    RSS_SAMPLE_S,
    UNBOUND_QPS,
    Scale,
    in_process_gateway,
    sandbox_at_scale,
    server_env,
)
from ecs_dr.cloud import ecs


def percentile(values: Sequence[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


@dataclass
class Overhead:
    mcp_ms: list[list[float]] = field(default_factory=list)  # per round
    direct_ms: list[list[float]] = field(default_factory=list)
    mcp_actions: list[str] = field(default_factory=list)
    direct_actions: list[str] = field(default_factory=list)

    def p(self, rounds: list[list[float]], q: int) -> list[float]:
        return [percentile(r, q) for r in rounds]

    @property
    def p50_deltas(self) -> list[float]:
        pairs = zip(self.p(self.mcp_ms, 50), self.p(self.direct_ms, 50), strict=True)
        return [m - d for m, d in pairs]

    @property
    def mcp_p50_ms(self) -> float:
        return statistics.median(self.p(self.mcp_ms, 50))

    @property
    def calls_per_tool_call(self) -> int:
        return len(self.mcp_actions)


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


async def mcp_overhead(workdir: Path, scale: Scale) -> Overhead:
    """describe_source through the client, and the same cloud calls from this process,
    alternating call by call so that both meet the same machine."""
    env = server_env(ECS_DR_MAX_QPS=UNBOUND_QPS)
    found = Overhead()
    arguments = {"instance_id": DB_INSTANCE, "region_id": REGION}
    with sandbox_at_scale(workdir) as sandbox:
        gateway = in_process_gateway(sandbox.endpoint, float(UNBOUND_QPS))
        async with mcp_session_on(sandbox, workdir, "latency", env=env) as (served, _):

            async def through_mcp() -> None:
                await served.call("describe_source", arguments)

            async def direct() -> None:
                await ecs.describe_instance(gateway, REGION, DB_INSTANCE)

            sandbox.reset()
            await through_mcp()
            found.mcp_actions = sorted(sandbox.actions())
            sandbox.reset()
            await direct()
            found.direct_actions = sorted(sandbox.actions())
            for _ in range(scale.latency_warmup):
                await through_mcp()
                await direct()
            for _ in range(scale.latency_rounds):
                mcp, own = [], []
                for _ in range(scale.latency_calls):
                    mcp.append(await timed(through_mcp))
                    own.append(await timed(direct))
                found.mcp_ms.append(mcp)
                found.direct_ms.append(own)
                sandbox.reset()  # keep the requests log (and its lookups) small
    return found


@dataclass
class ColdStart:
    initialized_s: list[float] = field(default_factory=list)
    listed_s: list[float] = field(default_factory=list)
    tools: int = 0


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
    return found


def spread_of(values: Sequence[float], digits: int = 2) -> list[float]:
    return [round(min(values), digits), round(max(values), digits)]


def overhead_section(found: Overhead, cold: ColdStart, fleet: FleetRun) -> Section:
    mcp50, mcp95 = found.p(found.mcp_ms, 50), found.p(found.mcp_ms, 95)
    own50, own95 = found.p(found.direct_ms, 50), found.p(found.direct_ms, 95)
    deltas = found.p50_deltas
    delta = statistics.median(deltas)
    cold_s = statistics.median(cold.listed_s)
    peak_mb = max(fleet.hwm_kib, fleet.rss_max_kib) / 1024
    calls = len(found.mcp_ms[0])
    return Section(
        key="mcp_overhead",
        title="MCP overhead, cold start and memory",
        headers=["figure", "median", "range [min, max]"],
        rows=[
            [
                "describe_source via mcp/stdio p50 (ms)",
                round(statistics.median(mcp50), 2),
                str(spread_of(mcp50)),
            ],
            [
                "describe_source via mcp/stdio p95 (ms)",
                round(statistics.median(mcp95), 2),
                str(spread_of(mcp95)),
            ],
            [
                "same gateway calls in-process p50 (ms)",
                round(statistics.median(own50), 2),
                str(spread_of(own50)),
            ],
            [
                "same gateway calls in-process p95 (ms)",
                round(statistics.median(own95), 2),
                str(spread_of(own95)),
            ],
            ["MCP overhead per call, p50 difference (ms)", round(delta, 2), str(spread_of(deltas))],
            [
                "cold start: spawn -> initialized (s)",
                round(statistics.median(cold.initialized_s), 3),
                str(spread_of(cold.initialized_s, 3)),
            ],
            [
                "cold start: spawn -> tools listed (s)",
                round(cold_s, 3),
                str(spread_of(cold.listed_s, 3)),
            ],
            ["server peak RSS during the fleet run (MB)", round(peak_mb, 1), "one run"],
        ],
        figures={
            "rounds": len(found.mcp_ms),
            "calls_per_round": calls,
            "cloud_calls_per_describe_source": found.mcp_actions,
            "cloud_calls_in_process": found.direct_actions,
            "mcp_p50_ms": mcp50,
            "mcp_p95_ms": mcp95,
            "direct_p50_ms": own50,
            "direct_p95_ms": own95,
            "p50_difference_ms": deltas,
            "cold_start_initialized_s": cold.initialized_s,
            "cold_start_tools_listed_s": cold.listed_s,
            "tools_listed": cold.tools,
            "fleet_server_vmhwm_kib": fleet.hwm_kib,
            "fleet_server_vmrss_max_sampled_kib": fleet.rss_max_kib,
        },
        targets=[
            Target("MCP overhead per tool call (p50)", delta, 10, "ms"),
            Target("cold start to tools listed (median)", cold_s, 1.5, "s"),
            Target("server peak RSS in the fleet run", peak_mb, 150, "MB"),
        ],
        notes=[
            f"describe_source(instance_id, region_id) makes {found.mcp_actions} per call (read "
            f"from the requests log); the in-process side calls ecs.describe_instance on an "
            f"EcsGateway in this process, which makes {found.direct_actions}, against the same "
            "sandbox process.",
            f"{len(found.mcp_ms)} round(s) of {calls} calls each, after warm-up, MCP and "
            "in-process calls alternating one by one; medians over rounds of each round's "
            "percentile. Both sides with the same unbound limits (ECS_DR_MAX_QPS="
            f"{UNBOUND_QPS}), so no rate token is waited for.",
            f"Cold start: `ecs-dr-mcp serve` on an external sandbox, median of {len(cold.listed_s)}"
            f" spawns, through the mcp Client's initialize and tools/list ({cold.tools} tools).",
            "Peak RSS: the server's VmHWM at the end of the fleet run (and VmRSS sampled every "
            f"{RSS_SAMPLE_S:g} s), fleet of {fleet.size}.",
        ],
    )

"""Item 5 of issue 8: what the MCP layer costs per call, how fast the server starts and how
much memory it holds; issue 19 item 1: what an interactive call pays under the default rate
limit."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from tests.support.demo_world import (
    DB_INSTANCE,
    REGION,
)
from tests.support.mcp import mcp_session_on

from bench import progress
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


# A user's calls come seconds apart: by the next one, the last one's rate tokens are back.
INTERACTIVE_PAUSE_S = 1.1


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


async def mcp_overhead(workdir: Path, scale: Scale, *, default_limits: bool = False) -> Overhead:
    """describe_source through the client, and the same cloud calls from this process,
    alternating call by call so that both meet the same machine.

    With `default_limits` the server runs as installed (ECS_DR_MAX_QPS unset: its default
    rate limit) and the calls come as a user's do, INTERACTIVE_PAUSE_S apart; the calls from
    this process stay unlimited, the requests bare.
    """
    env = server_env() if default_limits else server_env(ECS_DR_MAX_QPS=UNBOUND_QPS)
    name = "interactive" if default_limits else "latency"
    rounds = 1 if default_limits else scale.latency_rounds
    calls = scale.interactive_calls if default_limits else scale.latency_calls
    warmup = 2 if default_limits else scale.latency_warmup
    pause_s = INTERACTIVE_PAUSE_S if default_limits else 0.0
    found = Overhead()
    arguments = {"instance_id": DB_INSTANCE, "region_id": REGION}
    with sandbox_at_scale(workdir) as sandbox:
        gateway = in_process_gateway(sandbox.endpoint, float(UNBOUND_QPS))
        async with mcp_session_on(sandbox, workdir, name, env=env) as (served, _):

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
            for _ in range(warmup):
                await anyio.sleep(pause_s)
                await through_mcp()
                await direct()
            for round_ in range(rounds):
                mcp, own = [], []
                for call in range(calls):
                    await anyio.sleep(pause_s)
                    mcp.append(await timed(through_mcp))
                    own.append(await timed(direct))
                    if default_limits:
                        progress.repetition("describe_source, default limits", call + 1, calls)
                progress.repetition("MCP overhead rounds", round_ + 1, rounds)
                found.mcp_ms.append(mcp)
                found.direct_ms.append(own)
                sandbox.reset()  # keep the requests log (and its lookups) small
    return found


def spread_of(values: Sequence[float], digits: int = 2) -> list[float]:
    return [round(min(values), digits), round(max(values), digits)]


def overhead_section(found: Overhead, fleet: FleetRun) -> Section:
    mcp50, mcp95 = found.p(found.mcp_ms, 50), found.p(found.mcp_ms, 95)
    own50, own95 = found.p(found.direct_ms, 50), found.p(found.direct_ms, 95)
    deltas = found.p50_deltas
    delta = statistics.median(deltas)
    peak_mb = max(fleet.hwm_kib, fleet.rss_max_kib) / 1024
    calls = len(found.mcp_ms[0])
    return Section(
        key="mcp_overhead",
        title="MCP overhead and memory",
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
            "fleet_server_vmhwm_kib": fleet.hwm_kib,
            "fleet_server_vmrss_max_sampled_kib": fleet.rss_max_kib,
        },
        targets=[
            Target("MCP overhead per tool call (p50)", delta, 10, "ms"),
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
            "Peak RSS: the server's VmHWM at the end of the fleet run (and VmRSS sampled every "
            f"{RSS_SAMPLE_S:g} s), fleet of {fleet.size}.",
        ],
    )

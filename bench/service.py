"""The service around the recoveries: a fleet under the QPS limit (issue 8, item 4), what the
MCP layer costs per call, how fast the server starts and how much memory it holds (item 5),
and how many requests a second the sandbox serves (item 6).

Everything runs as it does in use: a sandbox in its own process, `ecs-dr-mcp serve` in
another, pointed at it, and the real `mcp` client over stdio in this one.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import structlog
from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_credentials.models import Config as CredentialConfig
from alibabacloud_ecs20140526 import models as ecs_models
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from tests.support.credentials import (
    SANDBOX_CREDENTIALS,
    SANDBOX_KEY_ID,
    SANDBOX_KEY_SECRET,
    SANDBOX_SECURITY_TOKEN,
)
from tests.support.decisions import confirmed, decide
from tests.support.demo_world import (
    DB_INSTANCE,
    DEMO_WORLD_FILE,
    PROD_SG,
    REGION,
    SOURCE_VSWITCH,
    SOURCE_ZONE,
    TARGET_ZONE,
)
from tests.support.mcp import SERVER_LAUNCHER, Session, mcp_session_on, server_environment
from tests.support.sandboxes import sandbox_process

from bench.report import Section, Target
from ecs_dr.cloud import ecs
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.settings import CloudSettings
from ecs_dr.logs import configure_logging
from ecs_dr.sandbox.control import SandboxControl

# Cloud time runs 600x real time: a fleet member's whole critical path (snapshot group
# ~1 min, image ~2.5 min, instance ~1 min of cloud time) is under half a real second, while
# 50 instances at 10 requests a second need well over a minute of real time for their
# calls alone. The fleet is therefore bound by the QPS limit (a real-time budget), not by
# simulated cloud durations, and its tail (the last instance waiting on the cloud) is small.
TIME_SCALE = 600.0
FLEET_QPS = 10.0
# The sandbox refuses the account above this: a hair over the product's own limit, so a
# clean run shows that the product's limiter, not luck, keeps it under ECS's.
SANDBOX_THROTTLE_QPS = 11.0
# execute_recovery / wait_operation follow the operation this long (real seconds) per call.
CALL_WAIT_S = 20.0
# Limits that never bind, for the latency and throughput runs (the same on both sides).
UNBOUND_QPS = "100000"
INSTANCE_TYPES = ("ecs.g7.large", "ecs.g6.large", "ecs.c7.large")
MUTATING = ("Create", "Run", "Allocate", "Attach", "Modify", "Delete", "Stop", "Reboot", "Tag")
RSS_SAMPLE_S = 0.25
FLEET_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Scale:
    """How much each part runs: `quick` is a smoke run, the full one gives stable medians."""

    fleet_size: int
    latency_calls: int
    latency_warmup: int
    latency_rounds: int
    spawns: int
    throughput_s: float
    throughput_rounds: int
    throughput_clients: int = 4


QUICK = Scale(
    fleet_size=8,
    latency_calls=60,
    latency_warmup=10,
    latency_rounds=1,
    spawns=3,
    throughput_s=1.5,
    throughput_rounds=2,
)
FULL = Scale(
    fleet_size=50,
    latency_calls=200,
    latency_warmup=20,
    latency_rounds=3,
    spawns=10,
    throughput_s=3.0,
    throughput_rounds=3,
)


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
                fleet = anyio.run(_fleet, workdir / "fleet", scale)
                overhead = anyio.run(_mcp_overhead, workdir / "latency", scale)
                cold = anyio.run(_cold_starts, workdir / "cold", scale)
                throughput = anyio.run(_throughput, workdir / "throughput", scale)
            finally:
                structlog.reset_defaults()
    rate_of_5 = overhead.calls_per_tool_call / (overhead.mcp_p50_ms / 1000)
    return [
        _fleet_section(fleet, scale),
        _overhead_section(overhead, cold, fleet),
        _throughput_section(throughput, rate_of_5),
    ]


# --- processes ----------------------------------------------------------------------------


@contextmanager
def _sandbox(workdir: Path, world: Path | None = None) -> Iterator[SandboxControl]:
    """`ecs-dr-sandbox` in its own process at TIME_SCALE, on `world` or the demo world."""
    workdir.mkdir(parents=True, exist_ok=True)
    args = ["-m", "ecs_dr.sandbox.cli", "--port", "0", "--time-scale", str(TIME_SCALE)]
    args += ["--access-key-id", SANDBOX_KEY_ID, "--access-key-secret", SANDBOX_KEY_SECRET]
    args += ["--world", str(world)] if world is not None else []
    with sandbox_process(workdir, args) as sandbox:
        yield sandbox


def _server_env(**extra: str) -> dict[str, str]:
    return {
        "ECS_DR_CLOUD_TIME_SCALE": str(TIME_SCALE),
        "ECS_DR_MAX_CALL_WAIT_S": str(CALL_WAIT_S),
        **extra,
    }


def _gateway(endpoint: str, max_qps: float | None) -> EcsGateway:
    """The product's gateway in this process, signed as the server signs."""
    settings = CloudSettings(
        endpoint=endpoint,
        protocol="http",
        region_id=REGION,
        max_qps=max_qps,
        max_concurrent_calls=8,
    )
    credential = CredentialClient(
        CredentialConfig(
            type="sts",
            access_key_id=SANDBOX_KEY_ID,
            access_key_secret=SANDBOX_KEY_SECRET,
            security_token=SANDBOX_SECURITY_TOKEN,
        )
    )
    return EcsGateway(settings, credential=credential)


def _status_kib(pid: int, field_name: str) -> int:
    """A `/proc/<pid>/status` memory figure (VmRSS, VmHWM) in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise LookupError(f"{field_name} not in /proc/{pid}/status")


# --- 4. the fleet ---------------------------------------------------------------------------


def fleet_world(path: Path, size: int) -> list[str]:
    """The demo world plus `size` sources in the source zone, 1-3 ESSD disks each, of three
    instance types so that no type runs out of stock in the target zone."""
    world = json.loads(DEMO_WORLD_FILE.read_text())
    region = next(r for r in world["regions"] if r["region_id"] == REGION)
    ids = []
    for n in range(size):
        instance_id = f"i-bp1bench{n:011d}"
        ids.append(instance_id)
        disks = [
            {
                "disk_id": f"d-bp1benchs{n:010d}",
                "type": "system",
                "device": "/dev/xvda",
                "category": "cloud_essd",
                "size": 40,
                "performance_level": "PL0",
            }
        ]
        for d in range(n % 3):
            disks.append(
                {
                    "disk_id": f"d-bp1bench{d}{n:010d}",
                    "type": "data",
                    "device": f"/dev/xvd{'bc'[d]}",
                    "category": "cloud_essd",
                    "size": 100 * (d + 1),
                    "performance_level": "PL1",
                }
            )
        region["instances"].append(
            {
                "instance_id": instance_id,
                "instance_name": f"bench-{n:02d}",
                "zone_id": SOURCE_ZONE,
                "instance_type": INSTANCE_TYPES[n % len(INSTANCE_TYPES)],
                "vswitch_id": SOURCE_VSWITCH,
                "security_group_ids": [PROD_SG],
                "disks": disks,
            }
        )
    path.write_text(json.dumps(world))
    return ids


@dataclass
class FleetRun:
    size: int
    disks: int
    wall_s: float
    plan_s: float
    plan_calls: int
    calls: Counter[str]
    plan_calls_by_action: Counter[str]
    sandbox_throttled: int
    client_throttled: int
    completed: int
    peak_window_requests: int
    hwm_kib: int
    rss_max_kib: int
    cloud_s: float

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def calls_per_instance(self) -> float:
        return self.total_calls / self.size

    @property
    def mutating_per_instance(self) -> float:
        mutating = sum(n for a, n in self.calls.items() if a.startswith(MUTATING))
        return mutating / self.size

    @property
    def per_minute(self) -> float:
        return self.size / self.wall_s * 60

    @property
    def end_to_end_per_minute(self) -> float:
        return self.size / (self.plan_s + self.wall_s) * 60

    @property
    def bound_per_minute(self) -> float:
        return FLEET_QPS * 60 / self.calls_per_instance

    @property
    def ratio(self) -> float:
        return self.per_minute / self.bound_per_minute


def _busiest_second(times: Sequence[float]) -> int:
    """The most requests any one-second window of the log holds."""
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] > 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def _sample_rss(pid: int, peak: list[int]) -> None:
    while True:
        try:
            peak[0] = max(peak[0], _status_kib(pid, "VmRSS"))
        except (OSError, LookupError):
            return
        await anyio.sleep(RSS_SAMPLE_S)


async def _finished(served: Session, result: dict[str, Any]) -> dict[str, Any]:
    while result["status"] == "in_progress":
        result = await served.call("wait_operation", {"operation_id": result["operation_id"]})
    return result


async def _fleet(workdir: Path, scale: Scale) -> FleetRun:
    sources = fleet_world(workdir / "world.json", scale.fleet_size)
    disks = sum(1 + n % 3 for n in range(scale.fleet_size))
    env = _server_env(ECS_DR_MAX_QPS=str(FLEET_QPS))
    with _sandbox(workdir, workdir / "world.json") as sandbox:
        sandbox.add_fault({"kind": "throttle", "qps": SANDBOX_THROTTLE_QPS})
        async with mcp_session_on(sandbox, workdir, "fleet", env=env) as (served, pid):
            peak = [0]
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(_sample_rss, pid, peak)
                with anyio.fail_after(FLEET_TIMEOUT_S):
                    started = time.perf_counter()
                    planned, _ = await decide(
                        served,
                        "plan_recovery",
                        {
                            "scenario": "full_instance",
                            "source_instance_id": sources,
                            "target_zone_id": TARGET_ZONE,
                            "drill": True,
                        },
                    )
                    plan_s = time.perf_counter() - started
                    if planned["status"] != "completed":
                        raise RuntimeError(f"the fleet plan did not complete: {planned}")
                    before = len(sandbox.requests())
                    started = time.perf_counter()
                    result = await _finished(
                        served,
                        await served.call(
                            "execute_recovery",
                            await confirmed(
                                served, "execute_recovery", {"plan_id": planned["plan_id"]}
                            ),
                        ),
                    )
                    wall_s = time.perf_counter() - started
                hwm = _status_kib(pid, "VmHWM")
                tasks.cancel_scope.cancel()
            seen = served.client.transcript.results  # type: ignore[attr-defined]
            client_throttled = sum("Throttling" in text for _, text in seen)
        requests = sandbox.requests()
    if result["status"] != "completed":
        raise RuntimeError(f"the fleet recovery did not complete: {result}")
    executed = requests[before:]
    accepted = [r for r in executed if not r["code"].startswith("Throttling")]
    # execute_recovery shows the rows when it saw the end itself, wait_operation its result.
    rows = result.get("fleet") or result["result"]["rows"]
    return FleetRun(
        size=scale.fleet_size,
        disks=disks,
        wall_s=wall_s,
        plan_s=plan_s,
        plan_calls=before,
        calls=Counter(r["action"] for r in accepted),
        plan_calls_by_action=Counter(r["action"] for r in requests[:before]),
        sandbox_throttled=len(executed) - len(accepted),
        client_throttled=client_throttled,
        completed=sum(r["status"] == "completed" and r["all_match"] for r in rows),
        peak_window_requests=_busiest_second([r["time"] for r in requests]),
        hwm_kib=hwm,
        rss_max_kib=peak[0],
        cloud_s=executed[-1]["cloud_time"] - executed[0]["cloud_time"] if executed else 0.0,
    )


def _fleet_section(run: FleetRun, scale: Scale) -> Section:
    polls = sum(n for a, n in run.calls.items() if a.startswith("Describe"))
    notes = [
        f"One fleet plan of {run.size} instances ({run.disks} ESSD disks, 1-3 each) planned "
        "with plan_recovery(scenario=full_instance), run with execute_recovery and followed "
        "with wait_operation, through the mcp client over stdio against `ecs-dr-mcp serve` "
        f"on a sandbox process, ECS_DR_MAX_QPS={FLEET_QPS:g}.",
        "Instances/minute is real (wall-clock) time from execute_recovery to the last "
        "wait_operation, since the QPS limit is a real-time budget; the plan's read calls "
        f"({run.plan_calls} in {run.plan_s:.1f} s) are not in it.",
        f"Bound: {FLEET_QPS:g} requests/s x 60 / API calls per instance in this run (from "
        "the sandbox's requests log, throttled attempts excluded).",
        f"Time scale {TIME_SCALE:g}x: a member's cloud critical path (~4 min of cloud time) "
        f"is ~0.4 s real, while {run.size} x {run.calls_per_instance:.0f} calls at "
        f"{FLEET_QPS:g}/s need {run.total_calls / FLEET_QPS:.0f} s, so the run is QPS-bound; "
        f"the cloud clock advanced {run.cloud_s / 60:.0f} min during it.",
        f"The sandbox throttles the account above {SANDBOX_THROTTLE_QPS:g} requests/s; it "
        f"refused {run.sandbox_throttled} attempts (absorbed by the gateway's retry), "
        f"the busiest second of its log held {run.peak_window_requests} requests.",
        "The ratio shows how fully the product uses its QPS budget, not how few calls it "
        "makes: every member polls on its own (DescribeSnapshotGroups, DescribeImages, "
        "DescribeInstances), and the plan repeats the zone's DescribeZones, "
        "DescribeAvailableResource and DescribeVSwitches for every member.",
        "One run: a 50-instance fleet at 10 QPS takes minutes, so no repeats; the ratio and "
        "the calls are measured in that same run.",
    ]
    if scale.fleet_size < FULL.fleet_size:
        notes.insert(0, f"Quick run: a fleet of {run.size}, not {FULL.fleet_size}.")
    return Section(
        key="fleet",
        title=f"Fleet: {run.size} instances at {FLEET_QPS:g} QPS",
        headers=["figure", "value"],
        rows=[
            ["instances completed, DR matching its source", f"{run.completed}/{run.size}"],
            ["wall time (real s)", round(run.wall_s, 1)],
            ["instances/minute (real time)", round(run.per_minute, 2)],
            ["  with the plan's reads included", round(run.end_to_end_per_minute, 2)],
            ["API calls per instance", round(run.calls_per_instance, 1)],
            [
                "  of them mutating / polling+reads",
                f"{run.mutating_per_instance:.1f} / {polls / run.size:.1f}",
            ],
            ["bound allowed by the QPS limit (instances/minute)", round(run.bound_per_minute, 2)],
            ["ratio to the bound", f"{run.ratio:.1%}"],
            ["throttling errors seen by the client", run.client_throttled],
            ["throttled attempts at the sandbox (absorbed)", run.sandbox_throttled],
        ],
        figures={
            "instances": run.size,
            "disks": run.disks,
            "completed": run.completed,
            "wall_s": run.wall_s,
            "plan_s": run.plan_s,
            "plan_calls": run.plan_calls,
            "plan_calls_by_action": dict(run.plan_calls_by_action),
            "instances_per_minute": run.per_minute,
            "instances_per_minute_with_plan": run.end_to_end_per_minute,
            "calls_per_instance": run.calls_per_instance,
            "mutating_calls_per_instance": run.mutating_per_instance,
            "calls_by_action": dict(run.calls),
            "bound_instances_per_minute": run.bound_per_minute,
            "ratio_to_bound": run.ratio,
            "client_throttling_errors": run.client_throttled,
            "sandbox_throttled_attempts": run.sandbox_throttled,
            "busiest_second_requests": run.peak_window_requests,
            "time_scale": TIME_SCALE,
            "max_qps": FLEET_QPS,
            "sandbox_throttle_qps": SANDBOX_THROTTLE_QPS,
        },
        targets=[
            Target("fleet rate vs QPS bound", run.ratio * 100, 80, "%", higher_is_better=True),
            Target("client-visible throttling errors", run.client_throttled, 0, "errors"),
        ],
        notes=notes,
    )


# --- 5. MCP overhead, cold start, memory ----------------------------------------------------


def _percentile(values: Sequence[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


@dataclass
class Overhead:
    mcp_ms: list[list[float]] = field(default_factory=list)  # per round
    direct_ms: list[list[float]] = field(default_factory=list)
    mcp_actions: list[str] = field(default_factory=list)
    direct_actions: list[str] = field(default_factory=list)

    def p(self, rounds: list[list[float]], q: int) -> list[float]:
        return [_percentile(r, q) for r in rounds]

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


async def _timed(call: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


async def _mcp_overhead(workdir: Path, scale: Scale) -> Overhead:
    """describe_source through the client, and the same cloud calls from this process,
    alternating call by call so that both meet the same machine."""
    env = _server_env(ECS_DR_MAX_QPS=UNBOUND_QPS)
    found = Overhead()
    arguments = {"instance_id": DB_INSTANCE, "region_id": REGION}
    with _sandbox(workdir) as sandbox:
        gateway = _gateway(sandbox.endpoint, float(UNBOUND_QPS))
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
                    mcp.append(await _timed(through_mcp))
                    own.append(await _timed(direct))
                found.mcp_ms.append(mcp)
                found.direct_ms.append(own)
                sandbox.reset()  # keep the requests log (and its lookups) small
    return found


@dataclass
class ColdStart:
    initialized_s: list[float] = field(default_factory=list)
    listed_s: list[float] = field(default_factory=list)
    tools: int = 0


async def _cold_starts(workdir: Path, scale: Scale) -> ColdStart:
    """Spawn -> initialized -> tools listed, for `ecs-dr-mcp serve` on an external sandbox
    (the way it runs against ECS: no embedded sandbox to start)."""
    found = ColdStart()
    with _sandbox(workdir) as sandbox:
        for n in range(scale.spawns):
            settings = {
                "ALIBABA_CLOUD_ECS_ENDPOINT": sandbox.endpoint,
                "ALIBABA_CLOUD_ECS_PROTOCOL": "http",
                "ALIBABA_CLOUD_REGION_ID": REGION,
                "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
                **SANDBOX_CREDENTIALS,
                **_server_env(),
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


def _range(values: Sequence[float], digits: int = 2) -> list[float]:
    return [round(min(values), digits), round(max(values), digits)]


def _overhead_section(found: Overhead, cold: ColdStart, fleet: FleetRun) -> Section:
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
                str(_range(mcp50)),
            ],
            [
                "describe_source via mcp/stdio p95 (ms)",
                round(statistics.median(mcp95), 2),
                str(_range(mcp95)),
            ],
            [
                "same gateway calls in-process p50 (ms)",
                round(statistics.median(own50), 2),
                str(_range(own50)),
            ],
            [
                "same gateway calls in-process p95 (ms)",
                round(statistics.median(own95), 2),
                str(_range(own95)),
            ],
            ["MCP overhead per call, p50 difference (ms)", round(delta, 2), str(_range(deltas))],
            [
                "cold start: spawn -> initialized (s)",
                round(statistics.median(cold.initialized_s), 3),
                str(_range(cold.initialized_s, 3)),
            ],
            [
                "cold start: spawn -> tools listed (s)",
                round(cold_s, 3),
                str(_range(cold.listed_s, 3)),
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


# --- 6. sandbox throughput ------------------------------------------------------------------


@dataclass
class Throughput:
    rates: list[float] = field(default_factory=list)
    clients: int = 0


async def _throughput(workdir: Path, scale: Scale) -> Throughput:
    """DescribeInstances signed by the SDK through the product's gateway, from several
    concurrent clients in this process, as fast as the sandbox answers."""
    found = Throughput(clients=scale.throughput_clients)
    with _sandbox(workdir) as sandbox:
        gateway = _gateway(sandbox.endpoint, None)
        request = ecs_models.DescribeInstancesRequest(instance_ids=json.dumps([DB_INSTANCE]))

        async def client(deadline: float, done: list[int]) -> None:
            while time.perf_counter() < deadline:
                await gateway.call(REGION, "DescribeInstances", request)
                done[0] += 1

        await gateway.call(REGION, "DescribeInstances", request)
        for _ in range(scale.throughput_rounds):
            sandbox.reset()
            done = [0]
            started = time.perf_counter()
            deadline = started + scale.throughput_s
            async with anyio.create_task_group() as tasks:
                for _ in range(scale.throughput_clients):
                    tasks.start_soon(client, deadline, done)
            found.rates.append(done[0] / (time.perf_counter() - started))
    return found


def _throughput_section(found: Throughput, rate_of_5: float) -> Section:
    rate = statistics.median(found.rates)
    return Section(
        key="sandbox_throughput",
        title="Sandbox throughput",
        headers=["figure", "median", "range [min, max]"],
        rows=[
            ["DescribeInstances served (requests/s)", round(rate, 1), str(_range(found.rates, 1))],
            ["fleet's request rate (limit, requests/s)", FLEET_QPS, ""],
            ["describe_source loop's request rate (requests/s)", round(rate_of_5, 1), ""],
        ],
        figures={
            "requests_per_s": found.rates,
            "clients": found.clients,
            "fleet_qps": FLEET_QPS,
            "mcp_loop_requests_per_s": rate_of_5,
            "headroom_over_fleet": rate / FLEET_QPS,
            "headroom_over_mcp_loop": rate / rate_of_5,
        },
        targets=[],
        notes=[
            f"{found.clients} concurrent clients in one process, each DescribeInstances signed "
            "by the SDK through an unlimited EcsGateway, against the sandbox process; "
            f"{len(found.rates)} rounds. The client shares the 2 cores with the sandbox, so "
            "this is a floor on what the sandbox serves.",
            f"{rate / FLEET_QPS:.0f}x the fleet's 10 requests/s and {rate / rate_of_5:.1f}x the "
            "rate the describe_source loop of the MCP overhead run asks for: the sandbox is "
            "not the bottleneck of either.",
        ],
    )

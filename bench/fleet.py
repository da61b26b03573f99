"""Item 4 of issue 8: a fleet recovered under the QPS limit, as one MCP client drives it."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from tests.support.decisions import confirmed, decide
from tests.support.demo_world import (
    DEMO_WORLD_FILE,
    PROD_SG,
    REGION,
    SOURCE_VSWITCH,
    SOURCE_ZONE,
    TARGET_ZONE,
)
from tests.support.mcp import Answer, Session, mcp_session_on

from bench.report import Section, Target
from bench.service_setup import (
    FLEET_QPS,
    FLEET_TIMEOUT_S,
    FULL,
    INSTANCE_TYPES,
    MUTATING,
    RSS_SAMPLE_S,
    SANDBOX_THROTTLE_QPS,
    TIME_SCALE,
    Scale,
    sandbox_at_scale,
    server_env,
    status_kib,
)
from ecs_dr.domain.fleet_recovery import MAX_FLEET_SOURCES
from ecs_dr.workflows.journal import JOURNAL_FILE

# Issue 19.2: a fleet in at most 8 API calls per instance, so that 50 instances at 10 QPS
# recover at 70 or more a minute.
CALLS_LIMIT = 8.0
ECS_IMAGE_QUOTA = 100
PER_MINUTE_TARGET = 70.0


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
    if size > ECS_IMAGE_QUOTA:
        # A custom image per source: an account that recovers more than ECS's default quota
        # of images at once has that quota raised, and picks a zone with stock for them all.
        world["quotas"] = {"custom_images": ECS_IMAGE_QUOTA + size}
        target = next(z for z in region["zones"] if z["zone_id"] == TARGET_ZONE)
        for instance_type in INSTANCE_TYPES:
            target["instance_types"][instance_type] = {"stock": size}
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
    journal_bytes: int

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


def busiest_second(times: Sequence[float]) -> int:
    """The most requests any one-second window of the log holds."""
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] > 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def sample_rss(pid: int, peak: list[int]) -> None:
    while True:
        try:
            peak[0] = max(peak[0], status_kib(pid, "VmRSS"))
        except (OSError, LookupError):
            return
        await anyio.sleep(RSS_SAMPLE_S)


async def finished(served: Session, result: dict[str, Any]) -> dict[str, Any]:
    while result["status"] == "in_progress":
        result = await served.call("wait_operation", {"operation_id": result["operation_id"]})
    return result


async def plan_fleet(served: Session, sources: list[str]) -> str:
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
    if planned["status"] != "completed":
        raise RuntimeError(f"the fleet plan did not complete: {planned}")
    return str(planned["plan_id"])


async def start_fleet(served: Session, plan_id: str) -> Answer:
    """execute_recovery, confirmed: its answer once the server's bounded wait is over."""
    arguments = await confirmed(served, "execute_recovery", {"plan_id": plan_id})
    answer: Answer = await served.call("execute_recovery", arguments)
    return answer


async def _follow(served: Session, started: dict[str, Any], results: list[dict[str, Any]]) -> None:
    result = await finished(served, started)
    if result["status"] != "completed":
        raise RuntimeError(f"the fleet recovery did not complete: {result}")
    results.append(result)


def journal_bytes(state_dir: Path) -> int:
    """The journal's size on disk, its write-ahead log included."""
    return sum(f.stat().st_size for f in state_dir.glob(f"{JOURNAL_FILE}*"))


async def run_fleet(workdir: Path, scale: Scale) -> FleetRun:
    return await run_fleet_of(workdir, scale.fleet_size)


async def run_fleet_of(workdir: Path, size: int) -> FleetRun:
    """A fleet of `size` instances, in plans of at most MAX_FLEET_SOURCES each: planned and
    started one after the other, then run together (one server, one QPS budget)."""
    sources = fleet_world(workdir / "world.json", size)
    parts = [sources[i : i + MAX_FLEET_SOURCES] for i in range(0, size, MAX_FLEET_SOURCES)]
    disks = sum(1 + n % 3 for n in range(size))
    env = server_env(ECS_DR_MAX_QPS=str(FLEET_QPS))
    with sandbox_at_scale(workdir, workdir / "world.json") as sandbox:
        sandbox.add_fault({"kind": "throttle", "qps": SANDBOX_THROTTLE_QPS})
        async with mcp_session_on(sandbox, workdir, "fleet", env=env) as (served, pid):
            peak = [0]
            results: list[dict[str, Any]] = []
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(sample_rss, pid, peak)
                with anyio.fail_after(FLEET_TIMEOUT_S * len(parts)):
                    started = time.perf_counter()
                    plan_ids = [await plan_fleet(served, part) for part in parts]
                    plan_s = time.perf_counter() - started
                    before = len(sandbox.requests())
                    started = time.perf_counter()
                    # Started one after the other (each call's confirmation reads every
                    # source, under the one QPS budget), then followed at once.
                    running = [await start_fleet(served, plan_id) for plan_id in plan_ids]
                    async with anyio.create_task_group() as executions:
                        for answer in running:
                            executions.start_soon(_follow, served, answer, results)
                    wall_s = time.perf_counter() - started
                hwm = status_kib(pid, "VmHWM")
                tasks.cancel_scope.cancel()
            seen = served.client.transcript.results  # type: ignore[attr-defined]
            client_throttled = sum("Throttling" in text for _, text in seen)
        requests = sandbox.requests()
    executed = requests[before:]
    accepted = [r for r in executed if not r["code"].startswith("Throttling")]
    rows = [row for result in results for row in result["result"]["rows"]]
    return FleetRun(
        size=size,
        disks=disks,
        wall_s=wall_s,
        plan_s=plan_s,
        plan_calls=before,
        calls=Counter(r["action"] for r in accepted),
        plan_calls_by_action=Counter(r["action"] for r in requests[:before]),
        sandbox_throttled=len(executed) - len(accepted),
        client_throttled=client_throttled,
        completed=sum(r["status"] == "completed" and r["all_match"] for r in rows),
        peak_window_requests=busiest_second([r["time"] for r in requests]),
        hwm_kib=hwm,
        rss_max_kib=peak[0],
        cloud_s=executed[-1]["cloud_time"] - executed[0]["cloud_time"] if executed else 0.0,
        journal_bytes=journal_bytes(workdir / "state"),
    )


def fleet_section(run: FleetRun, scale: Scale) -> Section:
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
        "makes: those are the calls per instance. Polls and single reads of one kind are "
        "batched (cloud/polls.py): one Describe call for every resource of the kind that "
        "is waited on or read while the call waits for its slot.",
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
            Target("fleet API calls per instance", run.calls_per_instance, CALLS_LIMIT, "calls"),
            Target(
                f"fleet instances/minute at {FLEET_QPS:g} QPS",
                run.per_minute,
                PER_MINUTE_TARGET,
                "instances/min",
                higher_is_better=True,
            ),
            Target("client-visible throttling errors", run.client_throttled, 0, "errors"),
        ],
        notes=notes,
    )

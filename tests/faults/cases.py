"""One fault-matrix case run through the `mcp` client against the sandbox: a clean run to
compare with, the fault injected at its step, the operation followed to its end (resumed when
it stopped), and the audit of the cloud afterwards (duplicates, orphans, source changes)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio

from ecs_dr.sandbox.control import SandboxControl
from tests.faults.matrix import (
    CREATES,
    FOLLOW_TIMEOUT_S,
    LATE_ANSWER_S,
    PLANS,
    UNTOUCHED,
    Case,
    Row,
    Scenario,
)
from tests.support.decisions import confirmed, decide
from tests.support.demo_world import REGION
from tests.support.mcp import Session, mcp_session_on
from tests.support.recoveries import KINDS, TAG_OPERATION, inventory_of


def region_of(state: Mapping[str, Any]) -> dict[str, Any]:
    return dict(state["regions"][REGION])


def source_state(state: Mapping[str, Any], instance_ids: tuple[str, ...]) -> dict[str, Any]:
    """The instances and the disks they had before the recovery, as the sandbox holds them:
    every field, none ignored (a snapshot leaves its disk's record as it was)."""
    region = region_of(state)
    return {
        "instances": {i: region["instances"][i] for i in instance_ids},
        "disks": {k: v for k, v in region["disks"].items() if v["instance_id"] in instance_ids},
    }


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The ids of source resources that differ (or went away) between two `source_state`s."""
    changed = []
    for kind in ("instances", "disks"):
        for resource_id, was in before[kind].items():
            if after[kind].get(resource_id) != was:
                changed.append(resource_id)
    return changed


@dataclass(frozen=True)
class Clean:
    """One uninterrupted run of a scenario: its requests log and what it created."""

    requests: list[dict[str, Any]]
    created: dict[str, int]
    tokens: dict[str, int]


def client_tokens(requests: list[dict[str, Any]]) -> dict[str, set[str]]:
    """The ClientTokens each create action was sent with."""
    found: dict[str, set[str]] = {action: set() for action in CREATES}
    for r in requests:
        if r["action"] in found:
            found[r["action"]].add(r["parameters"].get("ClientToken", ""))
    return found


async def plan(served: Session, scenario: Scenario) -> str:
    planned, _ = await decide(served, "plan_recovery", PLANS[scenario])
    assert planned["status"] == "completed", planned
    return str(planned["plan_id"])


async def follow(served: Session, result: dict[str, Any]) -> dict[str, Any]:
    """The operation followed with wait_operation until it is no longer in progress."""
    op = result["operation_id"]
    with anyio.fail_after(FOLLOW_TIMEOUT_S):
        while result["status"] == "in_progress":
            result = await served.call("wait_operation", {"operation_id": op, "max_wait_s": 5})
    return result


async def execute(served: Session, plan_id: str) -> dict[str, Any]:
    arguments = await confirmed(served, "execute_recovery", {"plan_id": plan_id})
    started = await served.call("execute_recovery", arguments)
    return await follow(served, started)


async def clean_run(served: Session, cloud: SandboxControl, scenario: Scenario) -> Clean:
    cloud.reset()
    before = inventory_of(cloud.state())
    result = await execute(served, await plan(served, scenario))
    assert result["status"] == "completed", result
    after = inventory_of(cloud.state())
    requests = cloud.requests()
    tokens = client_tokens(requests)
    return Clean(
        requests=requests,
        created={kind: len(after[kind] - before[kind]) for kind in KINDS},
        tokens={action: len(ids) for action, ids in tokens.items() if ids},
    )


@dataclass
class Audit:
    """The cloud after a case, against the clean run and the operation's journal."""

    duplicates: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    source_changes: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)


def audit(
    clean: Clean,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    requests: list[dict[str, Any]],
    operation: Mapping[str, Any] | None,
    untouched: tuple[str, ...],
) -> Audit:
    """Duplicates: resources past the clean run's count of each kind, leaving out those the
    journal records as failed and replaced (and a failed group's snapshots), and ClientTokens
    past one per create. Orphans: new or operation-tagged resources the journal's steps do
    not account for (a group's snapshots and an instance's disks count with their group and
    instance). Source changes: source resources that differ."""
    found = Audit()
    region = region_of(after)
    new = {kind: ids - inventory_of(before)[kind] for kind, ids in inventory_of(after).items()}
    steps = list(operation["steps"]) if operation else []
    recorded = {s["resource_id"] for s in steps if s["resource_id"]}
    failed = {s["resource_id"] for s in steps if s.get("failure")}
    found.replaced = sorted(failed)
    for group_id in recorded & set(region["snapshot_groups"]):
        members = set(region["snapshot_groups"][group_id]["snapshot_ids"])
        recorded |= members
        if group_id in failed:
            failed |= members
    recorded |= {k for k, d in region["disks"].items() if d["instance_id"] in recorded}
    for kind, ids in new.items():
        extra = len(ids - failed) - clean.created[kind]
        if extra > 0:
            found.duplicates.append(f"{kind}: {extra} more than a clean run")
    replaced_by_action = Counter(s["action"] for s in steps if s.get("failure"))
    for action, tokens in client_tokens(requests).items():
        allowed = clean.tokens.get(action, 0) + replaced_by_action[action]
        if len(tokens) > allowed:
            found.duplicates.append(f"{action}: {len(tokens)} ClientTokens, {allowed} expected")
    attaches = [r for r in requests if r["action"] == "AttachDisk" and r["status"] == 200]
    if len(attaches) > sum(1 for r in clean.requests if r["action"] == "AttachDisk"):
        found.duplicates.append(f"AttachDisk answered {len(attaches)} times")
    op = operation["operation_id"] if operation else None
    tagged = {
        t["resource_id"]
        for t in region["tags"]
        if op is not None and t["tags"].get(TAG_OPERATION) == op
    }
    every_new = set().union(*new.values())
    found.orphans = sorted((every_new | tagged) - recorded)
    found.source_changes = changes(source_state(before, untouched), source_state(after, untouched))
    return found


# --- one case --------------------------------------------------------------------------------


async def landed(cloud: SandboxControl, action: str) -> None:
    """Wait until the sandbox has answered the call of `action` it held back: the late answer
    to a request the server gave up on has reached ECS and done its work (the log records a
    request once answered, with how long that took)."""

    def late_answers() -> int:
        held_ms = LATE_ANSWER_S * 1000
        return sum(
            1 for r in cloud.requests() if r["action"] == action and r["duration_ms"] >= held_ms
        )

    with anyio.fail_after(LATE_ANSWER_S * 10):
        while not late_answers():  # noqa: ASYNC110 - the sandbox has no event to wait on
            await anyio.sleep(0.02)


async def run_case(
    served: Session, cloud: SandboxControl, clean: Clean, case: Case, row: Row
) -> Audit:
    """Plan, inject, execute; resume once the fault is cleared if the operation stopped; then
    audit the cloud. Fills `row` in and returns the audit."""
    step, fault = case.step, case.fault
    cloud.reset()
    plan_id = await plan(served, step.scenario)
    before = cloud.state()
    nth = step.nth(clean.requests)
    for spec in fault.inject(step.action, nth):
        cloud.add_fault(spec)
    result = await execute(served, plan_id)
    op = result["operation_id"]
    if fault.late_answer:
        await landed(cloud, step.action)
    if result["status"] == "completed":
        row.outcome = "completed"
    else:
        assert not fault.absorbed, result
        assert result["status"] == "failed", result
        assert fault.code in (result["error"] or ""), (fault.code, result["error"])
        stopped = await served.call("get_operation", {"operation_id": op})
        assert stopped["status"] == "failed" and "resume_recovery" in stopped["next_step"]
        cloud.clear_faults()
        resumed = await follow(served, await served.call("resume_recovery", {"operation_id": op}))
        assert resumed["status"] == "completed", resumed
        row.outcome = "resumed-completed"
    operation = (await served.call("get_operation", {"operation_id": op}))["operation"]
    found = audit(
        clean, before, cloud.state(), cloud.requests(), operation, UNTOUCHED[step.scenario]
    )
    row.duplicates, row.orphans = len(found.duplicates), len(found.orphans)
    row.source_changes, row.replaced = len(found.source_changes), len(found.replaced)
    row.detail = "; ".join(found.duplicates + found.orphans + found.source_changes)
    return found


# --- servers kept for a module ---------------------------------------------------------------


class Servers:
    """`ecs-dr-mcp serve` processes on one sandbox, each started on first use and kept for
    the module. Each lives in a task of its own, which enters and leaves its `mcp_session_on`
    (a client session is left in the task that entered it)."""

    def __init__(self, cloud: SandboxControl, workdir: Path) -> None:
        self.cloud = cloud
        self.workdir = workdir
        self._served: dict[str, Session] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._stop = asyncio.Event()

    async def get(self, name: str, env: Mapping[str, str]) -> Session:
        if name not in self._served:
            (self.workdir / name).mkdir(parents=True, exist_ok=True)
            ready: asyncio.Future[Session] = asyncio.get_running_loop().create_future()
            self._tasks.append(asyncio.create_task(self._own(name, env, ready)))
            with anyio.fail_after(FOLLOW_TIMEOUT_S):
                self._served[name] = await ready
        return self._served[name]

    async def _own(self, name: str, env: Mapping[str, str], ready: asyncio.Future[Session]) -> None:
        try:
            async with mcp_session_on(self.cloud, self.workdir / name, name, env) as (served, _):
                ready.set_result(served)
                await self._stop.wait()
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
            raise

    async def aclose(self) -> None:
        self._stop.set()
        with anyio.fail_after(FOLLOW_TIMEOUT_S):
            await asyncio.gather(*self._tasks)

"""The operation lease: two ecs-dr-mcp processes sharing one journal never run, resume or clean
up the same operation at once. Each "process" here is its own Operations (its own LeaseOwner)
on its own Journal of the same file; the journals read a clock the test moves, so a 30 s
lease expires without sleeping."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
from pydantic import BaseModel

from ecs_dr.cloud.ecs import Timing
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.tools.refusals import refusal_text
from ecs_dr.workflows.cleanup import execute_cleanup, inventory
from ecs_dr.workflows.journal import (
    DEFAULT_LEASE_S,
    DEFAULT_RENEW_EVERY_S,
    CleanupRefused,
    Journal,
    LeaseOwner,
    OperationNotResumable,
    StepRecorder,
    this_node,
)
from ecs_dr.workflows.operations import Operations, Outcome, ProgressFn, Work
from tests.support.demo_world import DB_INSTANCE, REGION
from tests.support.sandboxes import SandboxHandle
from tests.support.scenario_a_steps import dr_instance, full_image, snapshot_group
from tests.support.workflows import (
    FLOW_LIMIT_S,
    Clock,
    OneOperation,
    ProgressLog,
    region_state,
    world,
)

QUICK = 5.0
LEASE_S = 30.0


class Done(BaseModel):
    ok: bool = True


def gated(release: anyio.Event) -> Work:
    async def work(step: StepRecorder, progress: ProgressFn) -> BaseModel:
        await step.intent("snapshot", "CreateSnapshot", {"DiskId": "d-1"})
        await step.created("snapshot", "s-1")
        await release.wait()
        return Done()

    return work


async def quick(step: StepRecorder, progress: ProgressFn) -> BaseModel:
    return Done()


async def finished(operations: Operations, operation_id: str) -> Outcome:
    """Follow the operation until it ends: each wait is capped at max_call_wait_s, and the
    journal's writes run in worker threads, so one wait may end before the operation does."""
    outcome = await operations.wait(operation_id, QUICK)
    while outcome.status == "in_progress":
        outcome = await operations.wait(operation_id, QUICK)
    return outcome


async def gated_steps_recorded(journal: Journal, operation_id: str) -> None:
    """Until the gated work has recorded its step (its journal writes run in worker threads):
    from then on, only its end changes the record."""
    # The journal has no event to wait on: poll it until the work wrote.
    while not [s for s in journal.get(operation_id).steps if s.resource_id]:  # noqa: ASYNC110
        await anyio.sleep(0.002)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "journal.sqlite3"


def process(path: Path, clock: Clock, renew_every_s: float = DEFAULT_RENEW_EVERY_S) -> Operations:
    """One ecs-dr-mcp process on the shared journal file."""
    return Operations(
        Journal(path, clock=clock),
        max_call_wait_s=0.01,
        lease_s=LEASE_S,
        renew_every_s=renew_every_s,
    )


def elsewhere() -> LeaseOwner:
    """A process on another machine: only its lease's expiry tells that it died."""
    return LeaseOwner(owner_id="f" * 32, pid=4242, host="dr-02.prod", node="another-node")


def test_the_default_lease_is_thirty_seconds_renewed_every_ten() -> None:
    assert (DEFAULT_LEASE_S, DEFAULT_RENEW_EVERY_S) == (30.0, 10.0)
    with pytest.raises(ValueError, match="outlast"):
        Operations(Journal.__new__(Journal), lease_s=10, renew_every_s=10)


async def test_a_second_process_cannot_resume_an_operation_whose_lease_is_live(
    path: Path, clock: Clock
) -> None:
    release = anyio.Event()
    with anyio.fail_after(QUICK):
        async with process(path, clock) as first, process(path, clock) as second:
            started = await first.run("execute_recovery", REGION, {}, gated(release))
            op = started.operation_id
            assert started.status == "in_progress"
            await gated_steps_recorded(second.journal, op)
            before = second.journal.get(op)
            assert before.lease is not None
            assert before.lease.owner_id == first.owner.owner_id
            assert before.lease.expires_at == clock.at + timedelta(seconds=LEASE_S)

            clock.advance(LEASE_S - 1)
            with pytest.raises(OperationNotResumable) as refused:
                await second.resume(op, quick)

            message = refusal_text(refused.value)
            assert f"another ecs-dr-mcp process ({os.getpid()}@{first.owner.host}" in message
            assert before.lease.expires_at.isoformat(timespec="microseconds") in message
            assert second.journal.get(op) == before
            release.set()
            assert (await finished(first, op)).status == "completed"
    record = Journal(path).get(op)
    assert (record.status, record.lease) == ("completed", None)


async def test_a_sigkilled_servers_lease_expires_and_resume_continues(
    path: Path, clock: Clock
) -> None:
    journal = Journal(path, clock=clock)
    # The server on another machine recorded the operation and a step, then was killed.
    op = journal.create_operation("execute_recovery", REGION, {}, owner=elsewhere(), lease_s=30)
    journal.record_intent(op, "snapshot", "CreateSnapshot", "tok", {"DiskId": "d-1"})
    journal.record_created(op, "snapshot", "s-1")
    seen: list[str | None] = []

    async def work(step: StepRecorder, progress: ProgressFn) -> BaseModel:
        seen.append(await step.recorded("snapshot"))
        return Done()

    with anyio.fail_after(QUICK):
        async with process(path, clock) as later:
            held = await later.wait(op, 0)
            assert held.status == "in_progress"
            assert "4242@dr-02.prod" in (held.message or "")
            with pytest.raises(OperationNotResumable) as refused:
                await later.resume(op, work)
            assert "(4242@dr-02.prod, lease until" in refusal_text(refused.value)

            clock.advance(30)  # nobody renewed it
            interrupted = await later.wait(op, 0)
            assert interrupted.status == "failed"
            assert "no other ecs-dr-mcp process holds its lease" in (interrupted.error or "")
            assert f"resume_recovery(operation_id={op!r})" in (interrupted.error or "")

            resumed = await later.resume(op, work)
            while resumed.status == "in_progress":
                resumed = await later.wait(op, QUICK)
    assert resumed.status == "completed", resumed.error
    assert seen == ["s-1"]
    assert (journal.get(op).status, journal.get(op).lease) == ("completed", None)


def leased_to_a_child_then_sigkilled(journal: Journal) -> str:
    """An operation leased to a real child process on this machine, which is then killed."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = LeaseOwner(owner_id="d" * 32, pid=child.pid, host="here", node=this_node())
        op = journal.create_operation("execute_recovery", REGION, {}, owner=dead, lease_s=30)
        assert journal.live_lease(journal.get(op)) is not None
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    return op


async def test_a_killed_process_on_this_machine_gives_its_lease_up_at_once(
    path: Path, clock: Clock
) -> None:
    journal = Journal(path, clock=clock)
    op = leased_to_a_child_then_sigkilled(journal)

    assert journal.live_lease(journal.get(op)) is None
    with anyio.fail_after(QUICK):
        async with process(path, clock) as later:
            outcome = await later.resume(op, quick)
            while outcome.status == "in_progress":
                outcome = await later.wait(op, QUICK)
    assert outcome.status == "completed"


async def test_the_heartbeat_renews_the_lease_while_the_operation_runs(
    path: Path, clock: Clock
) -> None:
    release = anyio.Event()
    with anyio.fail_after(QUICK):
        async with (
            process(path, clock, renew_every_s=0.005) as first,
            process(path, clock) as second,
        ):
            op = (await first.run("execute_recovery", REGION, {}, gated(release))).operation_id
            taken = second.journal.get(op).lease
            assert taken is not None
            for _ in range(3):
                clock.advance(LEASE_S * 2 / 3)
                target = clock.at + timedelta(seconds=LEASE_S)
                # The journal has no event to wait on: poll it until the heartbeat wrote.
                while (lease := second.journal.get(op).lease) is None or lease.expires_at < target:  # noqa: ASYNC110
                    await anyio.sleep(0.002)
            # Twice the first lease has passed: the renewed one still keeps others out.
            assert clock.at > taken.expires_at
            with pytest.raises(OperationNotResumable) as refused:
                await second.resume(op, quick)
            assert "another ecs-dr-mcp process" in refusal_text(refused.value)
            release.set()
            assert (await finished(first, op)).status == "completed"
    assert Journal(path).get(op).lease is None


class UnfinishableJournal(Journal):
    """A journal that takes every write but an operation's end (its disk filled up just then,
    and again at each try), so that the heartbeat's renewals still go through."""

    def finish(self, *args: Any, **kwargs: Any) -> None:
        raise sqlite3.OperationalError("database or disk is full")


async def test_an_operation_whose_end_the_journal_refused_is_no_longer_leased_by_its_process(
    path: Path, clock: Clock
) -> None:
    async def work(step: StepRecorder, progress: ProgressFn) -> BaseModel:
        await step.intent("snapshot", "CreateSnapshot", {"DiskId": "d-1"})
        await step.created("snapshot", "s-1")
        return Done()

    unfinishable = UnfinishableJournal(path, clock=clock)
    with anyio.fail_after(QUICK):
        async with (
            Operations(unfinishable, QUICK, lease_s=LEASE_S, renew_every_s=0.005) as first,
            process(path, clock) as second,
        ):
            ended = await first.run("execute_recovery", REGION, {}, work)
            op = ended.operation_id
            assert ended.status == "failed"
            assert f"call resume_recovery(operation_id={op!r})" in (ended.error or "")

            clock.advance(LEASE_S + 1)
            await anyio.sleep(0.1)  # twenty beats of the first process's heartbeat
            record = second.journal.get(op)
            assert record.status == "running"
            assert second.journal.live_lease(record) is None
            assert second.journal.cleanup_refusal(record) is None
            assert first.journal.cleanup_refusal(record, first.owner) is None

            resumed = await second.resume(op, work)
            while resumed.status == "in_progress":
                resumed = await second.wait(op, QUICK)

    assert resumed.status == "completed", resumed.error
    record = Journal(path).get(op)
    assert (record.status, record.lease) == ("completed", None)
    assert [s.resource_id for s in record.steps] == ["s-1"]


async def test_two_processes_taking_over_at_once_exactly_one_wins(path: Path, clock: Clock) -> None:
    journal = Journal(path, clock=clock)
    op = journal.create_operation("execute_recovery", REGION, {}, owner=elsewhere(), lease_s=30)
    clock.advance(31)
    one, two = LeaseOwner.of_this_process(), LeaseOwner.of_this_process()

    Journal(path, clock=clock).take_over(op, one, LEASE_S)
    with pytest.raises(OperationNotResumable) as refused:
        Journal(path, clock=clock).take_over(op, two, LEASE_S)
    assert "another ecs-dr-mcp process" in refusal_text(refused.value)

    lease = journal.get(op).lease
    assert lease is not None and lease.owner_id == one.owner_id


async def test_a_process_whose_lease_was_taken_over_stops_and_records_nothing(
    path: Path, clock: Clock
) -> None:
    never = anyio.Event()
    with anyio.fail_after(QUICK):
        # A stalled server: its heartbeat would come after its lease has expired.
        async with process(path, clock, renew_every_s=LEASE_S / 2) as stalled:
            op = (await stalled.run("execute_recovery", REGION, {}, gated(never))).operation_id
            clock.advance(LEASE_S + 1)
            async with process(path, clock) as other:
                other_owner = other.owner
                await other.resume(op, gated(anyio.Event()))
                await stalled._renew()  # its next beat finds the lease gone
                outcome = await finished(stalled, op)
                assert outcome.status == "failed"
                assert "taken over by another ecs-dr-mcp process" in (outcome.error or "")
                record = stalled.journal.get(op)
                assert record.status == "running"
                assert record.lease is not None and record.lease.owner_id == other_owner.owner_id


async def test_a_stopping_server_gives_its_leases_up_so_a_restart_resumes_at_once(
    path: Path, clock: Clock
) -> None:
    never = anyio.Event()
    with anyio.fail_after(QUICK):
        async with process(path, clock) as first:
            op = (await first.run("execute_recovery", REGION, {}, gated(never))).operation_id
        assert Journal(path).get(op).lease is None
        async with process(path, clock) as restarted:
            outcome = await restarted.resume(op, quick)
            while outcome.status == "in_progress":
                outcome = await restarted.wait(op, QUICK)
    assert outcome.status == "completed"


# --- cleanup under the lease -----------------------------------------------------------------


def test_cleanup_of_an_operation_whose_lease_is_live_is_refused_and_changes_nothing(
    path: Path, clock: Clock
) -> None:
    journal = Journal(path, clock=clock)
    op = journal.create_operation("execute_recovery", REGION, {}, owner=elsewhere(), lease_s=30)
    before = journal.get(op)

    with pytest.raises(CleanupRefused) as refused:
        journal.claim_cleanup(op, owner=LeaseOwner.of_this_process())

    assert "still running in ecs-dr-mcp process 4242@dr-02.prod" in refusal_text(refused.value)
    assert "Nothing was deleted" in refusal_text(refused.value)
    assert journal.get(op) == before


def test_an_interrupted_operation_nobody_holds_can_be_cleaned_up(path: Path, clock: Clock) -> None:
    journal = Journal(path, clock=clock)
    op = journal.create_operation("execute_recovery", REGION, {}, owner=elsewhere(), lease_s=30)
    clock.advance(30)
    me = LeaseOwner.of_this_process()

    assert journal.claim_cleanup(op, owner=me) == "running"
    journal.finish_cleanup(op, {"deleted": []}, owner=me)

    record = journal.get(op)
    assert (record.status, record.lease) == ("cleaned_up", None)
    assert record.cleanup == {"previous_status": "running", "deleted": []}


async def test_a_cleanup_interrupted_mid_way_is_finished_by_a_later_cleanup(
    gateway: EcsGateway,
    sandbox: SandboxHandle,
    path: Path,
    clock: Clock,
    timing: Timing,
) -> None:
    journal = Journal(path, clock=clock)
    before = world(sandbox)
    op = OneOperation(journal, {"source_instance_id": DB_INSTANCE})
    with anyio.fail_after(FLOW_LIMIT_S):
        group = await snapshot_group(gateway, op, ProgressLog(), timing)  # type: ignore[arg-type]
        image = await full_image(
            gateway,
            op,  # type: ignore[arg-type]
            ProgressLog(),
            timing,
            group.snapshot_group_id or "",
        )
        dr = await dr_instance(gateway, op, ProgressLog(), timing, image.image_id)  # type: ignore[arg-type]
    journal.finish(op.operation_id, "completed", result={})

    # The first server claims the cleanup, deletes the DR instance, and is killed.
    dead = elsewhere()
    journal.claim_cleanup(op.operation_id, "op-00000000000000c1", owner=dead, lease_s=30)
    with anyio.fail_after(FLOW_LIMIT_S):
        first = await inventory(gateway, journal.get(op.operation_id))
        partial = first.model_copy(update={"rows": first.rows[:1]})
        assert [r.resource_id for r in partial.to_delete] == [dr.dr_instance_id]
        await execute_cleanup(gateway, partial, ProgressLog(), timing=timing)
    stuck = journal.get(op.operation_id)
    assert stuck.status == "cleaning_up"

    me = LeaseOwner.of_this_process()
    with pytest.raises(CleanupRefused) as refused:
        journal.claim_cleanup(op.operation_id, owner=me)
    assert "being cleaned up already by op-00000000000000c1" in refusal_text(refused.value)
    assert journal.get(op.operation_id) == stuck

    clock.advance(30)  # the killed server's lease runs out
    with anyio.fail_after(FLOW_LIMIT_S):
        inv = await inventory(gateway, journal.get(op.operation_id))
        rows = {r.resource_id: r for r in inv.rows}
        assert rows[dr.dr_instance_id].action == "already_gone"
        assert journal.claim_cleanup(op.operation_id, owner=me) == "completed"
        result = await execute_cleanup(gateway, inv, ProgressLog(), timing=timing)
    journal.finish_cleanup(op.operation_id, result.model_dump(mode="json"), owner=me)

    outcome = {r.resource_id: r.action for r in result.rows}
    assert outcome.pop(dr.dr_instance_id) == "already_gone"
    assert set(outcome.values()) == {"deleted"}, result.rows
    assert result.left == []
    assert world(sandbox) == before
    record = journal.get(op.operation_id)
    assert (record.status, record.lease) == ("cleaned_up", None)
    assert record.cleanup is not None
    assert record.cleanup["previous_status"] == "completed"
    assert record.cleanup["interrupted_cleanups"] == ["op-00000000000000c1"]
    assert DB_INSTANCE in region_state(sandbox)["instances"]


def test_a_cleanup_whose_lease_is_its_own_is_taken_up_again(path: Path, clock: Clock) -> None:
    journal = Journal(path, clock=clock)
    op = journal.create_operation("execute_recovery", REGION, {})
    journal.finish(op, "failed", error="boom")
    me = LeaseOwner.of_this_process()
    assert journal.claim_cleanup(op, owner=me) == "failed"

    assert journal.claim_cleanup(op, owner=me) == "failed"
    with pytest.raises(CleanupRefused) as refused:
        journal.claim_cleanup(op, owner=LeaseOwner.of_this_process())
    assert "being cleaned up" in refusal_text(refused.value)


def test_an_abandoned_cleanup_operation_is_recorded_failed_when_another_takes_over(
    path: Path, clock: Clock
) -> None:
    journal = Journal(path, clock=clock)
    op = journal.create_operation("execute_recovery", REGION, {})
    journal.finish(op, "completed", result={})
    dead = elsewhere()
    cleanup = journal.create_operation(
        "cleanup_recovery", REGION, {"operation_id": op}, owner=dead, lease_s=30
    )
    journal.claim_cleanup(op, cleanup, owner=dead, lease_s=30)
    clock.advance(30)

    journal.claim_cleanup(op, owner=LeaseOwner.of_this_process())

    abandoned = journal.get(cleanup)
    assert (abandoned.status, abandoned.lease) == ("failed", None)
    assert f"cleanup {cleanup} was interrupted" in (abandoned.error or "")

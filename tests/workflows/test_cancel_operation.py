"""Stopping an operation: between creates, never inside one; a create already sent is waited
for and recorded, nothing is created after it, and the operation ends `cancelled`.

The creates here block on anyio events the test sets, so nothing sleeps.
"""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from pydantic import BaseModel

from ecs_dr.workflows.journal import Journal, LeaseOwner, StepRecorder, create_step
from ecs_dr.workflows.operations import Operations, Outcome, ProgressFn

REGION = "cn-hangzhou"
QUICK = 5.0
TINY = 0.005


class Made(BaseModel):
    resource_ids: list[str]


class TwoCreates:
    """Work that makes a snapshot, then an instance; the first create waits for `release`,
    the second for `go_on`."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.in_flight = anyio.Event()
        self.release = anyio.Event()
        self.between = anyio.Event()
        self.go_on = anyio.Event()

    async def __call__(self, step: StepRecorder, progress: ProgressFn) -> Made:
        async def snapshot(token: str) -> str:
            self.sent.append("CreateSnapshot")
            self.in_flight.set()
            await self.release.wait()
            return "s-1"

        async def instance(token: str) -> str:
            self.sent.append("RunInstances")
            return "i-1"

        first = await create_step(step, "snapshot", "CreateSnapshot", {}, snapshot)
        self.between.set()
        await self.go_on.wait()
        second = await create_step(step, "instance", "RunInstances", {}, instance)
        return Made(resource_ids=[first, second])


async def ended(ops: Operations, operation_id: str) -> Outcome:
    """Follow the operation until it is no longer in progress."""
    while (outcome := await ops.wait(operation_id)).status == "in_progress":
        pass
    return outcome


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "journal.sqlite3")


async def test_a_create_in_flight_is_waited_for_and_recorded_and_no_create_follows_it(
    journal: Journal,
) -> None:
    work = TwoCreates()
    with anyio.fail_after(QUICK):
        async with Operations(journal, max_call_wait_s=TINY) as ops:
            started = await ops.run("execute_recovery", REGION, {}, work)
            await work.in_flight.wait()
            stopping = await ops.cancel(started.operation_id, max_wait_s=TINY)
            assert stopping.status == "in_progress"
            work.release.set()
            stopped = await ended(ops, started.operation_id)

    assert stopped.status == "cancelled"
    assert work.sent == ["CreateSnapshot"]
    record = journal.get(started.operation_id)
    assert record.status == "cancelled"
    assert [(s.step, s.resource_id) for s in record.steps] == [("snapshot", "s-1")]
    assert record.lease is None


async def test_an_operation_cancelled_between_creates_sends_no_further_create(
    journal: Journal,
) -> None:
    work = TwoCreates()
    work.release.set()
    with anyio.fail_after(QUICK):
        async with Operations(journal, max_call_wait_s=TINY) as ops:
            started = await ops.run("execute_recovery", REGION, {}, work)
            await work.between.wait()
            await ops.cancel(started.operation_id)
            work.go_on.set()
            stopped = await ended(ops, started.operation_id)

    assert stopped.status == "cancelled"
    assert stopped.error is not None and "cancel_operation" in stopped.error
    assert work.sent == ["CreateSnapshot"]


async def _caller_interrupted(
    journal: Journal, *, by_client: bool
) -> tuple[TwoCreates, str, Outcome]:
    """Run two creates, cancel the caller's call while the first is in flight (its client
    cancelled it, or its connection closed), then let the work go on to its end."""
    work = TwoCreates()
    with anyio.fail_after(QUICK):
        async with Operations(journal, max_call_wait_s=QUICK) as ops:
            async with anyio.create_task_group() as caller:
                caller.start_soon(
                    lambda: ops.run(
                        "execute_recovery", REGION, {}, work, client_cancel=lambda: by_client
                    )
                )
                await work.in_flight.wait()
                caller.cancel_scope.cancel()
            [record] = journal.list()
            work.release.set()
            work.go_on.set()
            outcome = await ended(ops, record.operation_id)
    return work, record.operation_id, outcome


async def test_a_caller_cancelled_by_its_client_stops_the_operation(journal: Journal) -> None:
    work, op, outcome = await _caller_interrupted(journal, by_client=True)

    assert outcome.status == "cancelled"
    assert outcome.error is not None and "client" in outcome.error
    assert work.sent == ["CreateSnapshot"]
    assert journal.get(op).status == "cancelled"


async def test_a_caller_whose_connection_closed_leaves_the_operation_running(
    journal: Journal,
) -> None:
    work, _, outcome = await _caller_interrupted(journal, by_client=False)

    assert outcome.status == "completed"
    assert work.sent == ["CreateSnapshot", "RunInstances"]


async def test_an_interrupted_operation_is_marked_cancelled_and_never_resumed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.sqlite3"
    gone = LeaseOwner(owner_id="gone", pid=1, host="elsewhere")
    op = Journal(path).create_operation("execute_recovery", REGION, {}, owner=gone, lease_s=0)
    with anyio.fail_after(QUICK):
        async with Operations(Journal(path), max_call_wait_s=QUICK) as ops:
            outcome = await ops.cancel(op)

    assert outcome.status == "cancelled"
    record = Journal(path).get(op)
    assert record.status == "cancelled"
    assert record.error is not None and "interrupted" in record.error


async def test_a_finished_operation_is_left_as_it_ended(journal: Journal) -> None:
    work = TwoCreates()
    work.release.set()
    work.go_on.set()
    with anyio.fail_after(QUICK):
        async with Operations(journal, max_call_wait_s=QUICK) as ops:
            done = await ops.run("execute_recovery", REGION, {}, work)
            again = await ops.cancel(done.operation_id)

    assert done.status == again.status == "completed"
    assert journal.get(done.operation_id).status == "completed"


async def test_an_operation_another_live_process_runs_is_left_running(journal: Journal) -> None:
    other = LeaseOwner.of_this_process()
    op = journal.create_operation("execute_recovery", REGION, {}, owner=other, lease_s=60)
    with anyio.fail_after(QUICK):
        async with Operations(journal, max_call_wait_s=TINY) as ops:
            outcome = await ops.cancel(op)

    assert outcome.status == "in_progress"
    assert journal.get(op).status == "running"


async def test_a_create_started_while_another_is_in_flight_waits_and_is_never_sent(
    journal: Journal,
) -> None:
    sent: list[str] = []
    first_sent, release, second_ready = anyio.Event(), anyio.Event(), anyio.Event()

    async def work(step: StepRecorder, progress: ProgressFn) -> Made:
        async def slow(token: str) -> str:
            sent.append("a")
            first_sent.set()
            await release.wait()
            return "s-a"

        async def quick(token: str) -> str:
            sent.append("b")
            return "s-b"

        async def second() -> None:
            await second_ready.wait()
            await create_step(step.scoped("b"), "snapshot", "CreateSnapshot", {}, quick)

        async with anyio.create_task_group() as members:
            members.start_soon(
                create_step, step.scoped("a"), "snapshot", "CreateSnapshot", {}, slow
            )
            members.start_soon(second)
        return Made(resource_ids=[])

    with anyio.fail_after(QUICK):
        async with Operations(journal, max_call_wait_s=TINY) as ops:
            started = await ops.run("execute_recovery", REGION, {}, work)
            await first_sent.wait()
            await ops.cancel(started.operation_id, max_wait_s=TINY)
            second_ready.set()
            await anyio.sleep(TINY)
            release.set()
            stopped = await ended(ops, started.operation_id)

    assert stopped.status == "cancelled"
    assert sent == ["a"]
    record = journal.get(started.operation_id)
    assert [(s.step, s.resource_id) for s in record.steps] == [("a/snapshot", "s-a")]

"""Operations in the background: bounded calls, relayed progress, outcomes never lost.

The work here blocks on anyio events the test sets, and the bounded waits are milliseconds,
so nothing sleeps and every test runs in real time well under a second.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
import stamina
from pydantic import BaseModel

from ecs_dr.cloud.errors import NoStock
from ecs_dr.tools.refusals import refusal_text
from ecs_dr.workflows.journal import (
    Journal,
    OperationNotResumable,
    StepRecorder,
    UnknownOperation,
)
from ecs_dr.workflows.operations import (
    Operations,
    OperationSettings,
    Outcome,
    ProgressFn,
)
from ecs_dr.workflows.operations.settings import DEFAULT_MAX_CALL_WAIT_S
from tests.workflows.test_journal import OutageJournal

REGION = "cn-hangzhou"
# Long enough for work that finishes without waiting, short enough not to be a sleep.
QUICK = 5.0
TINY = 0.005


class ImageResult(BaseModel):
    image_id: str


class Reports:
    """A caller's progress function, as MCP's Context.report_progress would be."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, float | None, str]] = []
        self.arrived = anyio.Event()

    async def __call__(self, progress: float, total: float | None, message: str) -> None:
        self.seen.append((progress, total, message))
        self.arrived.set()
        self.arrived = anyio.Event()


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "journal.sqlite3")


def gated(
    release: anyio.Event, started: anyio.Event | None = None
) -> Callable[[StepRecorder, ProgressFn], Awaitable[ImageResult]]:
    """Work that creates an image, reports progress, then waits for the test to release it."""

    async def work(steps: StepRecorder, progress: ProgressFn) -> ImageResult:
        await steps.intent("image", "CreateImage", {"ImageName": "img"})
        await steps.created("image", "m-1")
        await progress(10, 100, "image m-1 Creating 10%")
        if started is not None:
            started.set()
        await release.wait()
        await progress(100, 100, "image m-1 Available")
        return ImageResult(image_id="m-1")

    return work


async def test_a_quick_operation_completes_within_the_call_and_is_journaled(
    journal: Journal,
) -> None:
    async def work(steps: StepRecorder, progress: ProgressFn) -> ImageResult:
        return ImageResult(image_id="m-1")

    with anyio.fail_after(QUICK):
        async with Operations(journal, max_call_wait_s=QUICK) as ops:
            outcome = await ops.run("create_full_image", REGION, {"instance_id": "i-1"}, work)

    assert outcome.status == "completed"
    assert outcome.result == {"image_id": "m-1"}
    record = journal.get(outcome.operation_id)
    assert (record.status, record.result, record.kind) == (
        "completed",
        {"image_id": "m-1"},
        "create_full_image",
    )
    assert record.arguments == {"instance_id": "i-1"}


async def test_a_long_operation_returns_in_progress_and_a_later_wait_gets_its_result(
    journal: Journal,
) -> None:
    release = anyio.Event()
    with anyio.fail_after(QUICK):
        async with Operations(journal, max_call_wait_s=TINY) as ops:
            first = await ops.run("create_full_image", REGION, {}, gated(release))
            assert first.status == "in_progress"
            assert journal.get(first.operation_id).status == "running"

            release.set()
            ops.max_call_wait_s = QUICK
            later = await ops.wait(first.operation_id)

    assert later.status == "completed"
    assert later.result == {"image_id": "m-1"}
    assert journal.get(first.operation_id).status == "completed"


async def test_in_progress_carries_the_last_progress_message(journal: Journal) -> None:
    release, started = anyio.Event(), anyio.Event()
    with anyio.fail_after(QUICK):
        async with Operations(journal, max_call_wait_s=TINY) as ops:
            first = await ops.run("create_full_image", REGION, {}, gated(release, started))
            await started.wait()
            again = await ops.wait(first.operation_id, max_wait_s=0)
            release.set()

    assert again.status == "in_progress"
    assert again.message == "image m-1 Creating 10%"


async def test_progress_goes_to_the_first_caller_then_to_a_wait_caller(journal: Journal) -> None:
    release, started = anyio.Event(), anyio.Event()
    first_caller, wait_caller = Reports(), Reports()
    with anyio.fail_after(QUICK):
        async with Operations(journal, max_call_wait_s=TINY) as ops:
            work = gated(release, started)
            first = await ops.run("create_full_image", REGION, {}, work, first_caller)
            await started.wait()
            ops.max_call_wait_s = QUICK
            async with anyio.create_task_group() as tg:

                async def follow() -> None:
                    outcome = await ops.wait(first.operation_id, None, wait_caller)
                    assert outcome.status == "completed"

                tg.start_soon(follow)
                await wait_caller.arrived.wait()
                release.set()

    assert first_caller.seen in ([], [(10, 100, "image m-1 Creating 10%")])
    assert wait_caller.seen == [
        (10, 100, "image m-1 Creating 10%"),
        (100, 100, "image m-1 Available"),
    ]


async def test_the_work_never_waits_for_a_slow_progress_listener(journal: Journal) -> None:
    stuck, finished = anyio.Event(), anyio.Event()
    outcomes: list[Outcome] = []

    async def never_returns(progress: float, total: float | None, message: str) -> None:
        await stuck.wait()

    async def work(steps: StepRecorder, progress: ProgressFn) -> ImageResult:
        for percent in range(0, 101, 10):
            await progress(percent, 100, f"{percent}%")
            await anyio.lowlevel.checkpoint()
        finished.set()
        return ImageResult(image_id="m-1")

    async def call(ops: Operations) -> None:
        outcomes.append(await ops.run("create_full_image", REGION, {}, work, never_returns))

    with anyio.fail_after(QUICK):
        async with (
            Operations(journal, max_call_wait_s=QUICK) as ops,
            anyio.create_task_group() as tg,
        ):
            tg.start_soon(call, ops)
            await finished.wait()
            assert outcomes == []
            stuck.set()

    assert outcomes[0].status == "completed"


async def test_a_caller_whose_progress_function_fails_still_gets_the_result(
    journal: Journal,
) -> None:
    async def broken(progress: float, total: float | None, message: str) -> None:
        raise anyio.BrokenResourceError("the client went away")

    async def work(steps: StepRecorder, progress: ProgressFn) -> ImageResult:
        await progress(50, 100, "half")
        await progress(100, 100, "done")
        return ImageResult(image_id="m-1")

    with anyio.fail_after(QUICK):
        async with Operations(journal, max_call_wait_s=QUICK) as ops:
            outcome = await ops.run("create_full_image", REGION, {}, work, broken)

    assert outcome.status == "completed"


async def test_a_cancelled_caller_leaves_the_operation_running(journal: Journal) -> None:
    release, started = anyio.Event(), anyio.Event()
    with anyio.fail_after(QUICK):
        async with Operations(journal, max_call_wait_s=QUICK) as ops:
            async with anyio.create_task_group() as caller:
                caller.start_soon(ops.run, "create_full_image", REGION, {}, gated(release, started))
                await started.wait()
                caller.cancel_scope.cancel()
            [record] = journal.list()
            release.set()
            outcome = await ops.wait(record.operation_id)

    assert outcome.status == "completed"
    assert journal.get(record.operation_id).status == "completed"


async def test_a_cloud_error_is_recorded_with_its_code_and_request_id_and_no_traceback(
    journal: Journal,
) -> None:
    async def work(steps: StepRecorder, progress: ProgressFn) -> ImageResult:
        await steps.intent("instance", "RunInstances", {"InstanceType": "ecs.g7.large"})
        raise NoStock(
            "OperationDenied.NoStock",
            "The resource is out of stock in the specified zone.",
            action="RunInstances",
            region_id=REGION,
            request_id="5E1B7C2D-REQ",
        )

    with anyio.fail_after(QUICK):
        async with Operations(journal, max_call_wait_s=QUICK) as ops:
            outcome = await ops.run("run_dr_instance", REGION, {}, work)

    assert outcome.status == "failed"
    assert outcome.error is not None
    assert "OperationDenied.NoStock" in outcome.error
    assert "RequestId 5E1B7C2D-REQ" in outcome.error
    assert "Traceback" not in outcome.error
    record = journal.get(outcome.operation_id)
    assert (record.status, record.error) == ("failed", outcome.error)
    assert record.steps[0].status == "started"


async def test_a_failure_after_the_call_returned_is_seen_by_wait_and_in_the_journal(
    journal: Journal,
) -> None:
    release = anyio.Event()

    async def work(steps: StepRecorder, progress: ProgressFn) -> ImageResult:
        await release.wait()
        raise ValueError("image m-1 does not hold the disks of i-1")

    with anyio.fail_after(QUICK):
        async with Operations(journal, max_call_wait_s=TINY) as ops:
            first = await ops.run("create_full_image", REGION, {}, work)
            release.set()
            ops.max_call_wait_s = QUICK
            later = await ops.wait(first.operation_id)
            again = await ops.wait(first.operation_id)

    assert first.status == "in_progress"
    assert later.status == again.status == "failed"
    assert later.error == "ValueError: image m-1 does not hold the disks of i-1"
    assert journal.get(first.operation_id).error == later.error


async def test_every_failure_of_an_exception_group_is_reported(journal: Journal) -> None:
    async def work(steps: StepRecorder, progress: ProgressFn) -> ImageResult:
        raise ExceptionGroup("parallel snapshots", [ValueError("disk d-1"), KeyError("d-2")])

    with anyio.fail_after(QUICK):
        async with Operations(journal, max_call_wait_s=QUICK) as ops:
            outcome = await ops.run("create_snapshot", REGION, {}, work)

    assert outcome.error == "ValueError: disk d-1; KeyError: 'd-2'"


async def test_an_access_key_id_in_an_error_message_is_redacted(journal: Journal) -> None:
    async def work(steps: StepRecorder, progress: ProgressFn) -> ImageResult:
        raise RuntimeError("signed with LTAI5tAbCdEfGhIjKlMn01")

    with anyio.fail_after(QUICK):
        async with Operations(journal, max_call_wait_s=QUICK) as ops:
            outcome = await ops.run("create_snapshot", REGION, {}, work)

    assert outcome.error is not None
    assert "LTAI5t" not in outcome.error
    assert "LTAI5t" not in (journal.get(outcome.operation_id).error or "")


async def quick_image(steps: StepRecorder, progress: ProgressFn) -> ImageResult:
    return ImageResult(image_id="m-1")


class FullDiskJournal(Journal):
    """A journal whose disk fills up just as an operation ends, and stays full for it."""

    def finish(self, *args: Any, **kwargs: Any) -> None:
        raise sqlite3.OperationalError("database or disk is full")


async def test_an_outcome_the_journal_cannot_take_tells_the_caller_where_and_what_to_do(
    tmp_path: Path,
) -> None:
    release = anyio.Event()
    path = tmp_path / "journal.sqlite3"
    journal = FullDiskJournal(path)
    with anyio.fail_after(QUICK):
        async with Operations(journal, max_call_wait_s=TINY) as ops:
            first = await ops.run("execute_recovery", REGION, {}, gated(release))
            release.set()
            ops.max_call_wait_s = QUICK
            later = await ops.wait(first.operation_id)
            again = await ops.wait(first.operation_id)

    op = first.operation_id
    assert first.status == "in_progress"
    assert later == again
    assert later.status == "failed"
    assert later.result is None
    assert later.error is not None
    assert later.error.startswith(
        f"operation {op} completed, but the outcome could not be written to the journal at "
        f"{path}: OperationalError: database or disk is full; call "
        f"resume_recovery(operation_id={op!r}) once the disk is writable"
    )
    record = Journal(path).get(op)
    assert record.status == "running"
    assert [s.resource_id for s in record.steps] == ["m-1"]


async def test_resuming_an_operation_whose_end_the_journal_still_refuses_changes_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.sqlite3"
    with anyio.fail_after(QUICK):
        async with Operations(FullDiskJournal(path), max_call_wait_s=QUICK) as ops:
            ended = await ops.run("execute_recovery", REGION, {}, quick_image)
            assert ended.status == "failed"
            with pytest.raises(OperationNotResumable) as refused:
                await ops.resume(ended.operation_id, quick_image)
            assert "still takes no writes" in refusal_text(refused.value)

    assert Journal(path).get(ended.operation_id).status == "running"


async def test_an_outcome_written_once_the_disk_is_writable_again_is_the_journals(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = OutageJournal(path)

    async def work(steps: StepRecorder, progress: ProgressFn) -> ImageResult:
        await steps.intent("image", "CreateImage", {"ImageName": "img"})
        await steps.created("image", "m-1")
        journal.failing = 1_000  # the disk fills up as the work ends
        return ImageResult(image_id="m-1")

    with (
        stamina.set_testing(True, attempts=3),
        anyio.fail_after(QUICK),
    ):
        async with Operations(journal, max_call_wait_s=QUICK, renew_every_s=0.01) as ops:
            outcome = await ops.run("create_full_image", REGION, {}, work)
            assert outcome.status == "failed"
            assert outcome.error is not None
            assert f"could not be written to the journal at {path}" in outcome.error
            assert Journal(path).get(outcome.operation_id).status == "running"

            journal.failing = 0  # a few seconds later, the disk has room again
            # The next heartbeat whose renewal goes through writes the outcome.
            while True:
                if Journal(path).get(outcome.operation_id).status != "running":
                    break
                await anyio.sleep(0.01)
            later = await ops.wait(outcome.operation_id)

    record = Journal(path).get(outcome.operation_id)
    assert (record.status, record.result, record.lease) == ("completed", {"image_id": "m-1"}, None)
    assert later.status == "completed"
    assert later.result == {"image_id": "m-1"}


async def test_steps_recorded_by_the_work_carry_deterministic_client_tokens(
    journal: Journal,
) -> None:
    tokens: list[str] = []

    async def work(steps: StepRecorder, progress: ProgressFn) -> ImageResult:
        tokens.append(await steps.intent("image", "CreateImage", {"ImageName": "img"}))
        await steps.created("image", "m-1")
        tokens.append(steps.client_token("image"))
        tokens.append(steps.client_token("instance"))
        return ImageResult(image_id="m-1")

    with anyio.fail_after(QUICK):
        async with Operations(journal, max_call_wait_s=QUICK) as ops:
            outcome = await ops.run("create_full_image", REGION, {}, work)

    record = journal.get(outcome.operation_id)
    assert tokens[0] == tokens[1] == record.steps[0].client_token
    assert tokens[2] != tokens[0]
    assert record.steps[0].resource_id == "m-1"
    # ECS accepts up to 64 ASCII characters; the operation id makes it unique per operation.
    assert all(re.fullmatch(r"op-[0-9a-f]{16}-[0-9a-f]{16}", t) for t in tokens)
    assert tokens[0].startswith(outcome.operation_id)
    other = StepRecorder(journal, "op-0000000000000000")
    assert other.client_token("image") != tokens[0]


async def test_scoped_steps_of_one_operation_keep_their_own_names_and_client_tokens(
    journal: Journal,
) -> None:
    async def work(steps: StepRecorder, progress: ProgressFn) -> ImageResult:
        for source, image in (("i-a", "m-a"), ("i-b", "m-b")):
            scoped = steps.scoped(source).with_tags({"ecs-dr:drill": "true"})
            await scoped.intent("create_image", "CreateImage", {"ImageName": image})
            await scoped.created("create_image", image)
        return ImageResult(image_id="m-a")

    with anyio.fail_after(QUICK):
        async with Operations(journal, max_call_wait_s=QUICK) as ops:
            outcome = await ops.run("execute_recovery", REGION, {}, work)

    record = journal.get(outcome.operation_id)
    assert [(s.step, s.resource_id) for s in record.steps] == [
        ("i-a/create_image", "m-a"),
        ("i-b/create_image", "m-b"),
    ]
    assert record.steps[0].client_token != record.steps[1].client_token
    recorder = StepRecorder(journal, outcome.operation_id)
    assert await recorder.scoped("i-b").recorded("create_image") == "m-b"
    assert await recorder.recorded("create_image") is None
    assert recorder.scoped("i-b").client_token("create_image") == record.steps[1].client_token


async def test_wait_never_follows_longer_than_max_call_wait(journal: Journal) -> None:
    release = anyio.Event()
    with anyio.fail_after(QUICK):
        async with Operations(journal, max_call_wait_s=TINY) as ops:
            first = await ops.run("create_full_image", REGION, {}, gated(release))
            later = await ops.wait(first.operation_id, max_wait_s=3600)
            release.set()

    assert later.status == "in_progress"


async def test_a_finished_operation_is_answered_by_a_new_server_from_the_journal(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.sqlite3"

    async def work(steps: StepRecorder, progress: ProgressFn) -> ImageResult:
        return ImageResult(image_id="m-1")

    with anyio.fail_after(QUICK):
        async with Operations(Journal(path), max_call_wait_s=QUICK) as ops:
            outcome = await ops.run("create_full_image", REGION, {}, work)
        async with Operations(Journal(path), max_call_wait_s=QUICK) as restarted:
            later = await restarted.wait(outcome.operation_id)

    assert later == outcome


async def test_stopping_the_server_stops_the_work_and_the_journal_keeps_it_running(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.sqlite3"
    never = anyio.Event()
    with anyio.fail_after(QUICK):
        async with Operations(Journal(path), max_call_wait_s=TINY) as ops:
            first = await ops.run("create_full_image", REGION, {}, gated(never))

        record = Journal(path).get(first.operation_id)
        assert record.status == "running"
        assert record.steps[0].resource_id == "m-1"

        async with Operations(Journal(path), max_call_wait_s=QUICK) as restarted:
            later = await restarted.wait(first.operation_id)

    assert later.status == "failed"
    assert later.error is not None
    assert "not running in this server" in later.error
    assert "m-1" in later.error
    assert Journal(path).get(first.operation_id).status == "running"


async def test_a_caller_following_when_the_server_stops_is_told_it_was_interrupted(
    journal: Journal,
) -> None:
    never, started = anyio.Event(), anyio.Event()
    outcomes: list[Outcome] = []
    with anyio.fail_after(QUICK):
        async with (
            anyio.create_task_group() as callers,
            Operations(journal, max_call_wait_s=QUICK) as ops,
        ):

            async def call() -> None:
                outcomes.append(await ops.run("create_snapshot", REGION, {}, gated(never, started)))

            callers.start_soon(call)
            await started.wait()

    [outcome] = outcomes
    assert outcome.status == "failed"
    assert outcome.error is not None
    assert "interrupted" in outcome.error


async def test_run_outside_the_operations_context_is_refused(journal: Journal) -> None:
    ops = Operations(journal, max_call_wait_s=QUICK)

    with pytest.raises(RuntimeError, match="lifespan"):
        await ops.run("create_snapshot", REGION, {}, gated(anyio.Event()))
    assert journal.list() == []


async def test_waiting_on_an_unknown_operation_raises_a_key_error(journal: Journal) -> None:
    async with Operations(journal, max_call_wait_s=QUICK) as ops:
        with pytest.raises(UnknownOperation):
            await ops.wait("op-0000000000000000")


def test_settings_read_the_state_dir_and_the_maximum_call_wait(tmp_path: Path) -> None:
    settings = OperationSettings.from_env(
        {"ECS_DR_STATE_DIR": str(tmp_path), "ECS_DR_MAX_CALL_WAIT_S": "20"}
    )

    assert settings.journal_path == tmp_path / "journal.sqlite3"
    assert settings.max_call_wait_s == 20
    assert OperationSettings.from_env({"HOME": "/home/u"}).max_call_wait_s == (
        DEFAULT_MAX_CALL_WAIT_S
    )
    assert DEFAULT_MAX_CALL_WAIT_S == 45


@pytest.mark.parametrize("value", ["0", "-3", "soon", "nan", "inf"])
def test_a_maximum_call_wait_that_is_not_a_positive_number_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="ECS_DR_MAX_CALL_WAIT_S"):
        OperationSettings.from_env({"HOME": "/home/u", "ECS_DR_MAX_CALL_WAIT_S": value})


async def test_the_journal_is_written_off_the_event_loop(journal: Journal) -> None:
    loop_thread = threading.get_ident()
    writers: list[int] = []

    class Watched(Journal):
        def record_intent(self, *args: Any, **kwargs: Any) -> None:
            writers.append(threading.get_ident())
            super().record_intent(*args, **kwargs)

    watched = Watched(journal.path)
    op = watched.create_operation("create_full_image", REGION, {})
    await StepRecorder(watched, op).intent("image", "CreateImage", {"ImageName": "img"})

    assert writers and loop_thread not in writers

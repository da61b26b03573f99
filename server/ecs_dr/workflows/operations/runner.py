"""Operations: long cloud work in the background, so no tool call blocks past a bounded wait.

MCP clients commonly time a call out after about a minute while an image can take many. So
`Operations.run` journals the operation, starts the work in a task group that lives as long as
the server, and follows it for at most `max_call_wait_s`: the caller gets the result, the
failure, or `in_progress` with the operation id, and `wait` follows it again later. Progress
goes to whichever callers are following at the time; the work itself never waits for a
client. The outcome is kept until the journal has it, so nothing a task ends with is lost:
when the journal cannot take it (a full or read-only disk, after the journal's own retries),
the caller is told where and why, this process stops renewing the operation's lease (so
another process may resume it once the lease expires), and each heartbeat whose renewal
shows the journal writable again writes the outcome late.

Several ecs-dr-mcp processes may share one journal, so an operation is leased to the process
running it (`LeaseOwner`: uuid4, pid, host): `run` takes the lease when it records the
operation, `resume` takes it over only when nobody else's lease is live, a heartbeat in the
task group renews the leases this process holds, and finishing clears it. A process that
dies stops renewing: its lease expires (at once when it ran on this machine, whose pids can
be checked) and another process may resume the operation.

The server enters the task group once, in its lifespan:

    async with Operations(journal, settings.max_call_wait_s) as operations:
        ...  # serve; leaving cancels the work still running (the journal keeps its steps)
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Self

import anyio
import structlog
from anyio.abc import TaskGroup
from pydantic import BaseModel

from ecs_dr.workflows.journal import (
    DEFAULT_LEASE_S,
    DEFAULT_RENEW_EVERY_S,
    Journal,
    LeaseLost,
    LeaseOwner,
    OperationNotResumable,
    StepRecorder,
    off_loop,
)
from ecs_dr.workflows.operations.journaling import follow_journal, write_late, write_outcome
from ecs_dr.workflows.operations.outcomes import (
    Outcome,
    cancel_reason,
    cancelled_outcome,
    describe_error,
    failed_outcome,
    from_record,
    not_journaled,
    taken_over,
)
from ecs_dr.workflows.operations.settings import DEFAULT_MAX_CALL_WAIT_S
from ecs_dr.workflows.operations.tasks import CancelSignal, ProgressFn, RunningTask, follow

log = structlog.get_logger("ecs_dr.workflows.operations")

Work = Callable[[StepRecorder, ProgressFn], Awaitable[BaseModel]]
"""The operation's body: records its steps through the recorder, reports progress."""


class Operations:
    """Runs operations in the server's task group and follows them for a bounded time."""

    def __init__(
        self,
        journal: Journal,
        max_call_wait_s: float = DEFAULT_MAX_CALL_WAIT_S,
        *,
        lease_s: float = DEFAULT_LEASE_S,
        renew_every_s: float = DEFAULT_RENEW_EVERY_S,
        owner: LeaseOwner | None = None,
    ):
        if not (max_call_wait_s > 0 and math.isfinite(max_call_wait_s)):
            raise ValueError(f"max_call_wait_s must be positive, got {max_call_wait_s}")
        if not (0 < renew_every_s < lease_s and math.isfinite(lease_s)):
            raise ValueError(
                f"the lease ({lease_s} s) must outlast its renewal period ({renew_every_s} s)"
            )
        self.journal = journal
        self.max_call_wait_s = max_call_wait_s
        self.lease_s = lease_s
        self.renew_every_s = renew_every_s
        self.owner = owner or LeaseOwner.of_this_process()
        """This process, as the leases it takes name it."""
        self._tasks: dict[str, RunningTask] = {}
        self._unrecorded: dict[str, Outcome] = {}
        """Outcomes the journal could not take yet, by operation: their leases are given up."""
        self._group: TaskGroup | None = None
        self._leases = anyio.Lock()
        """Held while leases are renewed and while a lease is taken or an outcome recorded:
        the journal's I/O runs in threads, so without it a renewal could miss an operation
        just started (and stop it as taken over) or renew one whose outcome was just
        refused."""

    async def __aenter__(self) -> Self:
        group = anyio.create_task_group()
        await group.__aenter__()
        self._group = group
        group.start_soon(self._heartbeat, name="operation lease heartbeat")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        group, self._group = self._group, None
        if group is None:
            return None
        unfinished = [op for op, task in self._tasks.items() if not task.done.is_set()]
        if unfinished:
            log.warning("operations_interrupted", operation_ids=unfinished)
        # The server is stopping: the work stops with it. The journal keeps each step's
        # ClientToken and resource id, so nothing is created twice when it is resumed.
        group.cancel_scope.cancel()
        try:
            return await group.__aexit__(exc_type, exc, tb)
        finally:
            # Shielded: a server stopping by cancellation still writes what it can.
            with anyio.CancelScope(shield=True):
                await self._record_late()
                # Nobody runs them now: another process may resume them at once.
                try:
                    released = await off_loop(self.journal.release_leases, self.owner)
                except Exception as exc_:
                    log.error("leases_not_released", error=describe_error(exc_))
                else:
                    if released:
                        log.info("leases_released", operation_ids=sorted(released))

    def running_here(self, operation_id: str) -> bool:
        """Whether this process runs the operation now."""
        task = self._tasks.get(operation_id)
        return task is not None and not task.done.is_set()

    async def run(
        self,
        kind: str,
        region_id: str | None,
        arguments: Mapping[str, Any],
        work: Work,
        progress: ProgressFn | None = None,
        *,
        before: Callable[[], None] | None = None,
        on_start: Callable[[str], None] | None = None,
        client_cancel: CancelSignal | None = None,
    ) -> Outcome:
        """Journal an operation, start `work` in the background and follow it for a while.

        `before` (checks and journal writes that must precede the operation, e.g. claiming
        its plan) and `on_start` (writes that need its id) run in the same worker-thread call
        as the operation's record, so no other call sees one without the others; an exception
        from `before` records nothing.

        Returns completed (with the result), failed (with the error's message) or, after
        max_call_wait_s, in_progress with the operation id for `wait`. A caller cancelled
        while it follows stops the operation too when `client_cancel` says the client asked.
        Raises RuntimeError outside `async with operations`.
        """
        group = self._group
        if group is None:
            raise RuntimeError(
                "Operations is not running: enter `async with operations` in the server lifespan"
            )

        def record() -> str:
            if before is not None:
                before()
            operation_id = self.journal.create_operation(
                kind, region_id, arguments, owner=self.owner, lease_s=self.lease_s
            )
            if on_start is not None:
                on_start(operation_id)
            return operation_id

        # Shielded: an operation once recorded is started, even by a caller cancelled meanwhile.
        with anyio.CancelScope(shield=True):
            async with self._leases:
                operation_id = await off_loop(record)
                task = RunningTask(operation_id, kind=kind, arguments=dict(arguments))
                self._tasks[operation_id] = task
            log.info("operation_started", operation_id=operation_id, kind=kind, region_id=region_id)
            group.start_soon(self._execute, task, work, name=f"operation {operation_id}")
        return await follow(task, self.max_call_wait_s, progress, client_cancel)

    async def resume(
        self,
        operation_id: str,
        work: Work,
        progress: ProgressFn | None = None,
        client_cancel: CancelSignal | None = None,
    ) -> Outcome:
        """Continue a journaled operation under its own id, so every step keeps its
        ClientToken and a step with a recorded resource is not sent again: one interrupted
        (`running`, its process gone: nobody's lease is live) or one that `failed` (fix the
        cause, then resume; it runs again with its error cleared). The lease is taken over
        atomically: of two processes resuming at once, exactly one runs it.

        Raises UnknownOperation; OperationNotResumable when it runs in this process, when
        another live process holds its lease (naming that process, pid@host, and when the
        lease expires), or when it is completed, cancelled, cleaning_up or cleaned_up (the
        message names the status and what to call instead); RuntimeError outside
        `async with operations`.
        """
        group = self._group
        if group is None:
            raise RuntimeError(
                "Operations is not running: enter `async with operations` in the server lifespan"
            )
        if self.running_here(operation_id):
            raise OperationNotResumable("running_here", operation_id)
        if operation_id in self._unrecorded:
            # Its outcome first: a completed one is then not run again.
            await self._record_late(operation_id)
        if operation_id in self._unrecorded:
            raise OperationNotResumable(
                "outcome_not_journaled", operation_id, journal_path=self.journal.path
            )
        with anyio.CancelScope(shield=True):  # taken over, so started (see `run`)
            async with self._leases:
                before = await off_loop(
                    self.journal.take_over, operation_id, self.owner, self.lease_s
                )
                task = RunningTask(operation_id, kind=before.kind, arguments=before.arguments)
                self._tasks[operation_id] = task
            log.info(
                "operation_resumed",
                operation_id=operation_id,
                kind=before.kind,
                was=before.status,
                previous_error=before.error,
            )
            group.start_soon(self._execute, task, work, name=f"operation {operation_id}")
        return await follow(task, self.max_call_wait_s, progress, client_cancel)

    async def wait(
        self,
        operation_id: str,
        max_wait_s: float | None = None,
        progress: ProgressFn | None = None,
    ) -> Outcome:
        """Follow an operation again, for max_wait_s capped at max_call_wait_s.

        A finished operation answers from the journal at once. Raises UnknownOperation
        (a KeyError) for an id the journal does not hold.
        """
        limit = self._limit(max_wait_s)
        task = self._tasks.get(operation_id)
        if task is not None and operation_id in self._unrecorded:
            # Its outcome may be in the journal by now (written late, in a worker thread).
            record = await off_loop(self.journal.get, operation_id)
            if record.status != "running":
                return from_record(record, self.journal.live_lease(record))
        if task is not None:
            return await follow(task, limit, progress)
        return await follow_journal(self.journal, operation_id, limit)

    async def cancel(
        self, operation_id: str, max_wait_s: float | None = None, progress: ProgressFn | None = None
    ) -> Outcome:
        """Stop an operation before its next create and follow it until it has stopped (a
        create in flight is finished and recorded first) or the bounded wait is up.

        One running here stops between creates; an interrupted one (nobody's lease live) is
        marked cancelled at once; one that finished, or that another live process runs (only
        that process knows whether a create is in flight), is answered as it stands, unchanged.
        Raises UnknownOperation.
        """
        task = self._tasks.get(operation_id)
        if task is not None and not task.done.is_set():
            task.request_cancel("asked by cancel_operation")
        if task is not None:
            return await follow(task, self._limit(max_wait_s), progress)
        record = await off_loop(
            self.journal.cancel_interrupted,
            operation_id,
            self.owner,
            cancel_reason(operation_id, "asked by cancel_operation; it was interrupted"),
        )
        return from_record(record, self.journal.live_lease(record))

    def _limit(self, max_wait_s: float | None) -> float:
        """A caller's wait, capped at max_call_wait_s."""
        if max_wait_s is None:
            return self.max_call_wait_s
        return max(min(max_wait_s, self.max_call_wait_s), 0.0)

    async def _heartbeat(self) -> None:
        """Renew this process's leases every renew_every_s while the server lives."""
        while True:
            await anyio.sleep(self.renew_every_s)
            await self._renew()

    async def _renew(self) -> None:
        """Renew the leases of the operations this process still runs; once that write goes
        through, the journal is writable again and takes the outcomes it could not before."""
        async with self._leases:
            try:
                held = await off_loop(
                    self.journal.renew_leases,
                    self.owner,
                    self.lease_s,
                    given_up=set(self._unrecorded),
                )
            except Exception as exc:  # a busy or full disk: try again at the next beat
                log.error("leases_not_renewed", error=describe_error(exc))
                return
            running = [op for op, task in self._tasks.items() if not task.done.is_set()]
        await self._record_late()
        for operation_id in running:
            task = self._tasks.get(operation_id)
            if task is not None and not task.done.is_set() and operation_id not in held:
                # Its lease expired before this beat and another process took it over.
                log.warning("operation_lease_lost", operation_id=operation_id)
                task.lose()

    async def _execute(self, task: RunningTask, work: Work) -> None:
        """Run the work and record how it ended; never raises into the server's task group."""
        outcome: Outcome | None = None
        try:
            with anyio.CancelScope() as scope:
                task.start(scope)
                step = StepRecorder(self.journal, task.operation_id, gate=task)
                try:
                    value = await work(step, task.report)
                    payload = value.model_dump(mode="json")
                except Exception as exc:
                    outcome = failed_outcome(task.operation_id, exc)
                else:
                    outcome = Outcome(
                        status="completed", operation_id=task.operation_id, result=payload
                    )
            if scope.cancelled_caught and task.cancelled_by is not None and not task.lost:
                outcome = cancelled_outcome(task.operation_id, task.cancelled_by)
            if task.lost:
                outcome = taken_over(task.operation_id)
                self._tasks.pop(task.operation_id, None)
            elif outcome is not None:
                # Shielded: an outcome the work ended with is written even as the server stops.
                with anyio.CancelScope(shield=True):
                    outcome = await self._record(task, outcome)
        finally:
            task.end(outcome)

    async def _record(self, task: RunningTask, outcome: Outcome) -> Outcome:
        """Journal the outcome; returns what the callers are told. If the journal cannot take
        it, the outcome waits in memory for a heartbeat that finds the journal writable, the
        lease is no longer renewed, and the callers learn where the journal failed."""
        operation_id = outcome.operation_id
        async with self._leases:
            try:
                await self._finish(outcome)
            except LeaseLost as exc:
                # Another process runs it now: the journal answers for it, not this outcome.
                log.warning("operation_lease_lost", operation_id=operation_id, error=str(exc))
                self._tasks.pop(operation_id, None)
                return outcome
            except Exception as exc:  # a full disk must not take the server's task group down
                error = describe_error(exc)
                log.error(
                    "operation_outcome_not_journaled",
                    operation_id=operation_id,
                    status=outcome.status,
                    journal=str(self.journal.path),
                    error=error,
                    lease="no longer renewed",
                )
                self._unrecorded[operation_id] = outcome
                return not_journaled(
                    outcome, task.kind, task.arguments, self.journal.path, error, self.lease_s
                )
        log.info(
            "operation_finished",
            operation_id=operation_id,
            status=outcome.status,
            error=outcome.error,
        )
        # The journal now answers `wait` for it.
        self._tasks.pop(operation_id, None)
        return outcome

    async def _finish(self, outcome: Outcome) -> None:
        await write_outcome(self.journal, self.owner, outcome)

    async def _record_late(self, *operation_ids: str) -> None:
        """Write the outcomes the journal could not take before (those of `operation_ids`, or
        all); one it still refuses stays for the next try. The journal answers for each
        written (or taken over meanwhile by another process) from then on."""
        for operation_id in operation_ids or tuple(self._unrecorded):
            if await write_late(self.journal, self.owner, self._unrecorded, operation_id):
                self._tasks.pop(operation_id, None)

"""One operation running in this process, and following it: each caller gets its progress
until it ends or the caller's bounded wait is up.

An operation is stopped between creates, never inside one: `request_cancel` cancels its work
once no create call is in flight (each is sent inside `sending`, from the journal's intent to
the recorded resource id), and a create about to start waits there for that cancellation.
So a create already sent is waited for and recorded, and nothing is created after it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import structlog

from ecs_dr.workflows.operations.outcomes import Outcome, describe_error

ProgressFn = Callable[[float, float | None, str], Awaitable[None]]
"""(progress, total, message), as MCP progress notifications carry them."""
CancelSignal = Callable[[], bool]
"""Whether the cancellation that interrupts a caller's follow is the caller's own request to
stop (an MCP client's notifications/cancelled), not its connection going away."""

log = structlog.get_logger("ecs_dr.workflows.operations")


@dataclass
class RunningTask:
    """One operation running in this process, and what its followers need to know."""

    operation_id: str
    done: anyio.Event = field(default_factory=anyio.Event)
    changed: anyio.Event = field(default_factory=anyio.Event)
    outcome: Outcome | None = None
    progress: tuple[float, float | None, str] | None = None
    version: int = 0
    scope: anyio.CancelScope | None = None
    lost: bool = False
    kind: str = ""
    arguments: Mapping[str, Any] = field(default_factory=dict)
    cancelled_by: str | None = None
    """Who asked to stop it (cancel_operation, the client); None while nobody has."""
    in_flight: int = 0
    """Create calls sent (or about to be) whose resource id is not recorded yet."""

    def start(self, scope: anyio.CancelScope) -> None:
        """The work runs in `scope` now: a cancellation asked before it started applies."""
        self.scope = scope
        self._stop_if_idle()

    def request_cancel(self, by: str) -> None:
        """Stop the work before its next create; the first request names who asked."""
        if self.cancelled_by is None:
            self.cancelled_by = by
            log.info("operation_cancel_requested", operation_id=self.operation_id, by=by)
        self._stop_if_idle()

    @asynccontextmanager
    async def sending(self) -> AsyncIterator[None]:
        """Around one create call (intent, call, recorded id): a cancelled operation sends
        none; one sent is finished and recorded before the work is cancelled."""
        if self.cancelled_by is not None:
            # The work is cancelled once the creates in flight are recorded: wait for that.
            await anyio.sleep_forever()
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1
            self._stop_if_idle()

    def _stop_if_idle(self) -> None:
        if self.cancelled_by is not None and self.in_flight == 0 and self.scope is not None:
            self.scope.cancel()

    async def report(self, progress: float, total: float | None, message: str) -> None:
        """The work's ProgressFn: keeps the latest report and wakes the followers."""
        self.progress = (progress, total, message)
        self.version += 1
        self._notify()

    def lose(self) -> None:
        """Another process took the lease over: stop the work, record nothing more."""
        self.lost = True
        if self.scope is not None:
            self.scope.cancel()

    def end(self, outcome: Outcome | None) -> None:
        self.outcome = outcome
        self.done.set()
        self._notify()

    def _notify(self) -> None:
        self.changed.set()
        self.changed = anyio.Event()


async def follow(
    task: RunningTask,
    max_wait_s: float,
    progress: ProgressFn | None,
    client_cancel: CancelSignal | None = None,
) -> Outcome:
    """Relay the task's progress to this caller until it ends or max_wait_s passes.

    When this caller is cancelled and `client_cancel` says the client asked for it, the
    operation is stopped too (before its next create); a caller cancelled otherwise (its
    connection closed, the server stopping) leaves it running: operations are durable.
    """
    try:
        return await _follow(task, max_wait_s, progress)
    except anyio.get_cancelled_exc_class():
        if client_cancel is not None and client_cancel():
            task.request_cancel("the client cancelled the call that was following it")
        raise


async def _follow(task: RunningTask, max_wait_s: float, progress: ProgressFn | None) -> Outcome:
    seen = 0
    with anyio.move_on_after(max_wait_s):
        while True:
            changed = task.changed
            if progress is not None and task.progress is not None and task.version != seen:
                seen = task.version
                if not await _relay(progress, task.progress, task.operation_id):
                    progress = None
                continue
            if task.done.is_set():
                break
            await changed.wait()
    if not task.done.is_set():
        return Outcome(
            status="in_progress",
            operation_id=task.operation_id,
            message=task.progress[2] if task.progress else None,
        )
    if task.outcome is None:
        return Outcome(
            status="failed",
            operation_id=task.operation_id,
            error=f"operation {task.operation_id} was interrupted: the server is stopping",
        )
    return task.outcome


async def _relay(
    progress: ProgressFn, report: tuple[float, float | None, str], operation_id: str
) -> bool:
    """Send one report to a caller; False when that caller can no longer take any."""
    try:
        await progress(*report)
    except Exception as exc:
        # A client that went away must not fail the operation it started.
        log.info("progress_not_delivered", operation_id=operation_id, error=describe_error(exc))
        return False
    return True

"""One operation running in this process, and following it: each caller gets its progress
until it ends or the caller's bounded wait is up."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio
import structlog

from ecs_dr.workflows.operations.outcomes import Outcome, describe_error

ProgressFn = Callable[[float, float | None, str], Awaitable[None]]
"""(progress, total, message), as MCP progress notifications carry them."""

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


async def follow(task: RunningTask, max_wait_s: float, progress: ProgressFn | None) -> Outcome:
    """Relay the task's progress to this caller until it ends or max_wait_s passes."""
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

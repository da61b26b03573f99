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

import hashlib
import math
import os
import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

import anyio
import structlog
from anyio.abc import TaskGroup
from pydantic import BaseModel, ConfigDict, Field

from ecs_dr.cloud.errors import CloudError
from ecs_dr.domain.plans import ReplacedResource
from ecs_dr.logs import redact_secrets
from ecs_dr.workflows.journal import (
    DEFAULT_LEASE_S,
    DEFAULT_RENEW_EVERY_S,
    JOURNAL_FILE,
    Journal,
    Lease,
    LeaseLost,
    LeaseOwner,
    OperationRecord,
    default_state_dir,
)
from ecs_dr.workflows.journal import OperationNotResumable as OperationNotResumable

ENV_MAX_CALL_WAIT = "ECS_DR_MAX_CALL_WAIT_S"
DEFAULT_MAX_CALL_WAIT_S = 45.0
# How often `wait` looks at the journal again for an operation another process runs.
FOREIGN_POLL_S = 1.0

ProgressFn = Callable[[float, float | None, str], Awaitable[None]]
"""(progress, total, message), as MCP progress notifications carry them."""

log = structlog.get_logger("ecs_dr.workflows.operations")


class OperationSettings(BaseModel):
    """Where the journal lives and how long one tool call may follow an operation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    state_dir: Path
    max_call_wait_s: float = Field(default=DEFAULT_MAX_CALL_WAIT_S, gt=0)

    @property
    def journal_path(self) -> Path:
        return self.state_dir / JOURNAL_FILE

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> OperationSettings:
        """`ECS_DR_STATE_DIR` (see `default_state_dir`) and `ECS_DR_MAX_CALL_WAIT_S`.

        Raises ValueError naming the variable when its value is not a positive number.
        """
        env = os.environ if environ is None else environ
        raw = env.get(ENV_MAX_CALL_WAIT) or ""
        try:
            wait = float(raw) if raw else DEFAULT_MAX_CALL_WAIT_S
        except ValueError:
            wait = -1.0
        if not (wait > 0 and math.isfinite(wait)):
            raise ValueError(
                f"{ENV_MAX_CALL_WAIT} must be a positive number of seconds, got {raw!r}"
            )
        return cls(state_dir=default_state_dir(env), max_call_wait_s=wait)


class Outcome(BaseModel):
    """Where an operation stands at the end of one call."""

    status: Literal["completed", "in_progress", "failed", "cancelled"]
    operation_id: str
    result: dict[str, Any] | None = None
    error: str | None = None
    message: str | None = Field(
        default=None, description="the last progress report while in progress"
    )


class StepRecorder:
    """Journals the steps of one operation; the ClientToken of a step never changes."""

    def __init__(
        self,
        journal: Journal,
        operation_id: str,
        tags: Mapping[str, str] | None = None,
        scope: str = "",
    ) -> None:
        self._journal = journal
        self.operation_id = operation_id
        self.tags: dict[str, str] = dict(tags or {})
        """Tags beyond the operation's own that every resource of the operation carries."""
        self.scope = scope
        """Prefix of every step name: one operation holding the same steps for several
        sources (a fleet) keeps each source's steps, and ClientTokens, apart."""

    def with_tags(self, tags: Mapping[str, str]) -> StepRecorder:
        """The same operation's recorder, adding `tags` to every resource it creates."""
        return StepRecorder(self._journal, self.operation_id, {**self.tags, **tags}, self.scope)

    def scoped(self, scope: str) -> StepRecorder:
        """The same operation's recorder, naming every step `<scope>/<step>`."""
        return StepRecorder(self._journal, self.operation_id, self.tags, self._name(scope))

    def _name(self, step: str) -> str:
        return f"{self.scope}/{step}" if self.scope else step

    def client_token(self, step: str) -> str:
        """Deterministic from (operation id, step), 36 ASCII chars (ECS allows 64)."""
        digest = hashlib.sha256(self._name(step).encode()).hexdigest()[:16]
        return f"{self.operation_id}-{digest}"

    def intent(self, step: str, action: str, parameters: Mapping[str, Any]) -> str:
        """Record the step before its create call; returns the ClientToken to send."""
        token = self.client_token(step)
        self._journal.record_intent(self.operation_id, self._name(step), action, token, parameters)
        return token

    def created(self, step: str, resource_id: str) -> None:
        """Record the id ECS returned for the step."""
        self._journal.record_created(self.operation_id, self._name(step), resource_id)

    def recorded(self, step: str) -> str | None:
        """The resource id the journal holds for the step (a resumed operation's earlier
        run created it), or None."""
        name = self._name(step)
        for record in self._journal.get(self.operation_id).steps:
            if record.step == name:
                return record.resource_id
        return None

    def latest_attempt(self, step: str) -> tuple[str, int]:
        """The step's latest attempt: its step name (`step`, then `step#2`, `step#3`, ...)
        and its number. A new attempt starts only once the one before ended in a terminal
        failure, so the latest is the one to continue."""
        names = {record.step for record in self._journal.get(self.operation_id).steps}
        number = 1
        while self._name(attempt_step(step, number + 1)) in names:
            number += 1
        return attempt_step(step, number), number

    def failed(self, step: str, status: str) -> None:
        """Record that the step's resource ended in the terminal failure `status`; it stays
        in the journal, so cleanup_recovery finds and deletes it."""
        self._journal.record_failure(self.operation_id, self._name(step), status)

    def replaced(self) -> list[ReplacedResource]:
        """Every resource of this recorder's steps that ended in a terminal failure and was
        made again, with the attempt that replaced it."""
        prefix = f"{self.scope}/" if self.scope else ""
        found = []
        for record in self._journal.get(self.operation_id).steps:
            if record.failure is None or not record.step.startswith(prefix):
                continue
            base, _, number = record.step.removeprefix(prefix).partition("#")
            found.append(
                ReplacedResource(
                    step=record.step,
                    resource_id=record.resource_id or "",
                    status=record.failure,
                    replaced_by=self._name(attempt_step(base, int(number or 1) + 1)),
                )
            )
        return found


def attempt_step(step: str, number: int) -> str:
    """The journal step of attempt `number` of `step`: its own name, so its own ClientToken."""
    return step if number == 1 else f"{step}#{number}"


Work = Callable[[StepRecorder, ProgressFn], Awaitable[BaseModel]]
"""The operation's body: records its steps through the recorder, reports progress."""


@dataclass
class _Task:
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
        self._tasks: dict[str, _Task] = {}
        self._unrecorded: dict[str, Outcome] = {}
        """Outcomes the journal could not take yet, by operation: their leases are given up."""
        self._group: TaskGroup | None = None

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
            self._record_late()
            # Nobody runs them now: another process may resume them at once.
            try:
                released = self.journal.release_leases(self.owner)
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
        on_start: Callable[[str], None] | None = None,
    ) -> Outcome:
        """Journal an operation, start `work` in the background and follow it for a while;
        `on_start` learns the operation id before the work starts.

        Returns completed (with the result), failed (with the error's message) or, after
        max_call_wait_s, in_progress with the operation id for `wait`.
        Raises RuntimeError outside `async with operations`.
        """
        if self._group is None:
            raise RuntimeError(
                "Operations is not running: enter `async with operations` in the server lifespan"
            )
        operation_id = self.journal.create_operation(
            kind, region_id, arguments, owner=self.owner, lease_s=self.lease_s
        )
        if on_start is not None:
            on_start(operation_id)
        task = _Task(operation_id, kind=kind, arguments=dict(arguments))
        self._tasks[operation_id] = task
        log.info("operation_started", operation_id=operation_id, kind=kind, region_id=region_id)
        self._group.start_soon(self._execute, task, work, name=f"operation {operation_id}")
        return await _follow(task, self.max_call_wait_s, progress)

    async def resume(
        self,
        operation_id: str,
        work: Work,
        progress: ProgressFn | None = None,
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
        if self._group is None:
            raise RuntimeError(
                "Operations is not running: enter `async with operations` in the server lifespan"
            )
        if self.running_here(operation_id):
            raise OperationNotResumable(
                f"operation {operation_id} is still running in this server; follow it with "
                f"wait_operation(operation_id={operation_id!r})."
            )
        if operation_id in self._unrecorded:
            # Its outcome first: a completed one is then not run again.
            self._record_late(operation_id)
        if operation_id in self._unrecorded:
            raise OperationNotResumable(
                f"operation {operation_id} ended, but the journal at {self.journal.path} "
                "still takes no writes (the server log says why): call resume_recovery again "
                "once the disk is writable. Nothing was changed."
            )
        before = self.journal.take_over(operation_id, self.owner, self.lease_s)
        task = _Task(operation_id, kind=before.kind, arguments=before.arguments)
        self._tasks[operation_id] = task
        log.info(
            "operation_resumed",
            operation_id=operation_id,
            kind=before.kind,
            was=before.status,
            previous_error=before.error,
        )
        self._group.start_soon(self._execute, task, work, name=f"operation {operation_id}")
        return await _follow(task, self.max_call_wait_s, progress)

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
        limit = self.max_call_wait_s
        if max_wait_s is not None:
            limit = max(min(max_wait_s, limit), 0.0)
        task = self._tasks.get(operation_id)
        if task is not None:
            return await _follow(task, limit, progress)
        # Another process may run it: look at the journal again until it ends or time is up.
        with anyio.move_on_after(limit):
            while True:
                record = self.journal.get(operation_id)
                holder = self.journal.live_lease(record)
                if record.status != "running" or holder is None:
                    return _from_record(record, holder)
                await anyio.sleep(FOREIGN_POLL_S)
        record = self.journal.get(operation_id)
        return _from_record(record, self.journal.live_lease(record))

    async def _heartbeat(self) -> None:
        """Renew this process's leases every renew_every_s while the server lives."""
        while True:
            await anyio.sleep(self.renew_every_s)
            self._renew()

    def _renew(self) -> None:
        """Renew the leases of the operations this process still runs; once that write goes
        through, the journal is writable again and takes the outcomes it could not before."""
        try:
            held = self.journal.renew_leases(self.owner, self.lease_s, given_up=self._unrecorded)
        except Exception as exc:  # a busy or full disk: try again at the next beat
            log.error("leases_not_renewed", error=describe_error(exc))
            return
        self._record_late()
        for operation_id, task in list(self._tasks.items()):
            if not task.done.is_set() and operation_id not in held:
                # Its lease expired before this beat and another process took it over.
                log.warning("operation_lease_lost", operation_id=operation_id)
                task.lose()

    async def _execute(self, task: _Task, work: Work) -> None:
        """Run the work and record how it ended; never raises into the server's task group."""
        outcome: Outcome | None = None
        try:
            with anyio.CancelScope() as scope:
                task.scope = scope
                try:
                    value = await work(StepRecorder(self.journal, task.operation_id), task.report)
                    payload = value.model_dump(mode="json")
                except Exception as exc:
                    outcome = _failed(task.operation_id, exc)
                else:
                    outcome = Outcome(
                        status="completed", operation_id=task.operation_id, result=payload
                    )
            if task.lost:
                outcome = _taken_over(task.operation_id)
                self._tasks.pop(task.operation_id, None)
            elif outcome is not None:
                outcome = self._record(task, outcome)
        finally:
            task.end(outcome)

    def _record(self, task: _Task, outcome: Outcome) -> Outcome:
        """Journal the outcome; returns what the callers are told. If the journal cannot take
        it, the outcome waits in memory for a heartbeat that finds the journal writable, the
        lease is no longer renewed, and the callers learn where the journal failed."""
        operation_id = outcome.operation_id
        try:
            self._finish(outcome)
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
            return _not_journaled(outcome, task, self.journal.path, error, self.lease_s)
        log.info(
            "operation_finished",
            operation_id=operation_id,
            status=outcome.status,
            error=outcome.error,
        )
        # The journal now answers `wait` for it.
        self._tasks.pop(operation_id, None)
        return outcome

    def _finish(self, outcome: Outcome) -> None:
        if outcome.status == "completed":
            self.journal.finish(
                outcome.operation_id, "completed", result=outcome.result, owner=self.owner
            )
        else:
            self.journal.finish(
                outcome.operation_id, "failed", error=outcome.error, owner=self.owner
            )

    def _record_late(self, *operation_ids: str) -> None:
        """Write the outcomes the journal could not take before (those of `operation_ids`, or
        all); one it still refuses stays for the next try. The journal answers for each
        written (or taken over meanwhile by another process) from then on."""
        for operation_id in operation_ids or tuple(self._unrecorded):
            outcome = self._unrecorded.get(operation_id)
            if outcome is None:
                continue
            try:
                self._finish(outcome)
            except sqlite3.Error as exc:
                log.warning(
                    "operation_outcome_still_not_journaled",
                    operation_id=operation_id,
                    journal=str(self.journal.path),
                    error=describe_error(exc),
                )
                continue
            except Exception as exc:  # another process took it over, or ended it
                log.warning(
                    "operation_outcome_superseded",
                    operation_id=operation_id,
                    error=describe_error(exc),
                )
            else:
                log.info(
                    "operation_outcome_journaled_late",
                    operation_id=operation_id,
                    status=outcome.status,
                    error=outcome.error,
                )
            del self._unrecorded[operation_id]
            self._tasks.pop(operation_id, None)


async def _follow(task: _Task, max_wait_s: float, progress: ProgressFn | None) -> Outcome:
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


def _failed(operation_id: str, exc: Exception) -> Outcome:
    error = describe_error(exc)
    if isinstance(exc, CloudError):
        log.warning("operation_failed", operation_id=operation_id, error=error)
    else:
        log.error("operation_failed", operation_id=operation_id, error=error, exc_info=exc)
    return Outcome(status="failed", operation_id=operation_id, error=error)


def describe_error(exc: BaseException) -> str:
    """The error's message for the reader: a CloudError's text (code, RequestId), never a
    traceback; other exceptions are prefixed with their type. Credential shapes are redacted.
    """
    if isinstance(exc, BaseExceptionGroup):
        text = "; ".join(describe_error(inner) for inner in exc.exceptions)
    elif isinstance(exc, CloudError):
        text = str(exc)
    else:
        message = str(exc)
        text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return str(redact_secrets(None, "", {"error": text})["error"])


def _taken_over(operation_id: str) -> Outcome:
    return Outcome(
        status="failed",
        operation_id=operation_id,
        error=(
            f"operation {operation_id} was taken over by another ecs-dr-mcp process after this "
            "server could not renew its lease; that process continues it. "
            f"get_operation(operation_id={operation_id!r}) shows where it stands."
        ),
    )


def _not_journaled(
    outcome: Outcome, task: _Task, path: Path, error: str, lease_s: float
) -> Outcome:
    """What the callers of an operation are told when the journal could not take its end."""
    operation_id = outcome.operation_id
    ended = "completed" if outcome.status == "completed" else f"failed ({outcome.error})"
    call = _continue_call(operation_id, task.kind, task.arguments)
    return Outcome(
        status="failed",
        operation_id=operation_id,
        error=(
            f"operation {operation_id} {ended}, but the outcome could not be written to the "
            f"journal at {path}: {error}; call {call} once the disk is writable (every step "
            "recorded so far is reused, none is sent again). This server stopped renewing the "
            f"operation's lease (another server may resume it within {lease_s:g} s) and writes "
            "the outcome itself as soon as the journal takes writes again; get_operation "
            "shows every recorded step."
        ),
    )


def _continue_call(operation_id: str, kind: str, arguments: Mapping[str, Any]) -> str:
    """The call that continues an operation that did not finish in the journal."""
    if kind == "cleanup_recovery" and isinstance(cleaned := arguments.get("operation_id"), str):
        return f"cleanup_recovery(operation_id={cleaned!r})"
    return f"resume_recovery(operation_id={operation_id!r})"


def _from_record(record: OperationRecord, holder: Lease | None = None) -> Outcome:
    """The outcome of an operation this process is not running, from its journal record;
    `holder` is the live lease of another process, if one runs it."""
    operation_id = record.operation_id
    status: str = record.status
    if status in ("cleaning_up", "cleaned_up"):
        # A cleanup does not change how the operation itself ended.
        status = str((record.cleanup or {}).get("previous_status") or "completed")
    if status == "completed":
        return Outcome(status="completed", operation_id=operation_id, result=record.result)
    if status in ("failed", "cancelled"):
        ended: Literal["failed", "cancelled"] = "failed" if status == "failed" else "cancelled"
        return Outcome(status=ended, operation_id=operation_id, error=record.error)
    if record.status == "running" and holder is not None:
        return Outcome(
            status="in_progress",
            operation_id=operation_id,
            message=(
                f"running in another ecs-dr-mcp process ({holder.holder}, which renews its "
                f"lease; the lease runs until {holder.expires_at.isoformat()}): that server "
                "follows it with progress; here wait_operation reads the journal"
            ),
        )
    created = [s.resource_id for s in record.steps if s.resource_id]
    if record.status != "running":
        then = "it was interrupted before it finished, then cleaned up"
    elif record.kind == "execute_recovery":
        then = f"resume_recovery(operation_id={operation_id!r}) continues it"
    elif record.kind == "cleanup_recovery" and isinstance(
        cleaned := record.arguments.get("operation_id"), str
    ):
        then = f"cleanup_recovery(operation_id={cleaned!r}) finishes that cleanup"
    else:
        then = "run its tool again to make what is missing"
    return Outcome(
        status="failed",
        operation_id=operation_id,
        error=(
            f"operation {operation_id} is not running in this server, and no other "
            "ecs-dr-mcp process holds its lease: the server that started it stopped before it "
            f"finished (interrupted); {then}. Resources it created so far: "
            f"{', '.join(created) or 'none'}; get_operation shows every recorded step."
        ),
    )

"""Steps: each create call of an operation, recorded before it is sent and once ECS answers.

A step is recorded before its create call (its intent: action, ClientToken, parameters) and
again once ECS has answered with the resource id, so a crash between the two still leaves
the ClientToken that makes the retry idempotent. As in DBOS's `check_operation_execution`, a
step is looked up by its key (operation id, step name), one row, not the whole operation.
Each create runs inside the recorder's `sending`, the point where a cancelled operation stops
(its `CreateGate`, the running operation's).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import datetime
from typing import Any, Protocol

from ecs_dr.domain.plans import ReplacedResource
from ecs_dr.workflows.journal.base import require_operation, require_running, touch
from ecs_dr.workflows.journal.errors import StepConflict
from ecs_dr.workflows.journal.leases import LeaseJournal
from ecs_dr.workflows.journal.offload import off_loop
from ecs_dr.workflows.journal.records import StepRecord, dump_json, step_from_row
from ecs_dr.workflows.journal.schema import retried_write


class StepJournal(LeaseJournal):
    """Recording each step of an operation, and reading one back by its key."""

    @retried_write
    def record_intent(
        self,
        operation_id: str,
        step: str,
        action: str,
        client_token: str,
        parameters: Mapping[str, Any],
    ) -> None:
        """Record a step before its create call; recording the same intent again is a no-op.

        Raises UnknownOperation, StepConflict when the step was recorded differently, and
        ValueError when the operation has already finished.
        """
        params = dump_json(parameters)
        with self._write() as conn:
            require_running(conn, operation_id)
            row = conn.execute(
                "SELECT action, client_token, parameters FROM steps"
                " WHERE operation_id = ? AND step = ?",
                (operation_id, step),
            ).fetchone()
            if row is not None:
                if (row["action"], row["client_token"], row["parameters"]) != (
                    action,
                    client_token,
                    params,
                ):
                    raise StepConflict(
                        f"step {step!r} of {operation_id} was recorded as {row['action']} with "
                        f"other parameters; a step cannot change once recorded"
                    )
                return
            conn.execute(
                "INSERT INTO steps (operation_id, seq, step, action, client_token, parameters,"
                " status, started_at) VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM steps"
                " WHERE operation_id = ?), ?, ?, ?, ?, 'started', ?)",
                (operation_id, operation_id, step, action, client_token, params, self._stamp()),
            )
            touch(conn, operation_id, self._stamp())

    @retried_write
    def record_created(self, operation_id: str, step: str, resource_id: str) -> None:
        """Record the id ECS returned for a step; the same id again is a no-op.

        Raises UnknownOperation, StepConflict when the step has no intent or another id.
        """
        with self._write() as conn:
            require_operation(conn, operation_id)
            row = conn.execute(
                "SELECT resource_id FROM steps WHERE operation_id = ? AND step = ?",
                (operation_id, step),
            ).fetchone()
            if row is None:
                raise StepConflict(
                    f"step {step!r} of {operation_id} has no recorded intent; record the "
                    "intent (and its ClientToken) before the create call"
                )
            if row["resource_id"] == resource_id:
                return
            if row["resource_id"] is not None:
                raise StepConflict(
                    f"step {step!r} of {operation_id} already created {row['resource_id']}, "
                    f"not {resource_id}"
                )
            conn.execute(
                "UPDATE steps SET resource_id = ?, status = 'created', finished_at = ?"
                " WHERE operation_id = ? AND step = ?",
                (resource_id, self._stamp(), operation_id, step),
            )
            touch(conn, operation_id, self._stamp())

    @retried_write
    def record_failure(self, operation_id: str, step: str, status: str) -> None:
        """Mark a created step's resource as ended in the terminal failure `status`: it will
        never become ready, and the step is made again as a new attempt.

        Raises UnknownOperation, StepConflict when the step has no resource.
        """
        with self._write() as conn:
            require_running(conn, operation_id)
            updated = conn.execute(
                "UPDATE steps SET failure = ?, finished_at = ? WHERE operation_id = ? AND step = ?"
                " AND resource_id IS NOT NULL",
                (status, self._stamp(), operation_id, step),
            ).rowcount
            if updated != 1:
                raise StepConflict(
                    f"step {step!r} of {operation_id} has no resource to mark as {status}"
                )
            touch(conn, operation_id, self._stamp())

    def find_step(self, operation_id: str, step: str) -> StepRecord | None:
        """The step recorded under (operation id, step name), or None: one row."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT * FROM steps WHERE operation_id = ? AND step = ?", (operation_id, step)
            ).fetchone()
        return None if row is None else step_from_row(row)

    def attempt_names(self, operation_id: str, step: str) -> set[str]:
        """The names recorded for the attempts of `step`: itself and each `<step>#<n>`."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT step FROM steps WHERE operation_id = ?"
                " AND (step = ? OR substr(step, 1, length(?) + 1) = ? || '#')",
                (operation_id, step, step, step),
            ).fetchall()
        return {str(row["step"]) for row in rows}


class CreateGate(Protocol):
    """Where a running operation's cancellation meets its create calls."""

    def sending(self) -> AbstractAsyncContextManager[None]:
        """Around one create, from its intent to its recorded id: a cancelled operation
        enters none, and one entered is recorded before the operation stops."""
        ...


class StepRecorder:
    """Journals the steps of one operation; the ClientToken of a step never changes."""

    def __init__(
        self,
        journal: StepJournal,
        operation_id: str,
        tags: Mapping[str, str] | None = None,
        scope: str = "",
        gate: CreateGate | None = None,
    ) -> None:
        self._journal = journal
        self._gate = gate
        self.operation_id = operation_id
        self.tags: dict[str, str] = dict(tags or {})
        """Tags beyond the operation's own that every resource of the operation carries."""
        self.scope = scope
        """Prefix of every step name: one operation holding the same steps for several
        sources (a fleet) keeps each source's steps, and ClientTokens, apart."""

    def with_tags(self, tags: Mapping[str, str]) -> StepRecorder:
        """The same operation's recorder, adding `tags` to every resource it creates."""
        return StepRecorder(
            self._journal, self.operation_id, {**self.tags, **tags}, self.scope, self._gate
        )

    def scoped(self, scope: str) -> StepRecorder:
        """The same operation's recorder, naming every step `<scope>/<step>`."""
        return StepRecorder(
            self._journal, self.operation_id, self.tags, self._name(scope), self._gate
        )

    def sending(self) -> AbstractAsyncContextManager[None]:
        """Around one create call: the operation's cancellation point (see `CreateGate`)."""
        return nullcontext() if self._gate is None else self._gate.sending()

    def _name(self, step: str) -> str:
        return f"{self.scope}/{step}" if self.scope else step

    def client_token(self, step: str) -> str:
        """Deterministic from (operation id, step), 36 ASCII chars (ECS allows 64)."""
        digest = hashlib.sha256(self._name(step).encode()).hexdigest()[:16]
        return f"{self.operation_id}-{digest}"

    async def intent(self, step: str, action: str, parameters: Mapping[str, Any]) -> str:
        """Record the step before its create call; returns the ClientToken to send."""
        token = self.client_token(step)
        await off_loop(
            self._journal.record_intent,
            self.operation_id,
            self._name(step),
            action,
            token,
            parameters,
        )
        return token

    async def created(self, step: str, resource_id: str) -> None:
        """Record the id ECS returned for the step."""
        await off_loop(
            self._journal.record_created, self.operation_id, self._name(step), resource_id
        )

    async def operation_started_at(self) -> datetime:
        """When the operation began, in the journal's time: the same on every resume, so a
        create resent with its ClientToken carries the same time-stamped tags."""
        record = await off_loop(self._journal.get, self.operation_id)
        return record.created_at

    async def recorded(self, step: str) -> str | None:
        """The resource id the journal holds for the step (a resumed operation's earlier
        run created it), or None."""
        found = await off_loop(self._journal.find_step, self.operation_id, self._name(step))
        return None if found is None else found.resource_id

    async def latest_attempt(self, step: str) -> tuple[str, int]:
        """The step's latest attempt: its step name (`step`, then `step#2`, `step#3`, ...)
        and its number. A new attempt starts only once the one before ended in a terminal
        failure, so the latest is the one to continue."""
        names = await off_loop(self._journal.attempt_names, self.operation_id, self._name(step))
        number = 1
        while self._name(attempt_step(step, number + 1)) in names:
            number += 1
        return attempt_step(step, number), number

    async def failed(self, step: str, status: str) -> None:
        """Record that the step's resource ended in the terminal failure `status`; it stays
        in the journal, so cleanup_recovery finds and deletes it."""
        await off_loop(self._journal.record_failure, self.operation_id, self._name(step), status)

    async def replaced(self) -> list[ReplacedResource]:
        """Every resource of this recorder's steps that ended in a terminal failure and was
        made again, with the attempt that replaced it."""
        prefix = f"{self.scope}/" if self.scope else ""
        found = []
        operation = await off_loop(self._journal.get, self.operation_id)
        for record in operation.steps:
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


Create = Callable[[str], Awaitable[str]]
"""A create call given the step's ClientToken; returns the id ECS answered with."""
FailureStatus = Callable[[str], Awaitable[str | None]]
"""The terminal failure status a created resource is in (it will never become ready), or None."""
Reattempt = Callable[[int], tuple[Mapping[str, Any], Create]]
"""Attempt n's parameters and create call, when they differ from the first attempt's."""


async def create_step(
    step: StepRecorder,
    name: str,
    action: str,
    parameters: Mapping[str, Any],
    create: Create,
    *,
    failure: FailureStatus | None = None,
    reattempt: Reattempt | None = None,
) -> str:
    """One journaled create: record the step, call `create` with the step's ClientToken (so a
    resumed step never creates twice), record the id ECS returned; returns that id.

    A step the journal already holds a resource id for (a resumed operation) is not sent
    again: its id is returned as it stands, unless `failure` says that resource ended in a
    terminal failure status (an image CreateFailed, a snapshot failed). Then the failed
    resource stays in the journal, marked with its status (cleanup_recovery deletes it), and
    the step is made again as its next attempt, under a step name and ClientToken of its own;
    `reattempt` gives that attempt's parameters when they must differ (a failed image keeps
    its name taken). A cancelled operation stops here, before the create (`sending`)."""
    key, number = await step.latest_attempt(name)
    done = await step.recorded(key)
    if done is not None and failure is not None:
        status = await failure(done)
        if status is not None:
            await step.failed(key, status)
            number += 1
            key, done = attempt_step(name, number), None
    if done is not None:
        return done
    if number > 1 and reattempt is not None:
        parameters, create = reattempt(number)
    async with step.sending():
        token = await step.intent(key, action, parameters)
        resource_id = await create(token)
        await step.created(key, resource_id)
    return resource_id

"""What the journal refuses, as exceptions carrying the facts (ids, statuses, leases).

The sentences the model reads, naming what to call next, are the tools layer's
(`ecs_dr.tools.refusals` renders each from its fields); the text of these names only what
happened, for logs and for an operation's error.

    JournalError (RuntimeError)         the journal cannot be used at all (operator's message)
    UnknownOperation, UnknownPlan       (KeyError) no record with this id
    PlanAlreadyExecuted (ValueError)    a plan runs once
    CleanupRefused (ValueError)         not cleaned up now: `reason` says why
    OperationNotResumable (ValueError)  not resumed now: `reason` says why
    StepConflict (ValueError)           a step differs from its record
    LeaseLost (RuntimeError)            another process took the operation over
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from ecs_dr.workflows.journal.records import Lease, iso


class JournalError(RuntimeError):
    """The journal cannot be used: its directory cannot hold it, it is damaged or no SQLite
    file, or its schema is newer than this code. The message names the path and what to do."""


class UnknownOperation(KeyError):
    """No operation with this id in the journal."""

    def __init__(self, operation_id: str) -> None:
        self.operation_id = operation_id
        super().__init__(operation_id)

    def __str__(self) -> str:
        return f"unknown operation id {self.operation_id!r}"


class UnknownPlan(KeyError):
    """No plan with this id in the journal."""

    def __init__(self, plan_id: str) -> None:
        self.plan_id = plan_id
        super().__init__(plan_id)

    def __str__(self) -> str:
        return f"unknown plan id {self.plan_id!r}"


class PlanAlreadyExecuted(ValueError):
    """A plan is confirmed and executed once; a second execution would create everything again.
    `operation_id` is the operation executing it (None while it is being recorded)."""

    def __init__(self, plan_id: str, operation_id: str | None) -> None:
        self.plan_id = plan_id
        self.operation_id = operation_id
        super().__init__(f"{plan_id} was executed already as {operation_id or 'an operation'}")


CleanupRefusal = Literal["running", "cleaning_up", "cleaned_up", "not_cleaning_up", "claimed"]


class CleanupRefused(ValueError):
    """An operation is not cleaned up now: it is still `running` (a live process holds its
    lease), another live process is `cleaning_up` it, it was `cleaned_up` already, it is
    `not_cleaning_up` when its cleanup is finished, or it was `claimed` meanwhile."""

    def __init__(
        self,
        reason: CleanupRefusal,
        operation_id: str,
        *,
        status: str = "",
        holder: Lease | None = None,
        cleanup_operation_id: str | None = None,
    ) -> None:
        self.reason: CleanupRefusal = reason
        self.operation_id = operation_id
        self.status = status
        self.holder = holder
        self.cleanup_operation_id = cleanup_operation_id
        super().__init__(self._fact())

    def _fact(self) -> str:
        op, held = self.operation_id, self.holder
        by = f" by {self.cleanup_operation_id}" if self.cleanup_operation_id else ""
        if self.reason == "running" and held is not None:
            return f"operation {op} is still running in {held.holder} until {iso(held.expires_at)}"
        if self.reason == "cleaning_up" and held is not None:
            return f"operation {op} is being cleaned up{by} in {held.holder}"
        if self.reason == "cleaned_up":
            return f"operation {op} was cleaned up already{by}"
        if self.reason == "not_cleaning_up":
            return f"operation {op} is {self.status}, not cleaning_up"
        return f"operation {op} was claimed meanwhile"


ResumeRefusal = Literal["ended", "leased", "taken", "running_here", "outcome_not_journaled"]


class OperationNotResumable(ValueError):
    """The operation cannot be resumed: it has `ended` (completed, cancelled, cleaning_up,
    cleaned_up: `status`), another live process holds its lease (`leased`: `holder`) or
    `taken` it over meanwhile, it is `running_here` in this process, or this process holds
    its outcome the journal at `journal_path` has not taken (`outcome_not_journaled`)."""

    def __init__(
        self,
        reason: ResumeRefusal,
        operation_id: str,
        *,
        status: str = "",
        holder: Lease | None = None,
        journal_path: Path | None = None,
    ) -> None:
        self.reason: ResumeRefusal = reason
        self.operation_id = operation_id
        self.status = status
        self.holder = holder
        self.journal_path = journal_path
        super().__init__(self._fact())

    def _fact(self) -> str:
        op = self.operation_id
        if self.reason == "ended":
            return f"operation {op} is {self.status}"
        if self.reason == "leased" and self.holder is not None:
            held = self.holder
            return f"operation {op} is leased to {held.holder} until {iso(held.expires_at)}"
        if self.reason == "running_here":
            return f"operation {op} is still running in this process"
        if self.reason == "outcome_not_journaled":
            return f"operation {op} ended, but the journal at {self.journal_path} takes no writes"
        return f"operation {op} was taken over meanwhile"


class StepConflict(ValueError):
    """A step's record disagrees with what the caller now says about it.

    As in DBOS, a step that differs from its record is an error, not a guess: the same
    ClientToken with other parameters would be refused by ECS anyway.
    """


class LeaseLost(RuntimeError):
    """This process no longer holds the operation's lease: another process took it over
    (this one had stopped renewing it), so this process records nothing more for it."""

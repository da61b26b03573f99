"""What the journal refuses, as exceptions carrying the facts (ids, statuses, leases).

The sentences the model reads, naming what to call next, are the tools layer's
(`ecs_dr.tools.refusals` renders each from its fields); the text of these names only what
happened, for logs and for an operation's error.

    JournalError (RuntimeError)         the journal cannot be used at all (operator's message)
    UnknownRecord (KeyError)            no record with this id: UnknownOperation, UnknownPlan
    PlanAlreadyExecuted (ValueError)    a plan runs once
    CleanupRefused (ValueError)         not cleaned up now: `reason` says why
    OperationNotResumable (ValueError)  not resumed now: `reason` says why
    StepConflict (ValueError)           a step differs from its record
    LeaseLost (RuntimeError)            another process took the operation over
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from pathlib import Path
from typing import ClassVar

from ecs_dr.workflows.journal.records import Lease, iso


class JournalError(RuntimeError):
    """The journal cannot be used: its directory cannot hold it, it is damaged or no SQLite
    file, or its schema is newer than this code. The message names the path and what to do."""


class UnknownRecord(KeyError):
    """No record of this kind (an operation, a plan) with this id in the journal."""

    kind: ClassVar[str] = "record"

    def __init__(self, record_id: str) -> None:
        self.record_id = record_id
        super().__init__(record_id)

    def __str__(self) -> str:
        return f"unknown {self.kind} id {self.record_id!r}"


class UnknownOperation(UnknownRecord):
    kind = "operation"


class UnknownPlan(UnknownRecord):
    kind = "plan"


class PlanAlreadyExecuted(ValueError):
    """A plan is confirmed and executed once; a second execution would create everything again.
    `operation_id` is the operation executing it (None while it is being recorded)."""

    def __init__(self, plan_id: str, operation_id: str | None) -> None:
        self.plan_id = plan_id
        self.operation_id = operation_id
        super().__init__(f"{plan_id} was executed already as {operation_id or 'an operation'}")


@dataclass(eq=False)
class OperationRefused(ValueError):
    """What an operation refusal knows: why (`reason`), the operation, its status, the lease
    of the process holding it, the cleanup working on it, the journal that took no write."""

    reason: str
    operation_id: str
    _: KW_ONLY
    status: str = ""
    holder: Lease | None = None
    cleanup_operation_id: str | None = None
    journal_path: Path | None = None

    facts: ClassVar[dict[str, str]] = {}
    """What happened, by reason, in one clause without advice (formatted with the fields)."""

    def __post_init__(self) -> None:
        held = self.holder
        by = f" by {self.cleanup_operation_id}" if self.cleanup_operation_id else ""
        super().__init__(
            self.facts[self.reason].format(
                op=self.operation_id,
                status=self.status,
                holder=held.holder if held else "",
                until=iso(held.expires_at) if held else "",
                by=by,
                journal=self.journal_path,
            )
        )


class CleanupRefused(OperationRefused):
    """An operation is not cleaned up now (`reason`): it is still `running`
    (a live process holds its lease), another live process is `cleaning_up` it, it was
    `cleaned_up` already, it is `not_cleaning_up` when its cleanup is finished, or it was
    `claimed` meanwhile."""

    facts: ClassVar[dict[str, str]] = {
        "running": "operation {op} is still running in {holder} until {until}",
        "cleaning_up": "operation {op} is being cleaned up{by} in {holder}",
        "cleaned_up": "operation {op} was cleaned up already{by}",
        "not_cleaning_up": "operation {op} is {status}, not cleaning_up",
        "claimed": "operation {op} was claimed meanwhile",
    }


class OperationNotResumable(OperationRefused):
    """The operation cannot be resumed (`reason`): it has `ended`
    (completed, cancelled, cleaning_up, cleaned_up: `status`), another live process holds its
    lease (`leased`: `holder`) or `taken` it over meanwhile, it is `running_here` in this
    process, or this process holds its outcome the journal at `journal_path` has not taken
    (`outcome_not_journaled`)."""

    facts: ClassVar[dict[str, str]] = {
        "ended": "operation {op} is {status}",
        "leased": "operation {op} is leased to {holder} until {until}",
        "taken": "operation {op} was taken over meanwhile",
        "running_here": "operation {op} is still running in this process",
        "outcome_not_journaled": "operation {op} ended, but the journal at {journal} takes no "
        "writes",
    }


class StepConflict(ValueError):
    """A step's record disagrees with what the caller now says about it.

    As in DBOS, a step that differs from its record is an error, not a guess: the same
    ClientToken with other parameters would be refused by ECS anyway.
    """


class LeaseLost(RuntimeError):
    """This process no longer holds the operation's lease: another process took it over
    (this one had stopped renewing it), so this process records nothing more for it."""

"""What the journal refuses, as exceptions carrying the facts (ids, statuses, leases).

The sentences the model reads, naming the tools to call next, are the tools layer's
(`ecs_dr.tools.refusals`); these carry only what happened.

    JournalError (RuntimeError)       the journal cannot be used at all (operator's message)
    UnknownOperation, UnknownPlan     (KeyError) no record with this id
    PlanAlreadyExecuted               (ValueError) a plan runs once
    CleanupRefused                    (ValueError) not cleaned up now
    OperationNotResumable             (ValueError) not resumed now
    StepConflict                      (ValueError) a step differs from its record
    LeaseLost (RuntimeError)          another process took the operation over
"""

from __future__ import annotations


class JournalError(RuntimeError):
    """The journal cannot be used: its directory cannot hold it, it is damaged or no SQLite
    file, or its schema is newer than this code. The message names the path and what to do."""


class UnknownOperation(KeyError):
    """No operation with this id in the journal."""

    def __init__(self, operation_id: str) -> None:
        self.operation_id = operation_id
        super().__init__(operation_id)

    def __str__(self) -> str:
        return (
            f"unknown operation id {self.operation_id!r}: list_operations shows the ids "
            "this journal holds"
        )


class UnknownPlan(KeyError):
    """No plan with this id in the journal."""

    def __init__(self, plan_id: str) -> None:
        self.plan_id = plan_id
        super().__init__(plan_id)

    def __str__(self) -> str:
        return (
            f"unknown plan id {self.plan_id!r}: plan_recovery makes a plan and returns its id "
            "(plans live in this server's journal)"
        )


class PlanAlreadyExecuted(ValueError):
    """A plan is confirmed and executed once; a second execution would create everything again."""


class CleanupRefused(ValueError):
    """An operation that is running, being cleaned up, or cleaned up already is not cleaned."""


class StepConflict(ValueError):
    """A step's record disagrees with what the caller now says about it.

    As in DBOS, a step that differs from its record is an error, not a guess: the same
    ClientToken with other parameters would be refused by ECS anyway.
    """


class OperationNotResumable(ValueError):
    """The operation cannot be resumed: it has ended, or a live process is running it."""


class LeaseLost(RuntimeError):
    """This process no longer holds the operation's lease: another process took it over
    (this one had stopped renewing it), so this process records nothing more for it."""

"""The sentences the model reads when the journal refuses: what is wrong, and the call to
make next. The journal's exceptions carry only the facts (ids, statuses, the lease holding an
operation); `refusal_text` renders each, and `tool_errors` turns it into the tool's error."""

from __future__ import annotations

from ecs_dr.workflows.journal import (
    CleanupRefused,
    OperationNotResumable,
    PlanAlreadyExecuted,
    UnknownOperation,
    UnknownPlan,
)
from ecs_dr.workflows.journal.records import iso

JournalRefusal = (
    UnknownOperation | UnknownPlan | PlanAlreadyExecuted | OperationNotResumable | CleanupRefused
)
JOURNAL_REFUSALS = (
    UnknownOperation,
    UnknownPlan,
    PlanAlreadyExecuted,
    OperationNotResumable,
    CleanupRefused,
)


def refusal_text(exc: JournalRefusal) -> str:
    """The journal's refusal as the model reads it."""
    if isinstance(exc, UnknownOperation):
        return (
            f"unknown operation id {exc.record_id!r}: list_operations shows the ids "
            "this journal holds"
        )
    if isinstance(exc, UnknownPlan):
        return (
            f"unknown plan id {exc.record_id!r}: plan_recovery makes a plan and returns its id "
            "(plans live in this server's journal)"
        )
    if isinstance(exc, PlanAlreadyExecuted):
        return already_executed(exc.plan_id, exc.operation_id)
    if isinstance(exc, OperationNotResumable):
        return not_resumable(exc)
    return cleanup_refused(exc)


def already_executed(plan_id: str, operation_id: str | None) -> str:
    """Why a plan is not executed again, and where its execution is."""
    where = (
        f"as {operation_id}: get_operation(operation_id={operation_id!r}) shows it"
        if operation_id
        else "already (list_operations shows its operation)"
    )
    return (
        f"{plan_id} was confirmed and executed {where}. A plan runs once, so nothing is "
        "created twice; call plan_recovery for a new plan to recover again."
    )


def not_resumable(exc: OperationNotResumable) -> str:
    """Why the operation is not resumed now, and what to do instead."""
    op = exc.operation_id
    look = f"get_operation(operation_id={op!r})"
    held = exc.holder
    if exc.reason == "leased" and held is not None:
        return (
            f"operation {op} is running in another ecs-dr-mcp process "
            f"({held.holder}, lease until {iso(held.expires_at)}): two servers never "
            "run one operation at once. Follow it in that server with wait_operation; "
            "if that process died, its lease expires by itself and resume_recovery "
            "works after that time. Nothing was changed."
        )
    if exc.reason == "running_here":
        return (
            f"operation {op} is still running in this server; follow it with "
            f"wait_operation(operation_id={op!r})."
        )
    if exc.reason == "outcome_not_journaled":
        return (
            f"operation {op} ended, but the journal at {exc.journal_path} "
            "still takes no writes (the server log says why): call resume_recovery again "
            "once the disk is writable. Nothing was changed."
        )
    ended = {
        "completed": (
            f"operation {op} is completed: there is nothing to resume. {look} shows its "
            f"result; cleanup_recovery(operation_id={op!r}) deletes what it created once the "
            "drill is over."
        ),
        "cancelled": (
            f"operation {op} is cancelled: a cancelled operation is not resumed. {look} shows "
            "what it created; cleanup_recovery deletes that, and plan_recovery makes a new "
            "plan to run the recovery again."
        ),
        "cleaning_up": (
            f"operation {op} is cleaning_up: its resources are being deleted, so it cannot be "
            f"resumed. {look} shows the cleanup; if that cleanup was interrupted, "
            f"cleanup_recovery(operation_id={op!r}) finishes it."
        ),
        "cleaned_up": (
            f"operation {op} is cleaned_up: what it created was deleted, so it cannot be "
            f"resumed. {look} shows what was deleted; plan_recovery makes a new plan to run "
            "the recovery again."
        ),
    }
    if exc.reason == "ended" and exc.status in ended:
        return ended[exc.status]
    return str(exc)


def cleanup_refused(exc: CleanupRefused) -> str:
    """Why the operation is not cleaned up now, and what to do instead."""
    op, held = exc.operation_id, exc.holder
    where = f" by {exc.cleanup_operation_id}" if exc.cleanup_operation_id else ""
    if exc.reason == "running" and held is not None:
        return (
            f"operation {op} is still running in ecs-dr-mcp process {held.holder} "
            f"(lease until {iso(held.expires_at)}): its resources are not all created "
            f"yet. wait_operation(operation_id={op!r}) follows it in that "
            "server; clean it up once it has finished. Nothing was deleted."
        )
    if exc.reason == "cleaning_up" and held is not None:
        return (
            f"operation {op} is being cleaned up already{where} in ecs-dr-mcp "
            f"process {held.holder} (lease until {iso(held.expires_at)}): one cleanup "
            f"at a time. get_operation(operation_id={op!r}) shows it; if that "
            "process died, its lease expires by itself and cleanup_recovery then "
            "finishes the cleanup. Nothing was deleted."
        )
    if exc.reason == "cleaned_up":
        return (
            f"operation {op} was cleaned up already{where}: a cleanup runs "
            f"once. get_operation(operation_id={op!r}) shows what was deleted "
            "and what was left, and why. Nothing was deleted."
        )
    return str(exc)

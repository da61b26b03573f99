"""The journal's transitions around an operation's run, so a tool makes one call: a plan is
claimed, then executed by an operation recorded on it; a cleanup is claimed (leased to this
process), then finished with its result or released as it was."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pydantic import BaseModel

from ecs_dr.domain.cleanup import CLEANUP_KIND, CleanupResult
from ecs_dr.workflows.journal import OperationRecord, StepRecorder, off_loop
from ecs_dr.workflows.operations import CancelSignal, Operations, Outcome, ProgressFn, Work


async def execute_plan(
    operations: Operations,
    kind: str,
    plan_id: str,
    region_id: str | None,
    arguments: Mapping[str, Any],
    work: Work,
    progress: ProgressFn | None = None,
    *,
    client_cancel: CancelSignal | None = None,
) -> Outcome:
    """Claim the plan, once (raises UnknownPlan, PlanAlreadyExecuted), and run `work` as a new
    operation recorded as the plan's execution: the claim, the operation and the link between
    them are written in one worker-thread call, so a concurrent execution's refusal names
    the operation. `client_cancel` as for Operations.run."""
    journal = operations.journal
    return await operations.run(
        kind,
        region_id,
        arguments,
        work,
        progress,
        before=lambda: journal.claim_plan(plan_id),
        on_start=lambda operation_id: journal.plan_operation(plan_id, operation_id),
        client_cancel=client_cancel,
    )


async def run_cleanup(
    operations: Operations,
    operation_id: str,
    region_id: str | None,
    arguments: Mapping[str, Any],
    execute: Callable[[ProgressFn], Awaitable[CleanupResult]],
    progress: ProgressFn | None = None,
    *,
    check: Callable[[OperationRecord], None] | None = None,
) -> Outcome:
    """The cleanup of an operation the journal holds, marked on its record: leased to this
    process (renewed by its heartbeat), so that if it dies mid-way the lease expires and a
    later cleanup_recovery takes the cleanup over and finishes it.

    `check` sees the operation as it is just before the claim, in the same worker-thread call
    as the claim and the cleanup's own record, so of two cleanups asked at once one runs.
    Raises UnknownOperation, CleanupRefused, and whatever `check` raises."""
    journal = operations.journal
    owner = operations.owner
    claimed: list[str] = []

    def claim() -> None:
        if check is not None:
            check(journal.get(operation_id))
        previous = journal.claim_cleanup(operation_id, owner=owner, lease_s=operations.lease_s)
        claimed.append(previous)

    async def work(step: StepRecorder, report: ProgressFn) -> BaseModel:
        (previous,) = claimed
        try:
            result = await execute(report)
        except BaseException:
            # Nothing recorded as cleaned: a later cleanup finds what is still there.
            await off_loop(journal.release_cleanup, operation_id, previous, owner=owner)
            raise
        await off_loop(
            journal.finish_cleanup,
            operation_id,
            {**result.model_dump(mode="json"), "cleanup_operation_id": step.operation_id},
            owner=owner,
        )
        return result

    return await operations.run(
        CLEANUP_KIND,
        region_id,
        arguments,
        work,
        progress,
        before=claim,
        on_start=lambda cleanup_id: journal.cleanup_started(operation_id, cleanup_id),
    )


async def record_interrupted_cleanup(
    operations: Operations, operation_id: str, cleanup: Mapping[str, Any]
) -> None:
    """An interrupted cleanup that had deleted all it could: claimed by this process and
    recorded as finished with `cleanup`, so the operation is `cleaned_up`."""
    journal, owner = operations.journal, operations.owner

    def record() -> None:
        journal.claim_cleanup(operation_id, owner=owner)
        journal.finish_cleanup(operation_id, cleanup, owner=owner)

    await off_loop(record)

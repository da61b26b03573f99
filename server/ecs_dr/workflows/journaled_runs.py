"""The journal's transitions around an operation's run, so a tool makes one call: a plan is
claimed, then executed by an operation recorded on it; a cleanup is claimed (leased to this
process), then finished with its result or released as it was."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pydantic import BaseModel

from ecs_dr.workflows.cleanup import CLEANUP_KIND, CleanupResult
from ecs_dr.workflows.journal import StepRecorder, off_loop
from ecs_dr.workflows.operations import Operations, Outcome, ProgressFn, Work


async def execute_plan(
    operations: Operations,
    kind: str,
    plan_id: str,
    region_id: str | None,
    arguments: Mapping[str, Any],
    work: Work,
    progress: ProgressFn | None = None,
) -> Outcome:
    """Claim the plan, once (raises UnknownPlan, PlanAlreadyExecuted), then run `work` as a new
    operation recorded as the plan's execution."""
    journal = operations.journal
    await off_loop(journal.claim_plan, plan_id)
    return await operations.run(
        kind,
        region_id,
        arguments,
        work,
        progress,
        on_start=lambda operation_id: off_loop(journal.plan_operation, plan_id, operation_id),
    )


async def run_cleanup(
    operations: Operations,
    operation_id: str,
    region_id: str | None,
    arguments: Mapping[str, Any],
    execute: Callable[[ProgressFn], Awaitable[CleanupResult]],
    progress: ProgressFn | None = None,
) -> Outcome:
    """The cleanup of an operation the journal holds, marked on its record: leased to this
    process (renewed by its heartbeat), so that if it dies mid-way the lease expires and a
    later cleanup_recovery takes the cleanup over and finishes it. Raises UnknownOperation and
    CleanupRefused when the operation cannot be claimed."""
    journal = operations.journal
    owner = operations.owner
    previous = await off_loop(
        journal.claim_cleanup, operation_id, owner=owner, lease_s=operations.lease_s
    )

    async def work(step: StepRecorder, report: ProgressFn) -> BaseModel:
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
        on_start=lambda cleanup_id: off_loop(journal.cleanup_started, operation_id, cleanup_id),
    )


async def record_interrupted_cleanup(
    operations: Operations, operation_id: str, cleanup: Mapping[str, Any]
) -> None:
    """An interrupted cleanup that had deleted all it could: claimed by this process and
    recorded as finished with `cleanup`, so the operation is `cleaned_up`."""
    journal, owner = operations.journal, operations.owner
    await off_loop(journal.claim_cleanup, operation_id, owner=owner)
    await off_loop(journal.finish_cleanup, operation_id, cleanup, owner=owner)

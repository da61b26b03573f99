"""`cleanup_recovery`: delete what one operation created (a DR drill), after explicit
confirmation naming every resource; never a source resource."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, Field

from ecs_dr.domain.cleanup import (
    CLEANUP_KIND,
    CleanupInventory,
    CleanupResult,
    CleanupRow,
    OrphanOperation,
    cleanup_markdown,
    confirm_cleanup_prompt,
)
from ecs_dr.domain.decisions import CANCEL, ChoicePrompt
from ecs_dr.domain.refusal import Refusal
from ecs_dr.tools.account import account_named
from ecs_dr.tools.common import Ctx, EveryRegionArg, progress_of, services, tool_errors
from ecs_dr.tools.decisions import (
    DecisionFlow,
    DecisionsArg,
    Settled,
    confirm_next_step,
    confirmation,
    open_prompts,
)
from ecs_dr.tools.operations import OperationIdArg
from ecs_dr.tools.outcomes import outcome_result
from ecs_dr.tools.results import AskingResult, ToolResult
from ecs_dr.workflows import cleanup as workflow
from ecs_dr.workflows.journal import (
    CleanupMarker,
    Journal,
    OperationRecord,
    StepRecorder,
    UnknownOperation,
    UnknownPlan,
    off_loop,
)
from ecs_dr.workflows.journaled_runs import record_interrupted_cleanup, run_cleanup
from ecs_dr.workflows.operations import Outcome, ProgressFn

TOOL = CLEANUP_KIND
# How many of the journal's operations are read to find the cleanups of an operation it no
# longer holds: every one a journal of a DR drill's lifetime keeps.
JOURNAL_SCAN_LIMIT = 100_000


def _refuse_unfinished(ctx: Ctx, record: OperationRecord) -> None:
    """Raises CleanupRefused for an operation still running (a live process holds its lease),
    being cleaned up by another live process, or cleaned up already; Refusal for one being
    cleaned up by this one."""
    s = services(ctx)
    refusal = s.journal.cleanup_refusal(record, s.operations.owner)
    if refusal is not None:
        raise refusal
    by = CleanupMarker.of(record).cleanup_operation_id
    if record.status == "cleaning_up" and by is not None and s.operations.running_here(by):
        raise Refusal(
            f"operation {record.operation_id} is being cleaned up already by {by} in this "
            f"server: one cleanup at a time. wait_operation(operation_id={by!r}) follows "
            "it. Nothing was deleted."
        )


def journaled_cleanups(journal: Journal, operation_id: str) -> list[OperationRecord]:
    """The cleanup_recovery operations the journal holds for `operation_id`, newest first: the
    record of an operation the journal itself no longer knows (found by its tags)."""
    return [
        r
        for r in journal.list(JOURNAL_SCAN_LIMIT)
        if r.kind == TOOL and r.arguments.get("operation_id") == operation_id
    ]


def _refuse_orphan_cleaned(ctx: Ctx, operation_id: str) -> None:
    """Raises Refusal when a cleanup of this operation, unknown to the journal, has
    finished or runs in a live process: a cleanup runs once. Reads the journal: a worker
    thread's call."""
    s = services(ctx)
    for cleanup in journaled_cleanups(s.journal, operation_id):
        by = cleanup.operation_id
        if cleanup.status == "completed":
            raise Refusal(
                f"operation {operation_id} was cleaned up already by {by}: a cleanup runs "
                f"once. get_operation(operation_id={by!r}) shows what was deleted and what "
                "was left, and why. Nothing was deleted."
            )
        running = s.journal.live_lease(cleanup) is not None or s.operations.running_here(by)
        if cleanup.status == "running" and running:
            raise Refusal(
                f"operation {operation_id} is being cleaned up already by {by}: one cleanup "
                f"at a time. wait_operation(operation_id={by!r}) follows it. Nothing was "
                "deleted."
            )


async def _plan_of(ctx: Ctx, record: OperationRecord) -> dict[str, Any] | None:
    """The plan an execute_recovery operation ran, for the source and target it names."""
    plan_id = record.arguments.get("plan_id")
    if not isinstance(plan_id, str):
        return None
    try:
        return (await off_loop(services(ctx).journal.get_plan, plan_id)).plan
    except UnknownPlan:
        return None


async def _record(ctx: Ctx, operation_id: str) -> OperationRecord | None:
    """The operation as the journal holds it; None when only the cloud's tags know it."""
    try:
        return await off_loop(services(ctx).journal.get, operation_id)
    except UnknownOperation:
        return None


async def _inventory(ctx: Ctx, operation_id: str) -> CleanupInventory:
    """From the journal's steps, or from the cloud's tags for an operation it does not know."""
    s = services(ctx)
    record = await _record(ctx, operation_id)
    if record is None:
        await off_loop(_refuse_orphan_cleaned, ctx, operation_id)
        return await workflow.orphan_inventory(s.gateway, operation_id)
    _refuse_unfinished(ctx, record)
    return await workflow.inventory(s.gateway, record, await _plan_of(ctx, record))


async def _confirm_prompt(ctx: Ctx, operation_id: str, inv: CleanupInventory) -> ChoicePrompt:
    """The confirmation naming every resource to delete, and the account and region."""
    return await account_named(ctx, confirm_cleanup_prompt(operation_id, inv.rows), inv.region_id)


async def _questions(
    ctx: Ctx, arguments: Mapping[str, Any], answers: Mapping[str, str]
) -> list[ChoicePrompt]:
    with tool_errors(TOOL):
        operation_id = arguments["operation_id"]
        inv = await _inventory(ctx, operation_id)
        if not inv.to_delete:
            return []
        return open_prompts([await _confirm_prompt(ctx, operation_id, inv)], answers)


CLEANUP_FLOW = DecisionFlow(TOOL, ("operation_id", "decisions"), _questions)


async def _run_journaled(ctx: Ctx, inv: CleanupInventory, arguments: Mapping[str, Any]) -> Outcome:
    """The cleanup of an operation the journal holds (see `run_cleanup`), once the operation
    is checked again: the form took a while."""
    s = services(ctx)

    async def execute(progress: ProgressFn) -> CleanupResult:
        return await workflow.execute_cleanup(s.gateway, inv, progress, timing=s.timing)

    return await run_cleanup(
        s.operations,
        inv.operation_id,
        inv.region_id,
        arguments,
        execute,
        progress_of(ctx),
        check=lambda record: _refuse_unfinished(ctx, record),
    )


class CleanupOutcome(AskingResult):
    cleaned_operation_id: str = Field(description="the operation whose resources are cleaned")
    rows: list[CleanupRow] = Field(
        default_factory=list,
        description="every resource the operation created: the action taken or why it stays",
    )
    deleted: list[str] = Field(default_factory=list, description="ids deleted by this call")
    left: list[CleanupRow] = Field(
        default_factory=list, description="resources still in place, each with its reason"
    )
    protected: list[str] = Field(
        default_factory=list, description="the source resources cleanup never touches"
    )

    # The table shows what is deleted and what is left; the sources' resources are counted
    # (a fleet's run to hundreds of ids), and listed only when a few.
    TEXT_OMITS = frozenset({"rows", "left", "deleted", "protected"})

    def text_tables(self) -> list[str]:
        shown = self.protected if len(self.protected) <= _LISTED_PROTECTED else []
        listed = f": {', '.join(shown)}" if shown else " (listed in `protected`)"
        never = f"Never touched: {len(self.protected)} source resources{listed}."
        return [cleanup_markdown(self.rows) if self.rows else "", never if self.protected else ""]


# How many protected ids the text lists before it gives only their count.
_LISTED_PROTECTED = 10


class OrphanList(ToolResult):
    """The cloud's record of operations the journal does not know."""

    regions_searched: list[str] = Field(description="the regions whose tags were listed")
    operations: list[OrphanOperation] = Field(
        default_factory=list,
        description="each operation id tagged on resources the journal does not know, with "
        "its resources (kind, id, status, source instance and drill tags)",
    )


async def find_orphans(
    ctx: Ctx,
    region_id: EveryRegionArg = None,
) -> OrphanList:
    """Resources tagged ecs-dr:operation-id whose operation the journal does not know, by
    operation, every region unless region_id; cleanup_recovery(operation_id) removes them.
    Read-only."""
    s = services(ctx)
    with tool_errors("find_orphans"):
        records = await off_loop(s.journal.list, JOURNAL_SCAN_LIMIT)
        cleanups = {
            str(r.arguments.get("operation_id")): r.operation_id
            for r in reversed(records)
            if r.kind == TOOL and r.status != "failed"
        }
        regions, orphans = await workflow.find_orphans(
            s.gateway, region_id, (r.operation_id for r in records), cleanups
        )
    return OrphanList(
        status="completed",
        regions_searched=regions,
        operations=orphans,
        next_step=(
            "cleanup_recovery(operation_id) of one of these ids lists what it would delete and "
            "asks for confirmation; show the user every resource first."
            if orphans
            else "The journal knows every tagged resource's operation; nothing to do."
        ),
    )


async def cleanup_recovery(
    operation_id: OperationIdArg,
    ctx: Ctx,
    settled: Annotated[Settled, CLEANUP_FLOW.resolve],
    decisions: DecisionsArg = None,
) -> CleanupOutcome:
    """Delete what one operation (a drill) created, once the user confirms the list: only
    resources tagged with its id, never the source; its VSwitch once unused. Also for an
    operation only the cloud's tags know (find_orphans). Call again to finish one interrupted."""
    if settled.stopped is not None:
        return CleanupOutcome(
            status="cancelled",
            cleaned_operation_id=operation_id,
            next_step=f"The user chose to {settled.stopped} the form; nothing was deleted.",
        )
    s = services(ctx)
    with tool_errors(TOOL):
        inv = await _inventory(ctx, operation_id)
        base: dict[str, Any] = {
            "cleaned_operation_id": operation_id,
            "rows": inv.rows,
            "left": [r for r in inv.rows if r.action in ("left", "refused")],
            "protected": inv.protected,
        }
        record = await _record(ctx, operation_id)
        if not inv.to_delete and record is not None and record.status == "cleaning_up":
            await record_interrupted_cleanup(
                s.operations,
                operation_id,
                {
                    "rows": [r.model_dump(mode="json") for r in inv.rows],
                    "deleted": [],
                    "left": [r.model_dump(mode="json") for r in base["left"]],
                },
            )
            return CleanupOutcome(
                status="completed",
                **base,
                next_step=(
                    f"The interrupted cleanup of {operation_id} had already deleted everything "
                    "it could; it is now recorded as cleaned_up. The rows say what is gone and "
                    "why anything stays. Nothing more was deleted."
                ),
            )
        if not inv.to_delete:
            return CleanupOutcome(
                status="completed",
                **base,
                next_step=(
                    f"{operation_id} left nothing this server may delete; the rows say why "
                    "each resource stays. Nothing was deleted."
                ),
            )
        prompt = await _confirm_prompt(ctx, operation_id, inv)
        confirmed = confirmation(ctx, prompt, settled)
        if confirmed.answer == CANCEL:
            return CleanupOutcome(
                status="cancelled", **base, next_step="Cancelled; nothing was deleted."
            )
        if confirmed.answer is None:
            return CleanupOutcome(
                status="needs_decision",
                decisions=[confirmed.prompt],
                error=confirmed.refused,
                **base,
                next_step=confirm_next_step(
                    TOOL,
                    "Show every resource listed (the markdown table) too. Nothing has been "
                    "deleted.",
                ),
            )
        arguments = {
            "operation_id": operation_id,
            "decisions": {prompt.decision_id: confirmed.answer},
        }
        if record is None:
            # Known only by its tags: the cleanup operation itself is its record.
            async def orphan_work(step: StepRecorder, progress: ProgressFn) -> BaseModel:
                return await workflow.execute_cleanup(s.gateway, inv, progress, timing=s.timing)

            outcome = await s.operations.run(
                TOOL,
                inv.region_id,
                arguments,
                orphan_work,
                progress_of(ctx),
                # Checked again with the cleanup's own record: the form took a while.
                before=lambda: _refuse_orphan_cleaned(ctx, operation_id),
            )
        else:
            outcome = await _run_journaled(ctx, inv, arguments)
    fields = outcome_result(outcome)
    if outcome.result is None:
        return CleanupOutcome(**fields, **base)
    result = CleanupResult.model_validate(outcome.result)
    return CleanupOutcome(
        **fields,
        cleaned_operation_id=operation_id,
        rows=result.rows,
        deleted=result.deleted,
        left=result.left,
        protected=inv.protected,
    )

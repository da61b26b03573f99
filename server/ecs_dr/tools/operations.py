"""The journal's tools: follow an operation that outlived its call, stop one, and look
operations up."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationError

from ecs_dr.domain.cleanup import CLEANUP_KIND
from ecs_dr.domain.cloud_text import cloud_text_field
from ecs_dr.domain.refusal import Refusal
from ecs_dr.tools.common import Ctx, OperationId, progress_of, services, tool_errors
from ecs_dr.tools.outcomes import outcome_result
from ecs_dr.tools.recovery_results import recovery_tables
from ecs_dr.tools.results import Status, ToolResult, once
from ecs_dr.tools.steps import STEP_TOOLS
from ecs_dr.workflows.drill_report import measured_rpo_s, measured_rto_s
from ecs_dr.workflows.journal import Journal, OperationRecord, StepRecord, off_loop
from ecs_dr.workflows.operations import Outcome
from ecs_dr.workflows.scenarios import SCENARIOS

OperationIdArg = Annotated[
    OperationId,
    Field(description="from a tool result or list_operations"),
]

_STATUS: dict[str, Status] = {
    "running": "in_progress",
    "completed": "completed",
    "failed": "failed",
    "cancelled": "cancelled",
    "cleaning_up": "in_progress",
    "cleaned_up": "completed",
}


class OperationOutcome(ToolResult):
    """Where an operation stands after following it for a while."""

    result: dict[str, Any] | None = cloud_text_field(
        "the finished operation's result, as its tool returns it", default=None
    )
    progress: str | None = cloud_text_field(
        "the latest progress report; may name a resource", default=None
    )

    TEXT_OMITS = frozenset({"result"})

    def text_tables(self) -> list[str]:
        return recovery_tables(self.result)


async def wait_operation(
    operation_id: OperationIdArg,
    ctx: Ctx,
    max_wait_s: Annotated[
        float | None,
        Field(
            default=None,
            ge=0,
            strict=True,
            description="seconds at most; the server caps it",
        ),
    ] = None,
) -> OperationOutcome:
    """Follow an operation that answered in_progress, for a bounded wait: its final result, or
    in_progress again. Read-only."""
    s = services(ctx)
    with tool_errors("wait_operation"):
        outcome = await s.operations.wait(operation_id, max_wait_s, progress_of(ctx))
        fields = outcome_result(outcome)
        if outcome.status == "completed":
            fields["next_step"] = await _next_step_when_done(s.journal, outcome)
    result = None if outcome.result is None else once(outcome.result)
    return OperationOutcome(**fields, result=result, progress=outcome.message)


async def _next_step_when_done(journal: Journal, outcome: Outcome) -> str:
    """What the tool that started the operation says once it is done (execute_recovery's
    answer for its scenario, a step tool's next call), so following it ends the same way."""
    record = await off_loop(journal.get, outcome.operation_id)
    step_tool = STEP_TOOLS.get(record.kind)
    if step_tool is not None:
        return step_tool.answer_of(outcome).next_step
    plan_id = record.arguments.get("plan_id")
    if record.kind != "execute_recovery" or not isinstance(plan_id, str):
        return ""
    scenario = SCENARIOS.get((await off_loop(journal.get_plan, plan_id)).scenario)
    if scenario is None:
        return ""
    try:
        result = scenario.result_type.model_validate(outcome.result)
    except ValidationError:  # a result an earlier version journaled: `result` shows it as is
        return ""
    return str(scenario.answer(result)["next_step"])


class OperationCancelled(ToolResult):
    """Where an operation stands after cancel_operation, and what it left in the cloud."""

    created_resources: list[str] = Field(
        default_factory=list,
        description="ids of the resources its steps created; they stay until cleanup_recovery",
    )


async def cancel_operation(operation_id: OperationIdArg, ctx: Ctx) -> OperationCancelled:
    """Stop a running operation before its next create (one already sent is finished and recorded);
    it ends `cancelled`. Answers with what it created and the cleanup_recovery call that
    removes it."""
    s = services(ctx)
    with tool_errors("cancel_operation"):
        before = await off_loop(s.journal.get, operation_id)
        _check_cancellable(s.journal, before, s.operations.running_here(operation_id))
        outcome = await s.operations.cancel(operation_id, progress=progress_of(ctx))
        after = await off_loop(s.journal.get, operation_id)
    created = _created(after.steps)
    fields = outcome_result(outcome)
    if before.status != "running":
        removable = created and after.status in ("completed", "failed", "cancelled")
        then = _where(s.journal, after) or (
            f"cleanup_recovery(operation_id={operation_id!r}) removes what it created."
            if removable
            else f"get_operation(operation_id={operation_id!r}) shows it."
        )
        fields["next_step"] = (
            f"Operation {operation_id} had already ended ({before.status}); nothing was "
            f"changed. {then}"
        )
    elif outcome.status == "in_progress":
        fields["next_step"] = (
            "Stopping: a create already sent is being waited for and recorded; "
            f"wait_operation(operation_id={operation_id!r}) follows it until it is cancelled."
        )
    elif outcome.status == "cancelled" and not created:
        fields["next_step"] = "It stopped before creating anything: there is nothing to clean up."
    elif outcome.status == "completed":
        fields["next_step"] = (
            "It finished before it could be stopped: every resource it made exists. "
            f"cleanup_recovery(operation_id={operation_id!r}) removes them if they are unwanted."
        )
    return OperationCancelled(**fields, created_resources=created)


def _check_cancellable(journal: Journal, record: OperationRecord, running_here: bool) -> None:
    """Raises Refusal for a cleanup, and for an operation another live process runs: only
    the process running it knows whether a create is in flight, so only it stops it safely."""
    op = record.operation_id
    if record.kind == CLEANUP_KIND:
        raise Refusal(
            f"operation {op} is a cleanup: it deletes, it creates nothing, so there is nothing "
            f"to stop; wait_operation(operation_id={op!r}) follows it."
        )
    held = journal.live_lease(record)
    if record.status == "running" and held is not None and not running_here:
        raise Refusal(
            f"operation {op} runs in another ecs-dr-mcp process ({held.holder}, lease until "
            f"{held.expires_at.isoformat()}); only that server knows whether a create is in "
            "flight, so cancel it through a client of that server. If that server is gone, "
            "its lease expires and cancel_operation here marks it cancelled."
        )


class OperationSummary(BaseModel):
    operation_id: str
    kind: str
    status: str
    region_id: str | None
    created_at: str
    updated_at: str
    created_resources: list[str] = Field(description="ids of the resources it created so far")
    running_in: str | None = Field(
        default=None,
        description="pid@host of the ecs-dr-mcp process that holds its lease (runs or cleans "
        "it up now); null when nobody does: a `running` operation is then interrupted",
    )
    rto_s: float | None = Field(
        default=None, description="a completed recovery's measured RTO (drill_report)"
    )
    rpo_s: float | None = Field(default=None, description="a recovery's RPO (drill_report)")


class OperationDetail(ToolResult):
    """One journaled operation with every step."""

    operation: OperationRecord

    TEXT_OMITS = frozenset({"operation.result", "operation.arguments"})

    def text_tables(self) -> list[str]:
        return recovery_tables(self.operation.result)


class OperationList(ToolResult):
    operations: list[OperationSummary]


def _created(steps: list[StepRecord]) -> list[str]:
    return [s.resource_id for s in steps if s.resource_id]


def _where(journal: Journal, record: OperationRecord) -> str:
    """Who runs the operation now, and what to call next."""
    op = record.operation_id
    held = journal.live_lease(record)
    if record.status == "running" and held is not None:
        return (
            f"Running in ecs-dr-mcp process {held.holder} (lease until "
            f"{held.expires_at.isoformat()}, renewed while it lives); "
            f"wait_operation(operation_id={op!r}) follows it."
        )
    if record.status == "running":
        resume = (
            f"resume_recovery(operation_id={op!r}) continues it"
            if record.kind == "execute_recovery"
            else "its tool makes what is missing when called again"
        )
        return (
            "Interrupted: no ecs-dr-mcp process holds its lease (its server stopped before it "
            f"finished); {resume}, or cleanup_recovery(operation_id={op!r}) deletes what it "
            "created."
        )
    if record.status == "failed" and record.kind == "execute_recovery":
        return (
            f"Failed: fix the cause in the error, then resume_recovery(operation_id={op!r}) "
            "continues it (recorded steps are reused, not sent again); or "
            f"cleanup_recovery(operation_id={op!r}) deletes what it created."
        )
    if record.status == "cancelled":
        return (
            "Cancelled: it stopped before its next create and is never resumed; "
            f"cleanup_recovery(operation_id={op!r}) deletes what it created."
        )
    if record.status == "cleaning_up" and held is None:
        return (
            "Its cleanup was interrupted (no ecs-dr-mcp process holds its lease): "
            f"cleanup_recovery(operation_id={op!r}) finishes it."
        )
    if record.status == "cleaning_up" and held is not None:
        return f"Being cleaned up in ecs-dr-mcp process {held.holder}."
    return ""


async def get_operation(operation_id: OperationIdArg, ctx: Ctx) -> OperationDetail:
    """One operation from the journal: its arguments, every create step (ClientToken, resource
    id) and its result or error. Read-only."""
    journal = services(ctx).journal
    with tool_errors("get_operation"):
        record = await off_loop(journal.get, operation_id)
    return OperationDetail(
        status=_STATUS.get(record.status, "failed"),
        operation_id=record.operation_id,
        error=record.error,
        operation=record.model_copy(
            update={"result": None if record.result is None else once(record.result)}
        ),
        next_step=_where(journal, record),
    )


async def list_operations(
    ctx: Ctx,
    limit: Annotated[
        int, Field(default=20, ge=1, le=200, strict=True, description="how many, newest first")
    ] = 20,
) -> OperationList:
    """The newest operations in the journal: kind, status and resources created. Read-only."""
    journal = services(ctx).journal
    records = await off_loop(journal.list, limit)
    return OperationList(
        status="completed",
        operations=[
            OperationSummary(
                operation_id=r.operation_id,
                kind=r.kind,
                status=r.status,
                region_id=r.region_id,
                created_at=r.created_at.isoformat(),
                updated_at=r.updated_at.isoformat(),
                created_resources=_created(r.steps),
                running_in=held.holder if (held := journal.live_lease(r)) else None,
                rto_s=measured_rto_s(r),
                rpo_s=measured_rpo_s(r),
            )
            for r in records
        ],
        next_step="get_operation(operation_id) shows one operation's steps; drill_report("
        "operation_id) a recovery's RTO and RPO.",
    )

"""The journal's tools: follow an operation that outlived its call, and look operations up."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from ecs_dr.domain.cloud_text import cloud_text_field
from ecs_dr.tools.common import Ctx, OperationId, progress_of, services, tool_errors
from ecs_dr.tools.recovery_results import recovery_tables
from ecs_dr.tools.results import Status, ToolResult, once
from ecs_dr.workflows.journal import Journal, OperationRecord, StepRecord, off_loop
from ecs_dr.workflows.operations import Outcome

OperationIdArg = Annotated[
    OperationId,
    Field(description="An operation id (op-...) from a tool result or list_operations"),
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


def outcome_result(outcome: Outcome, tool: str = "wait_operation") -> dict[str, Any]:
    """The ToolResult fields of an Outcome, with what to call next."""
    next_step = {
        "completed": "",
        "in_progress": (
            f"Still running; call wait_operation(operation_id={outcome.operation_id!r}) to "
            "keep following it."
        ),
        "failed": (
            f"get_operation(operation_id={outcome.operation_id!r}) shows every recorded step "
            "and the resources created so far."
        ),
        "cancelled": "",
    }[outcome.status]
    return {
        "status": outcome.status,
        "operation_id": outcome.operation_id,
        "error": outcome.error,
        "next_step": next_step,
    }


async def wait_operation(
    operation_id: OperationIdArg,
    ctx: Ctx,
    max_wait_s: Annotated[
        float | None,
        Field(
            default=None,
            ge=0,
            strict=True,
            description="seconds to follow it at most; capped by the server's bounded call wait",
        ),
    ] = None,
) -> OperationOutcome:
    """Follow a long operation (snapshot, image, instance start) that answered in_progress.

    Returns its result once finished, or in_progress again after the bounded wait; progress
    notifications follow it meanwhile. Read-only: it creates nothing.
    """
    with tool_errors("wait_operation"):
        outcome = await services(ctx).operations.wait(operation_id, max_wait_s, progress_of(ctx))
    result = None if outcome.result is None else once(outcome.result)
    return OperationOutcome(**outcome_result(outcome), result=result, progress=outcome.message)


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
    if record.status == "cleaning_up" and held is None:
        return (
            "Its cleanup was interrupted (no ecs-dr-mcp process holds its lease): "
            f"cleanup_recovery(operation_id={op!r}) finishes it."
        )
    if record.status == "cleaning_up" and held is not None:
        return f"Being cleaned up in ecs-dr-mcp process {held.holder}."
    return ""


async def get_operation(operation_id: OperationIdArg, ctx: Ctx) -> OperationDetail:
    """One operation from the journal: its arguments, each create step with its ClientToken
    and resource id, and its result or error. `status` mirrors the operation's."""
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
    """The newest operations in the journal (kind, status, resources created)."""
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
            )
            for r in records
        ],
        next_step="get_operation(operation_id) shows one operation's steps.",
    )

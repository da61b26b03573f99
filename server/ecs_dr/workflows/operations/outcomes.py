"""What the callers of an operation are told: its outcome, and the words for each way it ends
without the result its tool returns (failed, taken over, not journaled, interrupted)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import structlog
from pydantic import BaseModel, Field

from ecs_dr.cloud.errors import CloudError
from ecs_dr.logs import redact_secrets
from ecs_dr.workflows.journal import CleanupMarker, Lease, OperationRecord

log = structlog.get_logger("ecs_dr.workflows.operations")


class Outcome(BaseModel):
    """Where an operation stands at the end of one call."""

    status: Literal["completed", "in_progress", "failed", "cancelled"]
    operation_id: str
    result: dict[str, Any] | None = None
    error: str | None = None
    message: str | None = Field(
        default=None, description="the last progress report while in progress"
    )


def failed_outcome(operation_id: str, exc: Exception) -> Outcome:
    error = describe_error(exc)
    if isinstance(exc, CloudError):
        log.warning("operation_failed", operation_id=operation_id, error=error)
    else:
        log.error("operation_failed", operation_id=operation_id, error=error, exc_info=exc)
    return Outcome(status="failed", operation_id=operation_id, error=error)


def cancelled_outcome(operation_id: str, by: str) -> Outcome:
    """An operation stopped before its next create (every create already sent recorded)."""
    return Outcome(
        status="cancelled", operation_id=operation_id, error=cancel_reason(operation_id, by)
    )


def cancel_reason(operation_id: str, by: str) -> str:
    """Why a cancelled operation ended, as its journal record keeps it; `by` says who asked."""
    return f"operation {operation_id} was cancelled ({by}) before its next create"


def describe_error(exc: BaseException) -> str:
    """The error's message for the reader: a CloudError's text (code, RequestId), never a
    traceback; other exceptions are prefixed with their type. Credential shapes are redacted.
    """
    if isinstance(exc, BaseExceptionGroup):
        text = "; ".join(describe_error(inner) for inner in exc.exceptions)
    elif isinstance(exc, CloudError):
        text = str(exc)
    else:
        message = str(exc)
        text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return str(redact_secrets(None, "", {"error": text})["error"])


def taken_over(operation_id: str) -> Outcome:
    return Outcome(
        status="failed",
        operation_id=operation_id,
        error=(
            f"operation {operation_id} was taken over by another ecs-dr-mcp process after this "
            "server could not renew its lease; that process continues it. "
            f"get_operation(operation_id={operation_id!r}) shows where it stands."
        ),
    )


def not_journaled(
    outcome: Outcome,
    kind: str,
    arguments: Mapping[str, Any],
    path: Path,
    error: str,
    lease_s: float,
) -> Outcome:
    """What the callers of an operation are told when the journal could not take its end."""
    operation_id = outcome.operation_id
    ended = "completed" if outcome.status == "completed" else f"{outcome.status} ({outcome.error})"
    call = continue_call(operation_id, kind, arguments)
    return Outcome(
        status="failed",
        operation_id=operation_id,
        error=(
            f"operation {operation_id} {ended}, but the outcome could not be written to the "
            f"journal at {path}: {error}; call {call} once the disk is writable (every step "
            "recorded so far is reused, none is sent again). This server stopped renewing the "
            f"operation's lease (another server may resume it within {lease_s:g} s) and writes "
            "the outcome itself as soon as the journal takes writes again; get_operation "
            "shows every recorded step."
        ),
    )


def continue_call(operation_id: str, kind: str, arguments: Mapping[str, Any]) -> str:
    """The call that continues an operation that did not finish in the journal."""
    if kind == "cleanup_recovery" and isinstance(cleaned := arguments.get("operation_id"), str):
        return f"cleanup_recovery(operation_id={cleaned!r})"
    return f"resume_recovery(operation_id={operation_id!r})"


def from_record(record: OperationRecord, holder: Lease | None = None) -> Outcome:
    """The outcome of an operation this process is not running, from its journal record;
    `holder` is the live lease of another process, if one runs it."""
    operation_id = record.operation_id
    status: str = record.status
    if status in ("cleaning_up", "cleaned_up"):
        # A cleanup does not change how the operation itself ended.
        status = CleanupMarker.of(record).ended_as
    if status == "completed":
        return Outcome(status="completed", operation_id=operation_id, result=record.result)
    if status in ("failed", "cancelled"):
        ended: Literal["failed", "cancelled"] = "failed" if status == "failed" else "cancelled"
        return Outcome(status=ended, operation_id=operation_id, error=record.error)
    if record.status == "running" and holder is not None:
        return Outcome(
            status="in_progress",
            operation_id=operation_id,
            message=(
                f"running in another ecs-dr-mcp process ({holder.holder}, which renews its "
                f"lease; the lease runs until {holder.expires_at.isoformat()}): that server "
                "follows it with progress; here wait_operation reads the journal"
            ),
        )
    created = [s.resource_id for s in record.steps if s.resource_id]
    if record.status != "running":
        then = "it was interrupted before it finished, then cleaned up"
    elif record.kind == "execute_recovery":
        then = f"resume_recovery(operation_id={operation_id!r}) continues it"
    elif record.kind == "cleanup_recovery" and isinstance(
        cleaned := record.arguments.get("operation_id"), str
    ):
        then = f"cleanup_recovery(operation_id={cleaned!r}) finishes that cleanup"
    else:
        then = "run its tool again to make what is missing"
    return Outcome(
        status="failed",
        operation_id=operation_id,
        error=(
            f"operation {operation_id} is not running in this server, and no other "
            "ecs-dr-mcp process holds its lease: the server that started it stopped before it "
            f"finished (interrupted); {then}. Resources it created so far: "
            f"{', '.join(created) or 'none'}; get_operation shows every recorded step."
        ),
    )

"""What a call that started or followed an operation answers for where it stands, and whether
the client cancelled that call.

mcp 2.3 tells the two ways a call is cut short apart only on the request's dispatch context:
a client's `notifications/cancelled` sets its `cancel_requested` event, then cancels the
handler; a closed connection (stdin's end, a dropped stream) or a stopping server cancels the
handler without it. The server's `Context` does not expose that event, so it is read from the
call's session (`ServerSession` keeps the dispatch context it was built on).
"""

from __future__ import annotations

from typing import Any

from ecs_dr.tools.common import Ctx
from ecs_dr.workflows.operations import CancelSignal, Outcome


def outcome_result(outcome: Outcome, tool: str = "wait_operation") -> dict[str, Any]:
    """The ToolResult fields of an Outcome, with what to call next."""
    op = outcome.operation_id
    next_step = {
        "completed": "",
        "in_progress": (
            f"Still running; call wait_operation(operation_id={op!r}) to keep following it."
        ),
        "failed": (
            f"get_operation(operation_id={op!r}) shows every recorded step "
            "and the resources created so far."
        ),
        "cancelled": _after_cancel(op),
    }[outcome.status]
    return {
        "status": outcome.status,
        "operation_id": op,
        "error": outcome.error,
        "next_step": next_step,
    }


def _after_cancel(operation_id: str) -> str:
    """What to do with a cancelled operation's resources."""
    return (
        "It stopped before its next create and is never resumed. "
        f"cleanup_recovery(operation_id={operation_id!r}) removes what it created "
        f"(get_operation(operation_id={operation_id!r}) lists it)."
    )


def client_cancel_of(ctx: Ctx) -> CancelSignal:
    """Whether this call was cancelled by its client (notifications/cancelled), as opposed to
    its connection closing or the server stopping: only the former stops the operation."""
    session = getattr(ctx.request_context, "session", None)  # none on an in-process call
    dispatch = getattr(session, "_request_outbound", None)
    requested = getattr(dispatch, "cancel_requested", None)

    def cancelled_by_client() -> bool:
        return requested is not None and bool(requested.is_set())

    return cancelled_by_client

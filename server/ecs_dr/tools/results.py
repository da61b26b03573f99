"""What tools answer: every result says its `status`, the `decisions` still open, and what to
call next, so an agent never has to guess from prose."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ecs_dr.domain.decisions import ChoicePrompt

Status = Literal["completed", "needs_decision", "in_progress", "failed", "cancelled"]


class ToolResult(BaseModel):
    """The fields every tool result has."""

    status: Status = Field(
        description=(
            "completed: done; needs_decision: ask the user each prompt in `decisions`, then call "
            "again with decisions={decision_id: value}; in_progress: still running, call "
            "wait_operation(operation_id); failed: see `error`; cancelled: the user declined, "
            "nothing was created"
        )
    )
    decisions: list[ChoicePrompt] = Field(
        default_factory=list,
        description="open choice prompts; options are listed recommended first",
    )
    operation_id: str | None = Field(
        default=None, description="the journaled operation, for wait_operation and get_operation"
    )
    error: str | None = Field(default=None, description="why the operation failed")
    next_step: str = Field(default="", description="what to call next")

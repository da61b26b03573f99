"""One path for every create: prepare, settle the decisions, then run the work as a journaled
operation whose call returns within the bounded wait."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from ecs_dr.tools.common import Ctx, progress_of, services, tool_errors
from ecs_dr.tools.decisions import OpenQuestions, Settled, open_prompts
from ecs_dr.tools.operations import outcome_result
from ecs_dr.tools.results import Status
from ecs_dr.workflows.operations import ProgressFn, StepRecorder
from ecs_dr.workflows.prepared import Cancelled, NeedsDecision, Prepared, Ready


class RegionalPlan(Protocol):
    @property
    def region_id(self) -> str: ...

    @property
    def action(self) -> str: ...

    def parameters(self) -> dict[str, Any]: ...


P = TypeVar("P", bound=RegionalPlan)

Prepare = Callable[[Ctx, Mapping[str, Any], Mapping[str, str]], Awaitable[Prepared[Any]]]
"""(ctx, tool arguments, answers) -> the workflow's prepared mutation."""
Execute = Callable[[Ctx, P, StepRecorder, ProgressFn], Awaitable[BaseModel]]


def questions(tool: str, prepare: Prepare) -> OpenQuestions:
    """The prompts a prepared mutation still waits for, the confirmation last."""

    async def open_questions(
        ctx: Ctx, arguments: Mapping[str, Any], answers: Mapping[str, str]
    ) -> list[Any]:
        with tool_errors(tool):
            prepared = await prepare(ctx, arguments, answers)
            if isinstance(prepared, NeedsDecision):
                return open_prompts(prepared.prompts, answers)
            if isinstance(prepared, Ready) and not prepared.confirmed:
                return [prepared.confirm]
            return []

    return open_questions


@dataclass
class Mutation:
    """How one call of a creating tool ended; `result` is the workflow's result when done."""

    status: Status
    decisions: list[Any] = field(default_factory=list)
    operation_id: str | None = None
    error: str | None = None
    next_step: str = ""
    found: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] | None = None

    def fields(self) -> dict[str, Any]:
        """The ToolResult fields, for the tool's own result model."""
        return {
            "status": self.status,
            "decisions": self.decisions,
            "operation_id": self.operation_id,
            "error": self.error,
            "next_step": self.next_step,
            "found": self.found,
        }


def _ask(tool: str, prompts: list[Any], found: dict[str, Any]) -> Mutation:
    return Mutation(
        status="needs_decision",
        decisions=prompts,
        found=found,
        next_step=(
            "Show each prompt to the user and let them choose; then call "
            f"{tool} again with the same arguments plus decisions={{decision_id: value}} "
            "(keep the answers given earlier). Nothing has been created."
        ),
    )


async def mutate(
    ctx: Ctx,
    *,
    tool: str,
    arguments: Mapping[str, Any],
    settled: Settled,
    prepare: Prepare,
    execute: Execute[Any],
) -> Mutation:
    """Prepare with every answer; ask what is still open, else run the confirmed plan.

    Raises ToolError (via tool_errors) for bad input; a failure of the cloud work itself is
    a `failed` result carrying the cloud's reason.
    """
    if settled.stopped is not None:
        return Mutation(
            status="cancelled",
            next_step=f"The user chose to {settled.stopped} the form; nothing was created.",
        )
    with tool_errors(tool):
        prepared = await prepare(ctx, arguments, settled.answers)
        if isinstance(prepared, Cancelled):
            return Mutation(status="cancelled", next_step=prepared.message)
        if isinstance(prepared, NeedsDecision):
            return _ask(tool, open_prompts(prepared.prompts, settled.answers), prepared.context)
        if not prepared.confirmed:
            return _ask(tool, [prepared.confirm], {})
        plan = prepared.plan

        async def work(step: StepRecorder, progress: ProgressFn) -> BaseModel:
            return await execute(ctx, plan, step, progress)

        journaled = {**arguments, "decisions": settled.answers}
        outcome = await services(ctx).operations.run(
            tool, plan.region_id, journaled, work, progress_of(ctx)
        )
    return Mutation(**outcome_result(outcome), result=outcome.result)

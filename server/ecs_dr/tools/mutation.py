"""One path for every create: prepare, settle the decisions, then run the work as a journaled
operation whose call returns within the bounded wait."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.decisions import ChoicePrompt
from ecs_dr.tools.common import Ctx, progress_of, services, tool_errors
from ecs_dr.tools.decisions import DecisionFlow, Settled, open_prompts
from ecs_dr.tools.operations import outcome_result
from ecs_dr.tools.results import Status
from ecs_dr.workflows.operations import ProgressFn, StepRecorder
from ecs_dr.workflows.prepared import Cancelled, NeedsDecision, Prepared, Ready
from ecs_dr.workflows.scenario_a import Timing


class RegionalPlan(Protocol):
    @property
    def region_id(self) -> str: ...

    @property
    def action(self) -> str: ...

    def parameters(self) -> dict[str, Any]: ...


P = TypeVar("P", bound=RegionalPlan)
P_contra = TypeVar("P_contra", bound=RegionalPlan, contravariant=True)
R = TypeVar("R", bound=BaseModel)
R_co = TypeVar("R_co", bound=BaseModel, covariant=True)


class Execute(Protocol[P_contra, R_co]):
    """A workflow's `execute_*`: create, wait, and return the result."""

    def __call__(
        self,
        gw: EcsGateway,
        plan: P_contra,
        step: StepRecorder,
        progress: ProgressFn,
        /,
        *,
        timing: Timing,
    ) -> Awaitable[R_co]: ...


@dataclass
class Mutation(Generic[R]):
    """How one call of a creating tool ended; `result` is the workflow's result when done."""

    status: Status
    decisions: list[Any] = field(default_factory=list)
    operation_id: str | None = None
    error: str | None = None
    next_step: str = ""
    found: dict[str, Any] = field(default_factory=dict)
    result: R | None = None

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


def _ask(tool: str, prompts: list[Any], found: dict[str, Any]) -> Mutation[Any]:
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


class MutatingTool(Generic[P, R]):
    """A creating tool's path through its workflow: `prepare_*` (with the answers so far),
    the decision flow that asks before the tool body runs, and `execute_*` as a journaled
    operation.

    `arguments` are the tool's parameters that `prepare` takes by name, besides `decisions`.
    The tool takes `settled: Annotated[Settled, <this>.flow.resolve]` and calls `run`.
    """

    def __init__(
        self,
        tool: str,
        arguments: Sequence[str],
        *,
        prepare: Callable[..., Awaitable[Prepared[P]]],
        execute: Execute[P, R],
        result: type[R],
    ) -> None:
        self.tool = tool
        self.arguments = tuple(arguments)
        self._prepare = prepare
        self._execute = execute
        self._result = result
        self.flow = DecisionFlow(tool, (*self.arguments, "decisions"), self._open_questions)

    async def _prepared(
        self, ctx: Ctx, arguments: Mapping[str, Any], answers: Mapping[str, str]
    ) -> Prepared[P]:
        given = {name: arguments[name] for name in self.arguments}
        return await self._prepare(services(ctx).gateway, **given, decisions=answers)

    async def _open_questions(
        self, ctx: Ctx, arguments: Mapping[str, Any], answers: Mapping[str, str]
    ) -> list[ChoicePrompt]:
        """The prompts the prepared mutation still waits for, the confirmation last."""
        with tool_errors(self.tool):
            prepared = await self._prepared(ctx, arguments, answers)
            if isinstance(prepared, NeedsDecision):
                return open_prompts(prepared.prompts, answers)
            if isinstance(prepared, Ready) and not prepared.confirmed:
                return [prepared.confirm]
            return []

    async def run(self, ctx: Ctx, settled: Settled, **arguments: Any) -> Mutation[R]:
        """Prepare with every answer; ask what is still open, else run the confirmed plan.

        Raises ToolError (via tool_errors) for bad input; a failure of the cloud work itself is
        a `failed` result carrying the cloud's reason.
        """
        if set(arguments) != set(self.arguments):
            raise TypeError(f"{self.tool} takes {self.arguments}, got {tuple(arguments)}")
        tool = self.tool
        if settled.stopped is not None:
            return Mutation(
                status="cancelled",
                next_step=f"The user chose to {settled.stopped} the form; nothing was created.",
            )
        with tool_errors(tool):
            prepared = await self._prepared(ctx, arguments, settled.answers)
            if isinstance(prepared, Cancelled):
                return Mutation(status="cancelled", next_step=prepared.message)
            if isinstance(prepared, NeedsDecision):
                return _ask(tool, open_prompts(prepared.prompts, settled.answers), prepared.context)
            if not prepared.confirmed:
                return _ask(tool, [prepared.confirm], {})
            plan = prepared.plan

            async def work(step: StepRecorder, progress: ProgressFn) -> BaseModel:
                s = services(ctx)
                return await self._execute(s.gateway, plan, step, progress, timing=s.timing)

            journaled = {**arguments, "decisions": settled.answers}
            outcome = await services(ctx).operations.run(
                tool, plan.region_id, journaled, work, progress_of(ctx)
            )
        done = outcome.result
        result = self._result.model_validate(done) if done is not None else None
        return Mutation(**outcome_result(outcome), result=result)

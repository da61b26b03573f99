"""One path for every create: prepare, settle the decisions, then run the work as a journaled
operation whose call returns within the bounded wait.

The operation journals the confirmed plan itself (argument "plan"), so resume_recovery can run
the same plan again under the same operation after a crash (the step tools' table is
`tools/steps.py`): the same ClientTokens, and no step the journal holds sent twice."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from ecs_dr.domain.decisions import CANCEL, ChoicePrompt
from ecs_dr.domain.plans import Cancelled, NeedsDecision, Prepared, Ready
from ecs_dr.domain.refusal import Refusal
from ecs_dr.tools.account import account_named
from ecs_dr.tools.common import Ctx, progress_of, services, tool_errors
from ecs_dr.tools.decisions import (
    DecisionFlow,
    Settled,
    confirm_next_step,
    confirmation,
    open_prompts,
)
from ecs_dr.tools.outcomes import client_cancel_of, outcome_result
from ecs_dr.tools.results import Status, once
from ecs_dr.workflows.journal import off_loop
from ecs_dr.workflows.operations import Outcome
from ecs_dr.workflows.scenarios import Execute, operation_body, plan_and_result
from ecs_dr.workflows.source import instance_ids_or_choice

# The step tools' arguments that name an instance, by id or exact name.
INSTANCE_ARGUMENTS = ("instance_id", "target_instance_id")


class RegionalPlan(Protocol):
    @property
    def region_id(self) -> str: ...

    @property
    def action(self) -> str: ...

    def parameters(self) -> dict[str, Any]: ...


P = TypeVar("P", bound=RegionalPlan)
R = TypeVar("R", bound=BaseModel)
Answer = TypeVar("Answer", bound=BaseModel)

PLAN_ARGUMENT = "plan"
"""The operation argument holding the confirmed plan, as JSON."""


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

    def answer(self, model: type[Answer], shown: Callable[[R], Mapping[str, Any]]) -> Answer:
        """The tool's result: these fields, the workflow's result, and what `shown` picks out
        of it once there is one (the model's defaults until then)."""
        if self.result is None:
            return model(**self.fields())
        result = once(self.result.model_dump(mode="json"))
        return model(**self.fields(), **shown(self.result), result=result)


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


def _ask_confirmation(tool: str, prompt: ChoicePrompt, refused: str | None) -> Mutation[Any]:
    return Mutation(
        status="needs_decision",
        decisions=[prompt],
        error=refused,
        next_step=confirm_next_step(tool, "Nothing has been created."),
    )


class MutatingTool(Generic[P, R]):
    """A creating tool's path through its workflow: `prepare_*` (with the answers so far),
    the decision flow that asks before the tool body runs, and `execute_*` as a journaled
    operation.

    `arguments` are the parameters `prepare` takes after the gateway, besides `decisions`,
    read from its signature; the tool has parameters of the same names. The tool takes
    `settled: Annotated[Settled, <this>.flow.resolve]` and calls `run` with its `locals()`.
    `execute`'s plan model reads back the plan the operation journals, for `resume`, and its
    result model the operation's result; `next_step` says what to call once it is there.
    """

    def __init__(
        self,
        tool: str,
        prepare: Callable[..., Awaitable[Prepared[P]]],
        execute: Execute[P, R],
        next_step: Callable[[R], str] | None = None,
    ) -> None:
        self.tool = tool
        _gateway, *taken = inspect.signature(prepare).parameters
        self.arguments = tuple(name for name in taken if name != "decisions")
        self._prepare = prepare
        self._execute = execute
        plan_type, self._result = plan_and_result(execute)
        self._plan: TypeAdapter[P] = TypeAdapter(plan_type)
        self._next_step = next_step
        self.flow = DecisionFlow(tool, (*self.arguments, "decisions"), self._open_questions)

    async def _prepared(
        self, ctx: Ctx, arguments: Mapping[str, Any], answers: Mapping[str, str]
    ) -> Prepared[P]:
        given = {name: arguments[name] for name in self.arguments}
        gw = services(ctx).gateway
        refs = {name: given[name] for name in INSTANCE_ARGUMENTS if name in given}
        ids = await instance_ids_or_choice(gw, refs, given.get("region_id"), answers)
        if isinstance(ids, NeedsDecision):
            return ids
        prepared = await self._prepare(gw, **(given | ids), decisions=answers)
        if not isinstance(prepared, Ready):
            return prepared
        confirm = await account_named(ctx, prepared.confirm, prepared.plan.region_id)
        return replace(prepared, confirm=confirm)

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

    async def run(self, ctx: Ctx, settled: Settled, given: Mapping[str, Any]) -> Mutation[R]:
        """Prepare with every answer; ask what is still open, else run the confirmed plan.
        `given` holds the tool's parameters (its `locals()`); `arguments` are taken from it.

        Raises ToolError (via tool_errors) for bad input; a failure of the cloud work itself is
        a `failed` result carrying the cloud's reason.
        """
        arguments = {name: given[name] for name in self.arguments}
        tool = self.tool
        if settled.stopped is not None:
            return Mutation(
                status="cancelled",
                next_step=f"The user chose to {settled.stopped} the form; nothing was created.",
            )
        with tool_errors(tool):
            # The workflow sees the choices only: the confirmation is read where the user gave it.
            prepared = await self._prepared(ctx, arguments, settled.choices)
            if isinstance(prepared, Cancelled):
                return Mutation(status="cancelled", next_step=prepared.message)
            if isinstance(prepared, NeedsDecision):
                return _ask(tool, open_prompts(prepared.prompts, settled.choices), prepared.context)
            confirmed = confirmation(ctx, prepared.confirm, settled)
            if confirmed.answer == CANCEL:
                return Mutation(
                    status="cancelled", next_step="The user cancelled; nothing was created."
                )
            if confirmed.answer is None:
                return _ask_confirmation(tool, confirmed.prompt, confirmed.refused)
            plan = prepared.plan
            journaled = {
                **arguments,
                "decisions": settled.choices | {prepared.confirm.decision_id: confirmed.answer},
                PLAN_ARGUMENT: self._plan.dump_python(plan, mode="json"),
            }
            s = services(ctx)
            work = operation_body(self._execute, s.gateway, plan, s.timing)
            outcome = await s.operations.run(
                tool,
                plan.region_id,
                journaled,
                work,
                progress_of(ctx),
                client_cancel=client_cancel_of(ctx),
            )
        return self.answer_of(outcome)

    async def resume(self, ctx: Ctx, operation_id: str) -> Mutation[R]:
        """Continue an interrupted (or failed) operation of this tool: the plan it journaled
        runs again under the same operation id, so every create reuses its ClientToken and a
        step the journal holds a resource for is not sent again.

        Raises UnknownOperation; Refusal for another tool's operation, for one
        journaled without its plan (before resuming step tools existed), and whatever
        Operations.resume refuses (completed, cleaned up, running elsewhere), and for a stored
        plan this version cannot read.
        """
        s = services(ctx)
        record = await off_loop(s.journal.get, operation_id)
        if record.kind != self.tool:
            raise Refusal(
                f"operation {operation_id} is a {record.kind} operation, not {self.tool}."
            )
        stored = record.arguments.get(PLAN_ARGUMENT)
        if stored is None and record.status not in ("running", "failed"):
            raise Refusal(
                f"operation {operation_id} is {record.status}: there is nothing to resume. "
                f"get_operation(operation_id={operation_id!r}) shows it."
            )
        if stored is None:
            raise Refusal(
                f"operation {operation_id} ({self.tool}) was journaled by an earlier ecs-dr-mcp "
                "that did not store its plan, so it cannot be resumed (calling "
                f"{self.tool} again would create anew). get_operation(operation_id="
                f"{operation_id!r}) shows what it created; if that is incomplete, remove it "
                f"with cleanup_recovery(operation_id={operation_id!r}), then call {self.tool} "
                "again."
            )
        try:
            plan = self._plan.validate_python(stored)
        except ValidationError:
            raise Refusal(
                f"operation {operation_id} ({self.tool}) was journaled by an earlier ecs-dr-mcp "
                "whose plan this one cannot read, so it cannot be resumed. get_operation("
                f"operation_id={operation_id!r}) shows what it created; if that is incomplete, "
                f"remove it with cleanup_recovery(operation_id={operation_id!r}), then call "
                f"{self.tool} again."
            ) from None
        outcome = await s.operations.resume(
            operation_id,
            operation_body(self._execute, s.gateway, plan, s.timing),
            progress_of(ctx),
            client_cancel=client_cancel_of(ctx),
        )
        return self.answer_of(outcome)

    def answer_of(self, outcome: Outcome) -> Mutation[R]:
        """Where the operation stands, its result validated; what to call next once done
        (wait_operation ends an operation of this tool with it too)."""
        done = outcome.result
        result = self._result.model_validate(done) if done is not None else None
        mutation = Mutation(**outcome_result(outcome), result=result)
        if result is not None and self._next_step is not None:
            mutation.next_step = self._next_step(result)
        return mutation

"""Decisions and confirmations as an agent answers them: over MCP (`decide`, `confirmed`) and
on a workflow's answer (`ready_plan`, `needs`, `was_cancelled`, `confirmation`, `expect`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ecs_dr.domain.decisions import ChoicePrompt, recommended_answer
from ecs_dr.domain.plans import Cancelled, NeedsDecision, Plan, Prepared, Ready
from tests.support.mcp import Answer, Session

P = TypeVar("P", bound=Plan)
T = TypeVar("T")

Chooser = Callable[[Mapping[str, Any]], str]


def first_option(prompt: Mapping[str, Any]) -> str:
    """The recommended answer: prompts list it first; a multi_select prompt's is every
    recommended option, comma-joined."""
    return recommended_answer(ChoicePrompt.model_validate(prompt))


async def decide(
    session: Session, tool: str, arguments: Mapping[str, Any], choose: Chooser = first_option
) -> tuple[Answer, list[dict[str, Any]]]:
    """Call a tool as an agent without elicitation does: answer each needs_decision with the
    user's choice and call again. Returns the final result and every prompt asked."""
    decisions: dict[str, str] = {}
    asked: list[dict[str, Any]] = []
    for _ in range(5):
        result = await session.call(tool, {**arguments, "decisions": decisions})
        if result["status"] != "needs_decision":
            return result, asked
        for prompt in result["decisions"]:
            asked.append(prompt)
            decisions[prompt["decision_id"]] = choose(prompt)
    raise AssertionError(f"{tool} kept asking: {[p['decision_id'] for p in asked]}")


async def confirmed(
    session: Session, tool: str, arguments: Mapping[str, Any], choose: Chooser = first_option
) -> dict[str, Any]:
    """The arguments with which `tool` goes ahead: the prompts its first call returns, each
    answered with the user's choice under the decision id the prompt carries (a confirmation's
    is bound to this server process and these parameters). For a test that makes that call
    itself (concurrently, say, or to see it answer in_progress)."""
    result = await session.call(tool, arguments)
    assert result["status"] == "needs_decision", result
    decisions = {p["decision_id"]: choose(p) for p in result["decisions"]}
    return {**arguments, "decisions": decisions}


def ready_plan(prepared: Prepared[P]) -> Ready[P]:
    """The Ready answer; fails the test with what came instead."""
    assert isinstance(prepared, Ready), f"expected a plan, got {prepared!r}"
    return prepared


def needs(prepared: Prepared[P]) -> NeedsDecision:
    assert isinstance(prepared, NeedsDecision), f"expected open decisions, got {prepared!r}"
    return prepared


def was_cancelled(prepared: Prepared[P]) -> Cancelled:
    assert isinstance(prepared, Cancelled), f"expected a cancellation, got {prepared!r}"
    return prepared


def confirmation(
    prepared: Prepared[P], decisions: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The decisions plus `proceed` for the confirmation of this exact plan."""
    return {**(decisions or {}), ready_plan(prepared).confirm.decision_id: "proceed"}


def expect(result: object, kind: type[T]) -> T:
    """The workflow answered with `kind` (a plan, open decisions, a cancellation)."""
    assert isinstance(result, kind), f"expected {kind.__name__}, got {result!r}"
    return result

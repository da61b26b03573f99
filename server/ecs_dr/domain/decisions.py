"""Choice prompts: the runbook never lets the model decide for the user.

Every decision the server needs (a missing VSwitch, no stock, an unsupported disk category, a
group that cannot be taken, the final go-ahead) is a `ChoicePrompt` with 2-4 options, the
recommended one first; the runbook's questions themselves are in `prompts.py`. The caller
answers with `{decision_id: value}`; `chosen` reads the answer and refuses a value that is not
among the options, so a guess never passes as a choice.

A confirmation of a change (its id starts with CONFIRMATION_PREFIX) is the user's alone: the
tools take it only from a form, or under an id bound to the prompt shown (tools/decisions.py),
never under the id made here, which a caller could work out without asking anyone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from ecs_dr.domain.cloud_text import cloud_text_field
from ecs_dr.domain.models import Frozen
from ecs_dr.domain.refusal import Refusal

CANCEL = "cancel"
PROCEED = "proceed"
RECOMMENDED_SUFFIX = " (Recommended)"
CONFIRMATION_PREFIX = "confirm_"
MIN_OPTIONS = 2
MAX_OPTIONS = 4


class ChoiceOption(Frozen):
    value: str
    label: str
    description: str = ""
    recommended: bool = False


class ChoicePrompt(Frozen):
    decision_id: str
    question: str
    options: list[ChoiceOption]
    context: dict[str, Any] = cloud_text_field(
        "what the prompt is about, e.g. the exact parameters to confirm (names among them)",
        default_factory=dict,
    )

    @property
    def values(self) -> list[str]:
        return [o.value for o in self.options]


class InvalidDecision(Refusal):
    """An answer that is not one of the prompt's options; the message lists the valid ones."""

    def __init__(self, decision_id: str, value: str, valid: Sequence[str]) -> None:
        self.decision_id = decision_id
        self.value = value
        self.valid = list(valid)
        super().__init__(
            f"Decision {decision_id!r}: {value!r} is not one of the options; "
            f"valid values: {', '.join(self.valid)}."
        )


def make_prompt(
    decision_id: str,
    question: str,
    options: Sequence[ChoiceOption],
    context: Mapping[str, Any] | None = None,
) -> ChoicePrompt:
    """Build a prompt the way the runbook asks: 2-4 options, one recommended, shown first.

    Raises ValueError when the options break that shape (a programming error, not user input).
    """
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise ValueError(
            f"{decision_id}: a choice prompt has {MIN_OPTIONS}-{MAX_OPTIONS} options, "
            f"not {len(options)}"
        )
    values = [o.value for o in options]
    if len(set(values)) != len(values):
        raise ValueError(f"{decision_id}: option values repeat: {values}")
    recommended = [o for o in options if o.recommended]
    if len(recommended) != 1:
        raise ValueError(
            f"{decision_id}: exactly one option is recommended, not {len(recommended)}"
        )
    first = recommended[0]
    if not first.label.endswith(RECOMMENDED_SUFFIX):
        first = first.model_copy(update={"label": first.label + RECOMMENDED_SUFFIX})
    rest = [o for o in options if not o.recommended]
    return ChoicePrompt(
        decision_id=decision_id,
        question=question,
        options=[first, *rest],
        context=dict(context or {}),
    )


def chosen(prompt: ChoicePrompt, decisions: Mapping[str, str]) -> str | None:
    """The caller's answer to `prompt`, or None when it has not answered yet.

    Raises InvalidDecision when the answer is not one of the prompt's options.
    """
    value = decisions.get(prompt.decision_id)
    if value is None:
        return None
    if value not in prompt.values:
        raise InvalidDecision(prompt.decision_id, value, prompt.values)
    return value


def is_confirmation(decision_id: str) -> bool:
    """Whether the id is that of a confirmation of a change, rather than of a choice."""
    return decision_id.startswith(CONFIRMATION_PREFIX)


def without_confirmations(answers: Mapping[str, str]) -> dict[str, str]:
    """The answers to choices only: what a workflow may read from a caller's `decisions`."""
    return {k: v for k, v in answers.items() if not is_confirmation(k)}


def split_choice(value: str) -> tuple[str, str]:
    """`"zone:cn-x-b"` -> `("zone", "cn-x-b")`; a value without an argument -> `(value, "")`."""
    kind, _, argument = value.partition(":")
    return kind, argument


def parameters_digest(parameters: Mapping[str, Any]) -> str:
    """8 hex chars identifying these exact parameters (key order does not matter)."""
    canonical = json.dumps(parameters, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:8]


def proceed_or_cancel(proceed: str) -> list[ChoiceOption]:
    """A confirmation's two options: go ahead (`proceed` says what that does), or create
    nothing."""
    return [
        ChoiceOption(value=PROCEED, label="Proceed", description=proceed, recommended=True),
        ChoiceOption(value=CANCEL, label="Cancel", description="Create nothing."),
    ]


def confirm_prompt(action: str, parameters: Mapping[str, Any]) -> ChoicePrompt:
    """The go-ahead for one mutation; its id changes with any parameter, so a confirmation
    given for one set of parameters never covers another."""
    return make_prompt(
        f"{CONFIRMATION_PREFIX}{action}_{parameters_digest(parameters)}",
        f"{action} will be called with exactly these parameters. Proceed?",
        proceed_or_cancel(f"Call {action} with the parameters shown."),
        {"action": action, "parameters": dict(parameters)},
    )

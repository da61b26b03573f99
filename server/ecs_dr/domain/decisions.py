"""Choice prompts: the runbook never lets the model decide for the user.

Every decision the server needs (a missing VSwitch, no stock, an unsupported disk category, a
group that cannot be taken, the final go-ahead) is a `ChoicePrompt` with 2-4 options, the
recommended one first; the runbook's questions themselves are in `prompts.py`. Each prompt maps
one to one onto the clickable question agents show (AskUserQuestion): a `header` chip of at
most 12 characters, the options with label and description, `multi_select` where several
answers make sense. The caller answers with `{decision_id: value}` (several answers of a
multi_select prompt comma-joined); `chosen` reads the answer and refuses a value that is not
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

from pydantic import Field

from ecs_dr.domain.account import account_scope
from ecs_dr.domain.cloud_text import cloud_text_field
from ecs_dr.domain.models import Frozen
from ecs_dr.domain.refusal import Refusal

CANCEL = "cancel"
PROCEED = "proceed"
RECOMMENDED_SUFFIX = " (Recommended)"
CONFIRMATION_PREFIX = "confirm_"
CONFIRM_HEADER = "Confirm"
MIN_OPTIONS = 2
MAX_OPTIONS = 4
# The question's chip label in an agent's UI (AskUserQuestion's `header`).
MAX_HEADER_LENGTH = 12
# Joins the answers to a multi_select prompt in one `decisions` value.
MEMBER_SEPARATOR = ","


class ChoiceOption(Frozen):
    value: str
    label: str
    description: str = ""
    recommended: bool = False


class ChoicePrompt(Frozen):
    decision_id: str
    header: str = Field(description="the question's chip label")
    question: str
    options: list[ChoiceOption]
    multi_select: bool = Field(default=False, description="answer: values comma-joined")
    context: dict[str, Any] = cloud_text_field(
        "what the prompt is about, e.g. the exact parameters to confirm (names among them)",
        default_factory=dict,
    )

    @property
    def values(self) -> list[str]:
        return [o.value for o in self.options]


class InvalidDecision(Refusal):
    """An answer that is not one of the prompt's options; the message lists the valid ones."""

    def __init__(
        self, decision_id: str, value: str, valid: Sequence[str], *, several: bool = False
    ) -> None:
        self.decision_id = decision_id
        self.value = value
        self.valid = list(valid)
        how = " (one or more of them, comma-joined)" if several else ""
        super().__init__(
            f"Decision {decision_id!r}: {value!r} is not one of the options; "
            f"valid values{how}: {', '.join(self.valid)}."
        )


def make_prompt(
    decision_id: str,
    question: str,
    options: Sequence[ChoiceOption],
    context: Mapping[str, Any] | None = None,
    *,
    header: str,
    multi_select: bool = False,
) -> ChoicePrompt:
    """Build a prompt the way the runbook asks, shaped as an agent's clickable question: a
    header of at most 12 characters, 2-4 options, one recommended (for `multi_select`, the
    recommended ones are the default selection), shown first.

    Raises ValueError when the prompt breaks that shape (a programming error, not user input).
    """
    if not header or len(header) > MAX_HEADER_LENGTH:
        raise ValueError(
            f"{decision_id}: a header has 1-{MAX_HEADER_LENGTH} characters, not {header!r}"
        )
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise ValueError(
            f"{decision_id}: a choice prompt has {MIN_OPTIONS}-{MAX_OPTIONS} options, "
            f"not {len(options)}"
        )
    values = [o.value for o in options]
    if len(set(values)) != len(values):
        raise ValueError(f"{decision_id}: option values repeat: {values}")
    if any(MEMBER_SEPARATOR in v for v in values):
        raise ValueError(f"{decision_id}: a value holds {MEMBER_SEPARATOR!r}: {values}")
    recommended = [o for o in options if o.recommended]
    if not recommended or (len(recommended) > 1 and not multi_select):
        raise ValueError(
            f"{decision_id}: exactly one option is recommended, not {len(recommended)}"
        )
    marked = [
        o
        if o.label.endswith(RECOMMENDED_SUFFIX)
        else o.model_copy(update={"label": o.label + RECOMMENDED_SUFFIX})
        for o in recommended
    ]
    rest = [o for o in options if not o.recommended]
    return ChoicePrompt(
        decision_id=decision_id,
        header=header,
        question=question,
        options=[*marked, *rest],
        multi_select=multi_select,
        context=dict(context or {}),
    )


def members(value: str) -> list[str]:
    """The answers in a multi_select prompt's value, in the order given, each once."""
    return list(dict.fromkeys(m.strip() for m in value.split(MEMBER_SEPARATOR) if m.strip()))


def recommended_answer(prompt: ChoicePrompt) -> str:
    """The answer that takes the recommendation: the first option, or for a multi_select
    prompt every recommended option, comma-joined."""
    if not prompt.multi_select:
        return prompt.options[0].value
    return MEMBER_SEPARATOR.join(o.value for o in prompt.options if o.recommended)


def chosen(prompt: ChoicePrompt, decisions: Mapping[str, str]) -> str | None:
    """The caller's answer to `prompt`, or None when it has not answered yet.

    A multi_select prompt's answer is one or more option values, comma-joined; it is returned
    in the options' order.

    Raises InvalidDecision when the answer (or a member of it) is not one of the options.
    """
    value = decisions.get(prompt.decision_id)
    if value is None:
        return None
    if not prompt.multi_select:
        if value not in prompt.values:
            raise InvalidDecision(prompt.decision_id, value, prompt.values)
        return value
    given = members(value)
    strangers = [m for m in given if m not in prompt.values]
    if strangers or not given:
        named = MEMBER_SEPARATOR.join(strangers) or value
        raise InvalidDecision(prompt.decision_id, named, prompt.values, several=True)
    return MEMBER_SEPARATOR.join(v for v in prompt.values if v in given)


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
        header=CONFIRM_HEADER,
    )


def naming_account(prompt: ChoicePrompt, account_id: str | None, region_id: str) -> ChoicePrompt:
    """A confirmation as the user is shown it: it opens with the account and region the change
    acts in. Its decision id stays; the id a caller without forms answers under covers the
    question (tools/decisions.py `confirmation_id`), so that is bound to the account too."""
    return prompt.model_copy(
        update={
            "question": f"In {account_scope(account_id, region_id)}: {prompt.question}",
            "context": {**prompt.context, "account_id": account_id, "region_id": region_id},
        }
    )

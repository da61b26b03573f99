"""A call's arguments that fail validation, as one paragraph an agent can act on.

mcp checks a call's arguments against the tool's pydantic model and would report pydantic's
own text: the model's class name (`describe_sourceArguments`), validator reprs with memory
addresses, a documentation URL. The registry checks the arguments first and answers with
`refused_arguments` instead: per argument, what was wrong and what is valid (a domain rule's
Refusal already says both), then what to do next; never the value whole, never internals.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ecs_dr.domain.refusal import Refusal

# How many arguments one refusal describes (a call rarely gets more than two wrong).
SHOWN_ARGUMENTS = 3
# How much of an argument's description says what is valid.
DESCRIPTION_CHARACTERS = 160
# Where a description's first sentence ends ("e.g. i-bp1..." does not end one).
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)])\. (?=[A-Z])")


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _first_sentence(description: str) -> str:
    """What is valid, from the argument's description: its first sentence, bounded."""
    first = _SENTENCE_END.split(description)[0].strip()
    if len(first) > DESCRIPTION_CHARACTERS:
        first = first[:DESCRIPTION_CHARACTERS].rsplit(" ", 1)[0] + "..."
    return _sentence(first)


def _refusal(errors: Sequence[ErrorDetails]) -> Refusal | None:
    """The domain rule's refusal among the errors (it names the value and what is valid)."""
    for error in errors:
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, Refusal):
            return cause
    return None


def _problem(errors: Sequence[ErrorDetails]) -> str | None:
    """pydantic's short message(s), without the value; None when the argument is missing."""
    messages = list(dict.fromkeys(error["msg"] for error in errors if error["type"] != "missing"))
    if not messages:
        return None
    said = " or ".join(m[:1].lower() + m[1:] for m in messages)
    return f"{said}."


def _argument_text(argument: str, errors: Sequence[ErrorDetails], described: str) -> str:
    refusal = _refusal(errors)
    if refusal is not None:
        return f"{argument}: {_sentence(str(refusal))}"
    valid = f" It is: {_first_sentence(described)}" if described else ""
    problem = _problem(errors)
    if problem is None:
        return f"{argument} is required but was not given.{valid}"
    return f"{argument}: {problem}{valid}"


def refused_arguments(tool: str, error: ValidationError, schema: Mapping[str, Any]) -> str:
    """The paragraph refusing this call: each wrong argument, what was wrong and what is
    valid (`next_call` says what to do next). `schema` is the tool's input schema."""
    by_argument: dict[str, list[ErrorDetails]] = {}
    for detail in error.errors():
        argument = str(detail["loc"][0]) if detail["loc"] else "arguments"
        by_argument.setdefault(argument, []).append(detail)
    properties = schema.get("properties", {})
    parts = [
        _argument_text(argument, errors, str(properties.get(argument, {}).get("description", "")))
        for argument, errors in list(by_argument.items())[:SHOWN_ARGUMENTS]
    ]
    more = len(by_argument) - SHOWN_ARGUMENTS
    if more > 0:
        parts.append(f"{more} more argument(s) are wrong too.")
    return " ".join([f"{tool} was not run; nothing was done.", *parts])


def wrong_arguments(error: ValidationError) -> list[str]:
    """The arguments the validation error is about, in order, each once."""
    return list(dict.fromkeys(str(d["loc"][0]) for d in error.errors() if d["loc"]))


def next_call(tool: str, arguments: Sequence[str]) -> str:
    """What to do after arguments were refused."""
    which = ", ".join(arguments[:SHOWN_ARGUMENTS]) or "the arguments"
    return f"Call {tool} again with {which} corrected as said."

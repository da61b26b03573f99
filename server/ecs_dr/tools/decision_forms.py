"""The forms of the decision protocol: one field per open prompt, in the shape the negotiated
protocol version defines (a titled single-select; a multi_select prompt as a titled array of
options from 2025-11-25, as text naming the values before it), and the answers read back as
`decisions` carries them."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Literal

from mcp_types.version import is_version_at_least
from pydantic import BaseModel, Field, create_model

from ecs_dr.domain.decisions import (
    MEMBER_SEPARATOR,
    ChoicePrompt,
    members,
    recommended_answer,
)

# The first protocol version with the titled single-select enum (`oneOf`) in forms.
TITLED_ENUM_VERSION = "2025-11-25"


def _option_title(label: str, description: str) -> str:
    return f"{label}: {description}" if description else label


def titled_choices(protocol_version: str | None) -> bool:
    """Whether the negotiated protocol version has the titled single-select enum (`oneOf` of
    const/title, with a default): 2025-11-25 on. Before it, a titled choice is `enumNames`."""
    return protocol_version is None or is_version_at_least(protocol_version, TITLED_ENUM_VERSION)


def _field_schema(prompt: ChoicePrompt, titled: bool) -> Callable[[dict[str, Any]], None]:
    """Render the field as the protocol version's titled single-select enum, the recommended
    option first (and preselected where the version has a default); a multi_select prompt as
    a titled multi-select (an array whose items are the options, the recommended ones
    preselected) from 2025-11-25, before it as free text naming the values to join."""

    def rewrite(schema: dict[str, Any]) -> None:
        values = [o.value for o in prompt.options]
        titles = [_option_title(o.label, o.description) for o in prompt.options]
        for key in ("enum", "const", "items", "minItems", "maxItems"):
            schema.pop(key, None)
        if prompt.multi_select and titled:
            schema["type"] = "array"
            schema["minItems"] = 1
            schema["items"] = {
                "anyOf": [
                    {"const": value, "title": title}
                    for value, title in zip(values, titles, strict=True)
                ]
            }
            schema["default"] = members(recommended_answer(prompt))
            return
        schema["type"] = "string"
        if prompt.multi_select:
            schema["description"] = (
                "One or more of these values, comma-separated: "
                + "; ".join(f"{v} ({t})" for v, t in zip(values, titles, strict=True))
                + f". Recommended: {recommended_answer(prompt)}."
            )
        elif titled:
            schema["oneOf"] = [
                {"const": value, "title": title}
                for value, title in zip(values, titles, strict=True)
            ]
            schema["default"] = values[0]
        else:
            schema["enum"] = values
            schema["enumNames"] = titles

    return rewrite


def answer_form(
    prompts: Sequence[ChoicePrompt], protocol_version: str | None = None
) -> type[BaseModel]:
    """A form with one required choice per prompt, keyed by decision id, in the shape the
    negotiated `protocol_version` defines (None: the newest)."""
    titled = titled_choices(protocol_version)
    fields: dict[str, Any] = {}
    for n, prompt in enumerate(prompts):
        choice: Any = Literal.__getitem__(tuple(prompt.values))
        if prompt.multi_select:
            # Before 2025-11-25 a form has no arrays: the members come as text, checked by
            # `chosen` like an answer in `decisions`.
            choice = Annotated[list[choice], Field(min_length=1)] if titled else str
        fields[f"choice_{n}"] = (
            choice,
            Field(
                alias=prompt.decision_id,
                title=prompt.question,
                description=_context_text(prompt),
                json_schema_extra=_field_schema(prompt, titled),
            ),
        )
    model: type[BaseModel] = create_model("Decisions", **fields)
    return model


def _context_text(prompt: ChoicePrompt) -> str:
    parameters = prompt.context.get("parameters")
    if isinstance(parameters, Mapping):
        return "; ".join(f"{k}={_plain(v)}" for k, v in parameters.items())
    if prompt.multi_select:
        return "Choose one or more."
    return prompt.options[0].description


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def form_message(prompts: Sequence[ChoicePrompt]) -> str:
    """The form's text: every question, and for a confirmation every exact parameter."""
    lines: list[str] = []
    for prompt in prompts:
        lines.append(prompt.question)
        parameters = prompt.context.get("parameters")
        if isinstance(parameters, Mapping):
            lines.extend(f"  {key}: {_plain(value)}" for key, value in parameters.items())
    return "\n".join(lines)


def form_value(value: Any) -> str:
    """A form field's answer as `decisions` carries it: a multi-select's members comma-joined."""
    if isinstance(value, list):
        return MEMBER_SEPARATOR.join(str(v) for v in value)
    return str(value)

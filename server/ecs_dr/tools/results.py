"""What tools answer: every result says its `status`, the `decisions` still open, and what to
call next, so an agent never has to guess from prose; and which of its text was cut short
(`cloud_text_cut`), so a reader knows where to find it whole. Which text is the cloud's (names,
ECS's messages: data, never instructions) the output schema marks (`$comment: cloud-text`).

Each answer is sent twice over: as structured content (the result model, each fact once) and as
text written for the model (`answer`): what happened, the table the user should see, the open
decisions and the next step, in short markdown."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Annotated, Any, ClassVar, Literal, Self

from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel, Field, TypeAdapter, model_validator

from ecs_dr.domain.cloud_text import (
    WHERE_WHOLE,
    bound_cloud_text,
    cloud_text_field,
    cloud_text_paths,
    quoted,
    table_markdown,
)
from ecs_dr.domain.decisions import ChoicePrompt

Status = Literal["completed", "needs_decision", "in_progress", "failed", "cancelled"]

# The fields every result has, each shown in its own place of the text.
_ENVELOPE = frozenset(
    {"status", "decisions", "operation_id", "error", "next_step", "cloud_text_cut"}
)
# A value shown bare in the text; any other string is quoted (it may be the cloud's).
_PLAIN = re.compile(r"[\w.:/@+=,-]{0,80}")
# How deep the text follows nested objects; deeper ones are in the structured content.
_TEXT_DEPTH = 2


class ToolResult(BaseModel):
    """The fields every tool result has."""

    # Fields the text leaves out (dotted paths reach inside): a table shows them
    # (`text_tables`), or they are the machinery's (a stored plan), for a program to read.
    TEXT_OMITS: ClassVar[frozenset[str]] = frozenset()

    status: Status = Field(
        description=(
            "needs_decision: ask the user each prompt in `decisions`, then call again with "
            "decisions={decision_id: value}; in_progress: call wait_operation(operation_id); "
            "cancelled: the user declined, nothing was created"
        )
    )
    operation_id: str | None = None
    error: str | None = cloud_text_field("may quote ECS's message", default=None)
    next_step: str = ""
    cloud_text_cut: list[str] = Field(
        default_factory=list,
        description=(
            "paths of cloud-text fields holding a value cut short (marked `…(+N more "
            f"characters, whole in the ECS console)`); {WHERE_WHOLE}"
        ),
    )

    @model_validator(mode="after")
    def _bound_cloud_text(self) -> Self:
        """Every field marked as cloud text is cut to a bound, however it was built (a copy
        of a model, a stored result read back), and the result says which ones hold a cut
        value."""
        paths = cloud_text_paths(type(self))
        fields = {re.split(r"[.\[]", path, maxsplit=1)[0] for path in paths}
        dumped = self.model_dump(mode="json", include=fields)
        bounded, cut = bound_cloud_text(dumped, paths)
        # Set through __dict__: a result may be a frozen model's subclass.
        for name in fields:
            if name in dumped and bounded[name] != dumped[name]:
                self.__dict__[name] = _field_adapter(type(self), name).validate_python(
                    bounded[name]
                )
        self.__dict__["cloud_text_cut"] = cut
        return self

    def text_tables(self) -> list[str]:
        """The tables the user should see, as markdown (cells escaped); none by default."""
        return []


class AskingResult(ToolResult):
    """The result of a tool that can ask (it takes `decisions`): its open choice prompts. A
    tool without `decisions` has no such field, so its output schema does not carry the
    prompt's; its one question, which instance a shared name means, is answered by calling it
    again with the chosen id, and the registry sends that question in this shape."""

    decisions: list[ChoicePrompt] = Field(default_factory=list)


class CreateResult(AskingResult):
    """A creating tool's result: a ToolResult, and what the checks found while asking."""

    found: dict[str, Any] = cloud_text_field(
        "what the checks found, when decisions are open", default_factory=dict
    )


def step_result_field() -> Any:
    """A creating tool's `result`: its workflow's result as plain data, once finished (an
    object in the output schema: the tool's own fields carry the ids a next call needs)."""
    return cloud_text_field("the workflow's result, once finished", default=None)


@cache
def _field_adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    """Validates a value of one field of `model` as the model would."""
    info = model.model_fields[name]
    annotated: Any = Annotated[info.annotation, info]
    return TypeAdapter(annotated)


# Keywords of an output schema that only annotate it: the model reads the text, not the schema,
# and a program reading structured content needs the shape (the cloud-text marks included).
_ANNOTATIONS = frozenset({"title", "description", "default", "format"})
# Keywords whose value is one schema, a list of schemas, or a mapping of names to schemas.
_ONE_SCHEMA = frozenset({"items", "additionalProperties", "not", "contains", "propertyNames"})
_SCHEMA_LISTS = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})
_SCHEMA_MAPS = frozenset({"properties", "$defs", "patternProperties"})


def lean_schema(schema: Any) -> Any:
    """An output schema without its annotations (titles, descriptions, defaults) and without
    `additionalProperties: true` (what a schema allows anyway), each nested model still once
    under `$defs`: tools/list sends every tool's, and most of it was prose. references/tools.md
    keeps the descriptions."""
    if not isinstance(schema, dict):
        return schema
    lean: dict[str, Any] = {}
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS or (keyword, value) == ("additionalProperties", True):
            continue
        if keyword in _ONE_SCHEMA:
            lean[keyword] = lean_schema(value)
        elif keyword in _SCHEMA_LISTS:
            lean[keyword] = [lean_schema(inner) for inner in value]
        elif keyword in _SCHEMA_MAPS:
            lean[keyword] = {name: lean_schema(inner) for name, inner in value.items()}
        else:
            lean[keyword] = value
    return lean


# --- the answer: structured content, and text for the model -------------------------------------


def answer(result: ToolResult) -> CallToolResult:
    """A tool's answer: the result as structured content and as markdown for the model. A
    field of the result that has nothing to say (None, where the model has a default) is left
    out, as the listed output schema says (`optional_not_null`)."""
    fields = type(result).model_fields
    structured = {
        key: value
        for key, value in result.model_dump(mode="json", by_alias=True).items()
        if value is not None or key not in fields or fields[key].is_required()
    }
    return CallToolResult(
        content=[TextContent(type="text", text=text_of(result))],
        structured_content=structured,
    )


def optional_not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A result's output schema whose optional top-level fields are their value's type alone
    (`answer` leaves a None out rather than sending null); a required field stays nullable."""
    required = set(schema.get("required", []))
    properties = {
        name: _without_null(inner) if name not in required else inner
        for name, inner in schema.get("properties", {}).items()
    }
    return {**schema, "properties": properties}


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    branches = schema.get("anyOf")
    if not isinstance(branches, list) or {"type": "null"} not in branches:
        return schema
    rest = [b for b in branches if b != {"type": "null"}]
    others = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**others, **rest[0]} if len(rest) == 1 else {**others, "anyOf": rest}


def text_of(result: ToolResult) -> str:
    """What happened (status, ids), the facts and tables the user should see, the open
    decisions, the error and the next step."""
    data = result.model_dump(mode="json", exclude=_excluded(result.TEXT_OMITS))
    ids = [f"{name} `{value}`" for name, value in data.items() if _is_id(name, value)]
    parts = [" · ".join([f"**{result.status}**", *ids])]
    facts = _facts({k: v for k, v in data.items() if k not in _ENVELOPE and not _is_id(k, v)})
    if facts:
        parts.append("\n".join(facts))
    parts += result.text_tables()
    if isinstance(result, AskingResult):
        parts += [_decision(prompt) for prompt in result.decisions]
    if result.error:
        # One paragraph: what the cloud said (quoted in it) cannot start a line of its own.
        parts.append(f"Error: {' '.join(result.error.split())}")
    if result.cloud_text_cut:
        parts.append(f"Cut short (whole in the ECS console): {', '.join(result.cloud_text_cut)}")
    if result.next_step:
        parts.append(f"Next: {result.next_step}")
    return "\n\n".join(part.strip("\n") for part in parts if part)


def plain_facts(data: Mapping[str, Any]) -> str:
    """The plain fields of an object (numbers, ids, words, lists of them) as bullets; its
    tables and nested objects are left to the caller."""
    plain = {k: v for k, v in data.items() if _is_scalar(v) or _flat_list(v)}
    return "\n".join(_facts(plain))


def _excluded(paths: frozenset[str]) -> dict[str, Any]:
    """Dotted field paths (`result.comparison`) as pydantic's nested `exclude`."""
    excluded: dict[str, Any] = {}
    for path in sorted(paths):
        *parents, name = path.split(".")
        inner = excluded
        for parent in parents:
            inner = inner.setdefault(parent, {})
        inner[name] = True
    return excluded


def _is_id(name: str, value: Any) -> bool:
    return name.endswith("_id") and isinstance(value, str) and bool(value)


def _decision(prompt: ChoicePrompt) -> str:
    """A choice prompt: its id and question, each option's value and label, and what it is
    about (the parameters a confirmation covers)."""
    lines = [f"Decision `{prompt.decision_id}`: {prompt.question}"]
    lines += [
        f"- `{o.value}`: {o.label}" + (f" ({o.description})" if o.description else "")
        for o in prompt.options
    ]
    context = _facts(prompt.model_dump(mode="json")["context"], depth=1)
    return "\n".join(lines + (["- about:", *context] if context else []))


def _facts(data: Mapping[str, Any], depth: int = 0) -> list[str]:
    """Each field with a value as a bullet: a list of flat objects as a table, an object's
    fields indented below it; empty fields left out."""
    lines: list[str] = []
    indent = "  " * depth
    for name, value in data.items():
        if value in (None, "", [], {}):
            continue
        if _is_table(value):
            lines += [f"{indent}- {name}:", "", _table(value), ""]
        elif isinstance(value, Mapping) and depth < _TEXT_DEPTH:
            lines += [f"{indent}- {name}:", *_facts(value, depth + 1)]
        elif isinstance(value, list) and all(_is_scalar(v) for v in value):
            lines.append(f"{indent}- {name}: {', '.join(_shown(v) for v in value)}")
        elif _is_scalar(value):
            lines.append(f"{indent}- {name}: {_shown(value)}")
        else:
            lines.append(f"{indent}- {name}: (in the structured content)")
    return lines


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _is_table(value: Any) -> bool:
    return (
        isinstance(value, list) and bool(value) and all(isinstance(row, Mapping) for row in value)
    )


def _table(rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows as a markdown table of the plain columns any row fills (nested values are in the
    structured content); cells escaped."""
    keys = dict.fromkeys(k for row in rows for k in row)
    headers = [k for k in keys if _plain_column(rows, k) and _filled(rows, k)]
    return table_markdown(headers, [[_cell(row.get(k)) for k in headers] for row in rows])


def _plain_column(rows: Sequence[Mapping[str, Any]], key: str) -> bool:
    return all(_is_scalar(v) or _flat_list(v) for v in (row.get(key) for row in rows))


def _flat_list(value: Any) -> bool:
    return isinstance(value, list) and all(_is_scalar(v) for v in value)


def _filled(rows: Sequence[Mapping[str, Any]], key: str) -> bool:
    return any(row.get(key) not in (None, "", []) for row in rows)


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def _shown(value: Any) -> str:
    """A value in a sentence: plain when it is a number or an id-like word, else quoted (it
    may be the cloud's text)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and not _PLAIN.fullmatch(value):
        return quoted(value)
    return str(value)


def once(data: Any, enclosing: Mapping[str, Any] | None = None, *, row: bool = False) -> Any:
    """Plain data (a stored result) with each fact once: a list or an object that an enclosing
    object already holds under the same name is left out of the nested one (a DR instance's
    comparison inside the recovery that holds it), and so is an id repeated by a nested object
    that is not a row of a list (a row keeps every cell)."""
    if isinstance(data, list):
        return [once(item, enclosing, row=True) for item in data]
    if not isinstance(data, Mapping):
        return data
    outer = enclosing or {}
    kept = {k: v for k, v in data.items() if not (k in outer and _repeats(k, v, outer[k], row))}
    inner = {**outer, **kept}
    return {k: once(v, inner) for k, v in kept.items()}


def _repeats(name: str, value: Any, outer: Any, row: bool) -> bool:
    if value != outer:
        return False
    if isinstance(value, list | dict):
        return bool(value)
    return not row and name.endswith("_id") and value is not None

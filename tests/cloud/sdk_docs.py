"""The values the official SDKs document for each request parameter, read from their request
models: the comment above each `self.<field> = <field>` in `models/_<action>_request.py`.

The comment lists a parameter's values as bullets (`- instance: ECS instance.`,
`*   cloud_essd`, `- PL1 (default): ...`) or inline (`Valid values: PL0, PL1, PL2.`); a
parameter whose comment lists none (names, ids, sizes, ranges such as `1 to 100`) is free.
"""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

Api = Literal["ecs", "vpc"]

SDK_MODELS: dict[Api, str] = {
    "ecs": "alibabacloud_ecs20140526.models",
    "vpc": "alibabacloud_vpc20160428.models",
}
# What the sandbox's requests log may say for an API: its name or its version.
API_NAMES: dict[str, Api] = {
    "ecs": "ecs",
    "2014-05-26": "ecs",
    "vpc": "vpc",
    "2016-04-28": "vpc",
}

_FIELD = re.compile(r"^\s*self\.(\w+) = (\w+)$")
_COMMENT = re.compile(r"^\s*#\s?(.*)$")
# `- value: ...`, `- value (default): ...`, `*   value`, `- `value`: ...`: one word, then a colon,
# a parenthesis or nothing. `- If the instance type ...` is prose, not a value.
_VALUE_BULLET = re.compile(r"^[-*]\s+`?([A-Za-z0-9_.\-]+)`?(?:\s*\(.*?\))?\s*(?::(.*))?$")
# `- PL0: 1 to 2048.` keys a size range by performance level: PL0 is not a value of Size.
_RANGE_ONLY = re.compile(r"^\s*[\d,.]+\s*(?:to|-|~)\s*[\d,.]+\.?\s*$")
_INLINE = re.compile(r"valid values?\s*(?:\([^)]*\))?\s*:\s*(.+)", re.IGNORECASE)
_INLINE_VALUE = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]*$")
_RANGE = re.compile(r"\d\s*(?:to|-)\s*\d|\bto\b", re.IGNORECASE)
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_NESTED = re.compile(r"main_models\.(\w+)")
_TO_MAP_KEY = re.compile(r"result\['(\w+)'\]")
_SELF_FIELD = re.compile(r"self\.(\w+)")


@dataclass(frozen=True)
class Field:
    """One request parameter as the SDK models it."""

    name: str
    """The API's name for it (`ResourceType`)."""
    values: frozenset[str] | None
    """The values its comment documents; None when it lists none."""
    model: type | None
    """The request model of an object or a list of objects (`DataDisk.N.*`)."""
    boolean: bool = False
    """A bool, which the SDK sends as True or False for the documented true or false."""

    def documents(self, sent: str) -> bool:
        """Whether `sent` is one of the documented values."""
        assert self.values is not None
        return (sent.lower() if self.boolean else sent) in self.values


def request_model(api: Api, action: str) -> type:
    """The SDK's request model of an action (`TagResourcesRequest`)."""
    module = importlib.import_module(SDK_MODELS[api])
    model: type = getattr(module, f"{action}Request")
    return model


def documented_values(comment: list[str]) -> frozenset[str] | None:
    """The values a parameter's comment lists, or None when it lists none."""
    lines = [re.sub(r"\*\*|<props=\"\w+\">", "", line).strip() for line in comment]
    bulleted = [
        m.group(1)
        for line in lines
        if (m := _VALUE_BULLET.match(line)) and not _RANGE_ONLY.match(m.group(2) or "")
    ]
    if bulleted:
        return frozenset(bulleted)
    for line in lines:
        inline = _INLINE.search(line)
        if inline is None or re.search(r"valid values? of n\b", line, re.IGNORECASE):
            continue
        text = inline.group(1).rstrip(".")
        if _RANGE.search(text):
            return None
        words = [w.strip(" `'\"") for w in re.split(r",|\band\b|\bor\b", text)]
        values = [w for w in words if w]
        if values and all(_INLINE_VALUE.match(v) for v in values):
            return frozenset(values)
    return None


def _comments(model: type) -> dict[str, list[str]]:
    """Each field's comment lines, from the source of the model's `__init__`."""
    found: dict[str, list[str]] = {}
    block: list[str] = []
    for line in inspect.getsource(model.__init__).splitlines():  # type: ignore[misc]
        comment = _COMMENT.match(line)
        if comment is not None:
            block.append(comment.group(1))
            continue
        field = _FIELD.match(line)
        if field is not None and field.group(1) == field.group(2):
            found[field.group(1)] = block
        block = []
    return found


def _api_names(model: type) -> dict[str, str]:
    """field -> the API's name for it, from `to_map`: `result['Name'] = self.field`, or for a
    list `result['Name'] = []` followed by `if self.field is not None:`."""
    names: dict[str, str] = {}
    listed: str | None = None
    for line in inspect.getsource(model.to_map).splitlines():  # type: ignore[attr-defined]
        key, field = _TO_MAP_KEY.search(line), _SELF_FIELD.search(line)
        if key is not None and line.rstrip().endswith("= []"):
            listed = key.group(1)
        elif field is not None:
            name = key.group(1) if key is not None else listed
            if name is not None:
                names.setdefault(field.group(1), name)
            listed = None
    return names


@cache
def fields(model: type) -> dict[str, Field]:
    """The model's parameters by their API names."""
    module = importlib.import_module(model.__module__.rsplit(".", 1)[0])
    parameters = inspect.signature(model.__init__).parameters  # type: ignore[misc]
    comments = _comments(model)
    found: dict[str, Field] = {}
    for field, name in _api_names(model).items():
        annotation = str(parameters[field].annotation)
        nested = _NESTED.search(annotation)
        values = documented_values(comments.get(field, []))
        if values is not None and annotation in ("int", "float"):
            # `- cloud_essd: The valid values vary ...` keys sizes by category: not a value.
            values = frozenset(v for v in values if _NUMBER.match(v)) or None
        found[name] = Field(
            name=name,
            values=values,
            model=getattr(module, nested.group(1)) if nested else None,
            boolean=annotation == "bool",
        )
    return found


def field_of(api: Api, action: str, parameter: str) -> Field | None:
    """The field a request's flat parameter name stands for (`DataDisk.2.Category`,
    `Tag.1.Key`, `SecurityGroupIds.1`); None for a name the model does not have."""
    model: type | None = request_model(api, action)
    field: Field | None = None
    for part in parameter.split("."):
        if part.isdigit():
            continue  # the N of a list
        if model is None:
            return None
        field = fields(model).get(part)
        if field is None:
            return None
        model = field.model
    return field

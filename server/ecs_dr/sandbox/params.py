"""Reading ECS request parameters the way ECS does, with ECS's errors for bad ones.

The SDK sends every parameter as a query string value: scalars as text, id lists as JSON
arrays (`InstanceIds=["i-1"]`), structured lists flattened (`DataDisk.1.Device`, `Tag.1.Key`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import TypeVar

from ecs_dr.sandbox.errors import (
    InvalidParameter,
    InvalidTagKeyMalformed,
    InvalidTagValueMalformed,
    MissingParameter,
)

E = TypeVar("E", bound=str)

MAX_LIST_ITEMS = 100
MAX_TEXT_LENGTH = 4096
MAX_TAG_LENGTH = 128
_INDEXED = re.compile(r"^(?P<prefix>[A-Za-z]+)\.(?P<n>\d+)(?:\.(?P<field>[A-Za-z]+))?$")


class Params:
    """The query parameters of one API request."""

    def __init__(self, raw: Mapping[str, str]) -> None:
        self.raw = dict(raw)
        for name, value in self.raw.items():
            if len(value) > MAX_TEXT_LENGTH:
                raise InvalidParameter(name, f"longer than {MAX_TEXT_LENGTH} characters")

    def has(self, name: str) -> bool:
        return self.raw.get(name, "") != ""

    def text(self, name: str, *, max_length: int = 256) -> str | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        if len(value) > max_length:
            raise InvalidParameter(name, f"longer than {max_length} characters")
        return value

    def required_text(self, name: str, *, max_length: int = 256) -> str:
        value = self.text(name, max_length=max_length)
        if value is None:
            raise MissingParameter(name)
        return value

    def integer(
        self, name: str, *, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        try:
            number = int(value)
        except ValueError:
            raise InvalidParameter(name, f"expected an integer, got {value!r}") from None
        if minimum is not None and number < minimum:
            raise InvalidParameter(name, f"must be >= {minimum}, got {number}")
        if maximum is not None and number > maximum:
            raise InvalidParameter(name, f"must be <= {maximum}, got {number}")
        return number

    def required_integer(
        self, name: str, *, minimum: int | None = None, maximum: int | None = None
    ) -> int:
        number = self.integer(name, minimum=minimum, maximum=maximum)
        if number is None:
            raise MissingParameter(name)
        return number

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        lowered = value.lower()
        if lowered not in ("true", "false"):
            raise InvalidParameter(name, f"expected true or false, got {value!r}")
        return lowered == "true"

    def choice(self, name: str, choices: Iterable[str], default: str | None = None) -> str | None:
        value = self.text(name)
        if value is None:
            return default
        allowed = list(choices)
        if value not in allowed:
            raise InvalidParameter(name, f"{value!r} is not one of {', '.join(allowed)}")
        return value

    def json_list(self, name: str, *, max_items: int = MAX_LIST_ITEMS) -> list[str] | None:
        """An id list sent as a JSON array, e.g. `InstanceIds=["i-1","i-2"]`."""
        value = self.text(name, max_length=MAX_TEXT_LENGTH)
        if value is None:
            return None
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            raise InvalidParameter(name, "expected a JSON array of strings") from None
        if not isinstance(parsed, list) or not all(isinstance(v, str) for v in parsed):
            raise InvalidParameter(name, "expected a JSON array of strings")
        if len(parsed) > max_items:
            raise InvalidParameter(name, f"at most {max_items} items, got {len(parsed)}")
        return parsed

    def repeated(self, prefix: str, *, max_items: int = MAX_LIST_ITEMS) -> list[str]:
        """`Prefix.1=a&Prefix.2=b` as a list in index order."""
        return [item[""] for item in self._indexed(prefix, max_items) if "" in item]

    def structs(self, prefix: str, *, max_items: int = MAX_LIST_ITEMS) -> list[dict[str, str]]:
        """`Prefix.1.Field=v` groups as one dict per index, in index order."""
        return [item for item in self._indexed(prefix, max_items) if "" not in item]

    def _indexed(self, prefix: str, max_items: int) -> list[dict[str, str]]:
        groups: dict[int, dict[str, str]] = {}
        for key, value in self.raw.items():
            match = _INDEXED.match(key)
            if not match or match["prefix"] != prefix:
                continue
            index = int(match["n"])
            if index < 1:
                raise InvalidParameter(key, "list indexes start at 1")
            groups.setdefault(index, {})[match["field"] or ""] = value
        if len(groups) > max_items:
            raise InvalidParameter(prefix, f"at most {max_items} items, got {len(groups)}")
        return [groups[i] for i in sorted(groups)]

    def tags(self) -> dict[str, str]:
        """`Tag.N.Key/Value` pairs; ECS allows up to 20 and rejects a value without a key.

        A key is at most 128 characters, starts with neither `aliyun` nor `acs:` and holds no
        URL (InvalidTagKey.Malformed); a value is at most 128 characters, does not start with
        `acs:` and holds no URL (InvalidTagValue.Malformed).
        """
        tags: dict[str, str] = {}
        for item in self.structs("Tag", max_items=20):
            key = item.get("Key", "")
            if not key:
                raise MissingParameter("Tag.N.Key")
            if len(key) > MAX_TAG_LENGTH or key.startswith(("aliyun", "acs:")) or _has_url(key):
                raise InvalidTagKeyMalformed(
                    f"The specified Tag.n.Key {key[:MAX_TAG_LENGTH]!r} is not valid: at most "
                    f"{MAX_TAG_LENGTH} characters, not starting with aliyun or acs:, no URL."
                )
            value = item.get("Value", "")
            if len(value) > MAX_TAG_LENGTH or value.startswith("acs:") or _has_url(value):
                raise InvalidTagValueMalformed(
                    f"The specified Tag.n.Value of {key!r} is not valid: at most "
                    f"{MAX_TAG_LENGTH} characters, not starting with acs:, no URL."
                )
            tags[key] = value
        return tags


def _has_url(text: str) -> bool:
    return "http://" in text or "https://" in text

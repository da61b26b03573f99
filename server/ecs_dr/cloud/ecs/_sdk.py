"""Reading and writing the SDK's models: lists that may be absent, percentages sent as text,
disk kinds in any case, tags as the request's own tag class, and tag filters applied here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecs_dr.domain.models import DiskKind


def items(wrapper: Any, name: str) -> list[Any]:
    """The list a response wraps (`body.zones.zone`), empty when either level is absent."""
    return list(getattr(wrapper, name, None) or []) if wrapper is not None else []


def percent(text: object) -> int | None:
    """ECS reports progress as text like `45%`; None when it gave none or nothing readable."""
    try:
        return int(str(text).strip().rstrip("%"))
    except ValueError:
        return None


def progress_of(item: Any) -> int | None:
    """The progress an image or a snapshot reports of itself."""
    return percent(item.progress)


def disk_kind(text: str | None) -> DiskKind:
    """ECS writes `system` / `data` in either case, and sometimes not at all (data)."""
    return "system" if (text or "").lower() == "system" else "data"


def tag_list(cls: type[Any], tags: Mapping[str, str]) -> list[Any]:
    """Tags as the request's own tag model (each create request has its own class)."""
    return [cls(key=k, value=v) for k, v in tags.items()]


def carries_tag(tags: Mapping[str, str], key: str, value: str | None) -> bool:
    """Whether `tags` hold `key`, with `value` when one is given."""
    return key in tags and value in (None, tags[key])

"""The figures suites print at the end of a run (the fault matrix, the bad inputs tried, the
secret scan), whole however many pytest-xdist workers ran the tests: each process keeps its
own, a worker hands them to the controller as it ends, and the controller prints them all."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any

_SOURCES: dict[str, Callable[[], list[dict[str, Any]]]] = {}
_FROM_WORKERS: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)


def source(name: str, items: Callable[[], list[dict[str, Any]]]) -> None:
    """Register where this process's figures of `name` are read from (JSON-able records)."""
    _SOURCES[name] = items


def export() -> str:
    """This process's figures, for a worker to hand to the controller."""
    return json.dumps({name: items() for name, items in _SOURCES.items()})


def merge(exported: str) -> None:
    """Add a worker's figures to this process's."""
    for name, items in json.loads(exported).items():
        _FROM_WORKERS[name].extend(items)


def collected(name: str) -> list[dict[str, Any]]:
    """Every record of `name`: this process's and every finished worker's."""
    own = _SOURCES[name]() if name in _SOURCES else []
    return own + _FROM_WORKERS[name]

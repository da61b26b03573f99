"""Which rows of the contract table held in this run, for the terminal summary (printed by
tests/conftest.py from every worker's records, tests/support/figures.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tests.support import figures

FIGURES = "contract"
HELD: list[dict[str, Any]] = []
figures.source(FIGURES, lambda: list(HELD))


def summary_lines(held: Sequence[Mapping[str, Any]]) -> list[str]:
    """How many rows held, and how many of them the sandbox answered otherwise before the
    table was written; nothing when no row ran."""
    if not held:
        return []
    wrong = sum(1 for row in held if row["was_wrong"])
    return [
        f"contract rows held: {len(held)} ({wrong} of them answered otherwise by the sandbox "
        "before the table was written)"
    ]

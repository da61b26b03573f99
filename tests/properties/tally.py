"""How many bad calls each tool was given in this run, for the terminal summary (printed by
tests/conftest.py from every worker's counts, tests/support/figures.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from tests.support import figures

FIGURES = "bad_inputs"
TRIED: Counter[str] = Counter()
figures.source(FIGURES, lambda: [dict(TRIED)])


def summary_lines(counts: Sequence[Mapping[str, Any]]) -> list[str]:
    """One line per tool and the total; nothing when no bad input was tried."""
    tried: Counter[str] = Counter()
    for count in counts:
        tried.update(count)
    if not tried:
        return []
    lines = [f"{tool:<28}{n:>6}" for tool, n in sorted(tried.items())]
    return [*lines, f"bad inputs tried: {sum(tried.values())}"]

"""The fault matrix's table: one row per case (fault, step, scenario, outcome, duplicates,
orphans, source changes), then the figures to quote. Printed by tests/conftest.py from every
worker's rows (tests/support/figures.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from tabulate import tabulate

FIGURES = "fault_matrix"
_COLUMNS = ("fault", "step", "scenario", "outcome", "duplicates", "orphans", "source_changes")


def summary_lines(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The table and the totals; nothing when no case ran."""
    if not rows:
        return []
    table = tabulate(
        [[row[column] for column in _COLUMNS] for row in rows],
        headers=[column.replace("_", " ") for column in _COLUMNS],
        tablefmt="github",
    )
    survived = [
        r
        for r in rows
        if r["outcome"] != "FAILED" and r["duplicates"] == r["orphans"] == r["source_changes"] == 0
    ]
    outcomes = Counter(r["outcome"] for r in rows)
    return [
        *table.splitlines(),
        "",
        f"fault matrix: total cases {len(rows)}",
        f"fault matrix: faults x steps survived {len(survived)}/{len(rows)}",
        f"fault matrix: outcomes {', '.join(f'{k} {v}' for k, v in outcomes.items())}",
        f"fault matrix: duplicates {sum(r['duplicates'] for r in rows)}",
        f"fault matrix: orphans {sum(r['orphans'] for r in rows)}",
        f"fault matrix: source changes {sum(r['source_changes'] for r in rows)}",
        f"fault matrix: failed resources replaced on resume {sum(r['replaced'] for r in rows)}",
    ]

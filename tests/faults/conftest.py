"""The fault matrix's table, printed at the end of the run: one row per case (fault, step,
scenario, outcome, duplicates, orphans, source changes), then the figures to quote."""

from __future__ import annotations

import pytest
from tabulate import tabulate

from tests.faults.matrix import ROWS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not ROWS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fault matrix")
    table = [
        (r.fault, r.step, r.scenario, r.outcome, r.duplicates, r.orphans, r.source_changes)
        for r in ROWS
    ]
    headers = ("fault", "step", "scenario", "outcome", "duplicates", "orphans", "source changes")
    for line in tabulate(table, headers=headers, tablefmt="github").splitlines():
        write(line)
    survived = [
        r
        for r in ROWS
        if r.outcome != "FAILED" and r.duplicates == r.orphans == r.source_changes == 0
    ]
    by_outcome = {
        o: sum(1 for r in ROWS if r.outcome == o) for o in dict.fromkeys(r.outcome for r in ROWS)
    }
    write("")
    write(f"fault matrix: total cases {len(ROWS)}")
    write(f"fault matrix: faults x steps survived {len(survived)}/{len(ROWS)}")
    write(f"fault matrix: outcomes {', '.join(f'{k} {v}' for k, v in by_outcome.items())}")
    write(f"fault matrix: duplicates {sum(r.duplicates for r in ROWS)}")
    write(f"fault matrix: orphans {sum(r.orphans for r in ROWS)}")
    write(f"fault matrix: source changes {sum(r.source_changes for r in ROWS)}")
    write(f"fault matrix: failed resources replaced on resume {sum(r.replaced for r in ROWS)}")

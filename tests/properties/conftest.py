"""The bad-input properties' settings profile and their count in the terminal summary."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from tests.properties.tally import TRIED

# Repeatable in CI: the same examples every run, and none carried over from an earlier run.
settings.register_profile(
    "bad-input",
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TRIED:
        return
    terminalreporter.section("bad inputs tried, by tool")
    for tool, count in sorted(TRIED.items()):
        terminalreporter.write_line(f"{tool:<28}{count:>6}")
    terminalreporter.write_line(f"bad inputs tried: {sum(TRIED.values())}")

"""Shared fixtures: the sandbox emulator on a free loopback port, driven through the official
SDK over real HTTP (the sandbox is the only fake of ECS in this repository); and the figures
the suites print at the end of a run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alibabacloud_ecs20140526.client import Client

from tests.faults import report as fault_report
from tests.properties import tally
from tests.sandbox import contract_tally
from tests.support import figures
from tests.support.sandboxes import SandboxHandle, in_process_sandbox, sdk_client
from tests.support.secret_scan import SCAN_FIGURES, scan_summary

WORKER_FIGURES = "ecs_dr_figures"


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with in_process_sandbox() as handle:
        yield handle


@pytest.fixture
def ecs(sandbox: SandboxHandle) -> Client:
    """The official SDK's client, pointed at the sandbox."""
    return sdk_client(sandbox)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A pytest-xdist worker hands its figures to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[WORKER_FIGURES] = figures.export()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """The controller keeps each finished worker's figures (pytest-xdist's hook)."""
    figures.merge(getattr(node, "workeroutput", {}).get(WORKER_FIGURES, "{}"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The figures of the suites that ran: the fault matrix, the bad inputs, the secret scan."""
    sections = (
        ("fault matrix", fault_report.summary_lines(figures.collected(fault_report.FIGURES))),
        ("bad inputs tried, by tool", tally.summary_lines(figures.collected(tally.FIGURES))),
        ("secret scan", scan_summary(figures.collected(SCAN_FIGURES))),
        ("contract table", contract_tally.summary_lines(figures.collected(contract_tally.FIGURES))),
    )
    for title, lines in sections:
        if lines:
            terminalreporter.section(title)
            for line in lines:
                terminalreporter.write_line(line)

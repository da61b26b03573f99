"""Shared fixtures: the sandbox emulator on a free loopback port, driven through the official
SDK over real HTTP. The sandbox is the only fake of ECS in this repository.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.utils_models import Config

from ecs_dr.sandbox.app import create_sandbox
from ecs_dr.sandbox.clock import VirtualClock
from ecs_dr.sandbox.server import SandboxThread
from tests import figures
from tests.e2e import harness
from tests.faults import report as fault_report
from tests.properties import tally
from tests.sandbox import contract_tally

ACCESS_KEY_ID = "LTAI5tSandboxTestKey01"
ACCESS_KEY_SECRET = "SandboxTestSecret0123456789abcdef"
WORKER_FIGURES = "ecs_dr_figures"
USER_AGENT = "AlibabaCloud-Agent-Skills/alibabacloud-ecs-disaster-recovery-snapshot/tests"


@dataclass
class SandboxHandle:
    """A running sandbox and its control endpoints."""

    endpoint: str
    access_key_id: str
    access_key_secret: str
    region_id: str
    clock: VirtualClock

    def _control(self, method: str, path: str, payload: Any = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(
            f"http://{self.endpoint}/_sandbox/{path}",
            data=data,
            method=method,
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def requests(self) -> list[dict[str, Any]]:
        return list(self._control("GET", "requests")["requests"])

    def add_fault(self, fault: dict[str, Any]) -> None:
        self._control("POST", "faults", fault)

    def clear_faults(self) -> None:
        self._control("DELETE", "faults")

    def state(self) -> dict[str, Any]:
        return dict(self._control("GET", "state"))

    def reset(self, durations: dict[str, Any] | None = None) -> None:
        """The world as seeded; with `durations` (spread, seed), drawn as they say."""
        self._control("POST", "reset", {} if durations is None else {"durations": durations})

    def advance(self, seconds: float) -> None:
        self._control("POST", "clock", {"advance": seconds})


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    clock = VirtualClock()
    emulator = create_sandbox(ACCESS_KEY_ID, ACCESS_KEY_SECRET, clock=clock)
    with SandboxThread(emulator) as server:
        yield SandboxHandle(
            endpoint=server.endpoint,
            access_key_id=ACCESS_KEY_ID,
            access_key_secret=ACCESS_KEY_SECRET,
            region_id="cn-hangzhou",
            clock=clock,
        )


def sdk_config(
    handle: SandboxHandle, secret: str | None = None, key_id: str | None = None
) -> Config:
    """The settings of an official SDK client (ECS's or the VPC API's) pointed at the sandbox,
    with its keys unless told others."""
    return Config(
        access_key_id=key_id or handle.access_key_id,
        access_key_secret=secret or handle.access_key_secret,
        endpoint=handle.endpoint,
        protocol="http",
        region_id=handle.region_id,
        user_agent=USER_AGENT,
        read_timeout=10_000,
        connect_timeout=5_000,
    )


def sdk_client(
    handle: SandboxHandle, secret: str | None = None, key_id: str | None = None
) -> Client:
    return Client(sdk_config(handle, secret, key_id))


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
        ("secret scan", harness.scan_summary(figures.collected(harness.SCAN_FIGURES))),
        ("contract table", contract_tally.summary_lines(figures.collected(contract_tally.FIGURES))),
    )
    for title, lines in sections:
        if lines:
            terminalreporter.section(title)
            for line in lines:
                terminalreporter.write_line(line)
